"""The sealer on real PostgreSQL: the tree it stores is the RFC 9162 tree of the log.

The leaves are recomputed here independently, from the rows and the leaf layout in
``ledger.proof.verify``, so a sealer that committed to the wrong bytes would fail these tests.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from itertools import combinations
from typing import Any
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.personal import plaintext_digest
from ledger.proof.audit import ProofReader
from ledger.proof.sealer import Frontier, Sealer
from ledger.proof.verify import (
    event_leaf_bytes,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from ledger.proof.verify_bundle import unb64
from ledger.proof.verify_index import index_root
from ledger.store.follow import LogTable
from ledger.subjects import CivilServant
from tests.support.world import DEPT, PERSON_ID, FakeClock, filing, postgres_ledger, register_world

KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def app(pg_url: str, clock: FakeClock) -> Iterator[Ledger]:
    ledger = postgres_ledger(pg_url, clock)
    yield ledger
    ledger.close()


def sealer_for(app: Ledger, url: str, **options: Any) -> Sealer:
    return Sealer(url, LogTable.of(app), key=KEY, **options)


def expected_leaves(url: str) -> list[bytes]:
    """The leaf hashes of the log, computed from the rows without the sealer's code."""
    hashes = []
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT notification_id, originator_id, originator_version, topic, "
                            "state FROM ledger_events ORDER BY notification_id").fetchall()
    for position, originator_id, version, topic, state in rows:
        decoded = json.loads(state)
        sealed = sorted(v["digest"] for v in decoded.values()
                        if isinstance(v, dict) and "ciphertext" in v)
        digest = hashlib.sha256(b"".join(
            len(d).to_bytes(4, "big") + d.encode() for d in sealed)).digest() if sealed else None
        hashes.append(leaf_hash(event_leaf_bytes(position, str(originator_id), version, topic,
                                                 decoded["timestamp"], bytes(state), digest)))
    return hashes


def test_the_sealed_root_is_the_rfc_9162_root_of_the_log_in_any_batch_size(
    app: Ledger, pg_url: str
) -> None:
    register_world(app)
    for n in range(1, 8):
        app.file_record(filing(n), DEPT)
    sealer = sealer_for(app, pg_url, batch_size=3)

    sealer.seal_pending()
    head = sealer.issue_head()

    leaves = expected_leaves(pg_url)
    assert head.head.size == len(leaves) > 20
    assert head.head.root == root_from_leaf_hashes(leaves)
    assert head.verify(sealer.public_key)


def test_every_stored_subtree_is_the_hash_of_its_leaves(app: Ledger, pg_url: str) -> None:
    register_world(app)
    for n in range(1, 6):
        app.file_record(filing(n), DEPT)
    sealer_for(app, pg_url, batch_size=5).seal_pending()

    leaves = expected_leaves(pg_url)
    with psycopg.connect(pg_url) as conn:
        nodes = conn.execute("SELECT level, idx, hash FROM proofs.nodes").fetchall()
    assert len(nodes) == len(leaves) - bin(len(leaves)).count("1")
    for level, idx, digest in nodes:
        assert bytes(digest) == root_from_leaf_hashes(leaves[idx << level:(idx + 1) << level])


def test_the_tree_builder_matches_the_reference_root_for_every_size_up_to_300() -> None:
    hashes = [hashlib.sha256(bytes([n % 256, n // 256])).digest() for n in range(300)]
    frontier, nodes = Frontier(), []
    for size, h in enumerate(hashes, start=1):
        frontier.append(h, nodes)
        assert frontier.root() == root_from_leaf_hashes(hashes[:size])
    assert len(nodes) == 300 - bin(300).count("1")


def test_a_rolled_back_insert_leaves_a_gap_and_leaves_keep_their_positions(
    app: Ledger, pg_url: str
) -> None:
    register_world(app)
    register_world(app)  # registering again is refused by the database: ids are consumed
    rid = app.file_record(filing(), DEPT).record_id
    sealer = sealer_for(app, pg_url)
    sealer.seal_pending()
    head = sealer.issue_head()

    with psycopg.connect(pg_url) as conn:
        positions = [r[0] for r in conn.execute(
            "SELECT position FROM proofs.leaves ORDER BY leaf_index")]
    assert positions != list(range(1, len(positions) + 1))  # the gap is real
    reader = ProofReader(pg_url, sealer.log)
    proof = reader.inclusion(reader.position_of(rid, 2))
    assert proof["leaf_index"] == 4 and proof["position"] > 5
    assert verify_inclusion(unb64(proof["leaf_hash"]), proof["leaf_index"], head.head.size,
                            [unb64(p) for p in proof["proof"]], head.head.root)


def test_every_event_has_an_inclusion_proof_under_every_head(app: Ledger, pg_url: str) -> None:
    register_world(app)
    sealer = sealer_for(app, pg_url, batch_size=4)
    heads = []
    for n in range(1, 5):
        app.file_record(filing(n), DEPT)
        sealer.seal_pending()
        heads.append(sealer.issue_head().head)
    reader = ProofReader(pg_url, sealer.log)
    leaves = expected_leaves(pg_url)
    with psycopg.connect(pg_url) as conn:
        positions = [r[0] for r in conn.execute(
            "SELECT position FROM proofs.leaves ORDER BY leaf_index")]

    for head in heads:
        for index in range(head.size):
            proof = reader.inclusion(positions[index], head.size)
            assert verify_inclusion(leaves[index], index, head.size,
                                    [unb64(p) for p in proof["proof"]], head.root)


def test_heads_issued_while_the_log_grows_are_pairwise_consistent(
    app: Ledger, pg_url: str
) -> None:
    register_world(app)
    sealer = sealer_for(app, pg_url)
    stop = threading.Event()
    follower = threading.Thread(target=sealer.run, args=(stop,),
                                kwargs={"head_every": 0.01, "poll": 0.05})
    follower.start()
    reader = ProofReader(pg_url, sealer.log)
    try:
        for n in range(1, 7):
            app.file_record(filing(n), DEPT)
            wait_for_head_of(reader, app.recorder.max_notification_id() or 0)
    finally:
        stop.set()
        follower.join(timeout=10)

    heads = [h.head for h in reader.heads()]
    assert len({h.size for h in heads}) >= 6
    for old, new in combinations(heads, 2):
        proof = [unb64(p) for p in reader.consistency(old.size, new.size)["proof"]]
        assert verify_consistency(old.size, new.size, old.root, new.root, proof), (old, new)


def wait_for_head_of(reader: ProofReader, position: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        heads = reader.heads()
        if heads:
            with psycopg.connect(reader.url) as conn:
                row = conn.execute("SELECT max(position) FROM proofs.leaves WHERE leaf_index < %s",
                                   (heads[-1].head.size,)).fetchone()
            if row and row[0] == position:
                return
        time.sleep(0.01)
    raise AssertionError(f"no head covered position {position} in time")


def test_two_sealers_at_once_seal_each_event_exactly_once(app: Ledger, pg_url: str) -> None:
    register_world(app)
    for n in range(1, 6):
        app.file_record(filing(n), DEPT)
    sealers = [sealer_for(app, pg_url, batch_size=2) for _ in range(2)]

    threads = [threading.Thread(target=s.seal_pending) for s in sealers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    head = sealers[1].issue_head().head
    assert head.root == root_from_leaf_hashes(expected_leaves(pg_url))


def test_an_auditor_shown_a_civil_servants_name_can_check_it_against_the_sealed_leaf(
    app: Ledger, pg_url: str
) -> None:
    register_world(app)
    sealer = sealer_for(app, pg_url)
    sealer.seal_pending()
    head = sealer.issue_head().head
    person = app.civil_servant(app.vault.person_id(PERSON_ID))
    name, salt = app.vault.open_with_salt(person.name)  # what the authorised reader shows

    created = next(e for e in app.events.get(person.id) if isinstance(e, CivilServant.Created))
    assert plaintext_digest(salt, name) == created.name.digest
    reader = ProofReader(pg_url, sealer.log)
    proof = reader.inclusion(reader.position_of(person.id, 1))
    assert unb64(proof["leaf_hash"]) in expected_leaves(pg_url)
    assert verify_inclusion(unb64(proof["leaf_hash"]), proof["leaf_index"], head.size,
                            [unb64(p) for p in proof["proof"]], head.root)


def latest_versions(url: str, size: int) -> dict[UUID, tuple[int, int]]:
    """Each aggregate's latest version in the first ``size`` leaves, read from the log."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT originator_id, originator_version FROM ledger_events "
                            "ORDER BY notification_id LIMIT %s", (size,)).fetchall()
    return {aggregate: (version, leaf) for leaf, (aggregate, version) in enumerate(rows)}


def test_every_head_commits_to_the_latest_version_of_every_aggregate_at_its_size(
    app: Ledger, pg_url: str
) -> None:
    register_world(app)
    sealer = sealer_for(app, pg_url, batch_size=3)
    heads = []
    for n in range(1, 5):
        app.file_record(filing(n), DEPT)
        if n % 2:
            app.file_record(filing(n + 10), DEPT)
        sealer.seal_pending()
        heads.append(sealer.issue_head().head)

    for head in heads:
        assert head.index_root == index_root(latest_versions(pg_url, head.size)), head.size
    assert len({h.index_root for h in heads}) == len(heads)
