"""A log stored by an older layout of the code still verifies, dispatches, projects and replays.

Event topics (``module:QualName``) are stored in every event and committed into every Merkle
leaf, so moving code must never move them. ``tests/data/old_log.json`` is a small sealed log
exported by ``tools/old_log.py`` from the commit it names (before the ledger's folders were split
by concern): the stored rows byte for byte, the wrapped personal-data key, the signed tree head,
and which events that code's dispatcher selected. Loaded into a fresh database, today's code
must find the same tree, the same head, the same dispatched events, and every aggregate.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import record_events as ev
from ledger.application import Ledger
from ledger.personal import Vault
from ledger.proof.audit import ProofReader, Selection, check_log, export_bundle
from ledger.proof.sealer import Sealer
from ledger.proof.verify import leaf_hash, root_from_leaf_hashes, verify_inclusion
from ledger.proof.verify_bundle import SignedTreeHead, stored_event_leaf, unb64, verify_bundle
from ledger.record import CreditRecord
from ledger.store.follow import LogTable, read_recorded
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import eventsourcing_env
from projections.positions import view_status
from tests.support.projections import Projections
from tests.support.world import FakeClock
from workflows.dispatcher import TOPICS, Dispatcher
from workflows.positions import MemoryPositions

OLD_LOG = json.loads((Path(__file__).parents[1] / "data" / "old_log.json").read_text("utf-8"))
EVENTS: list[dict[str, Any]] = OLD_LOG["events"]
PUBLIC_KEY = unb64(OLD_LOG["public_key"])
HEAD = SignedTreeHead.from_json(OLD_LOG["head"])


def _stored(event: dict[str, Any]) -> tuple[int, UUID, int, str, bytes]:
    return (event["position"], UUID(event["id"]), event["version"], event["topic"],
            base64.b64decode(event["state"]))


@pytest.fixture
def old_ledger(pg_url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A fresh database holding the old log's rows and keys, opened by today's ledger."""
    ledger = Ledger(eventsourcing_env(pg_url), clock=clock, vault=Vault(
        unb64(OLD_LOG["master_key"]), PostgresKeyStore(pg_url)))
    assert ledger.recorder.max_notification_id() in (None, 0)
    with psycopg.connect(pg_url) as conn:
        conn.cursor().executemany(
            "INSERT INTO ledger_events (notification_id, originator_id, originator_version, "
            "topic, state) VALUES (%s, %s, %s, %s, %s)", [_stored(e) for e in EVENTS])
        conn.execute("SELECT setval(pg_get_serial_sequence('ledger_events', 'notification_id'),"
                     " %s)", (EVENTS[-1]["position"],))
        conn.cursor().executemany(
            "INSERT INTO ledger_person_keys (key_id, wrapped) VALUES (%s, %s)",
            [(k["key_id"], unb64(k["wrapped"])) for k in OLD_LOG["person_keys"]])
    yield ledger
    ledger.close()


def _add_old_heads(url: str) -> None:
    columns = ("size", "timestamp_ms", "root", "signature", "public_key", "origin",
               "note_signature", "index_root")
    binary = {"root", "signature", "public_key", "note_signature", "index_root"}
    with psycopg.connect(url) as conn:
        for head in OLD_LOG["tree_heads"]:
            conn.execute(
                "INSERT INTO proofs.tree_heads (size, timestamp_ms, root, signature, public_key, "
                "origin, note_signature, index_root) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [unb64(head[c]) if c in binary and head[c] is not None else head[c]
                 for c in columns])


def test_the_old_log_is_the_tree_its_signed_head_names() -> None:
    leaves = [leaf_hash(stored_event_leaf(p, str(i), v, t, s)[0])
              for p, i, v, t, s in map(_stored, EVENTS)]

    assert HEAD.verify(PUBLIC_KEY)
    assert HEAD.head.size == len(EVENTS)
    assert root_from_leaf_hashes(leaves) == HEAD.head.root


def test_the_old_log_sealed_again_proves_each_event_under_its_old_head_and_passes_the_audit(
    old_ledger: Ledger, pg_url: str,
) -> None:
    log = LogTable.of(old_ledger)
    sealer = Sealer(pg_url, log, key=Ed25519PrivateKey.from_private_bytes(
        unb64(OLD_LOG["signing_key"])))
    sealer.seal_pending()
    _add_old_heads(pg_url)
    again = sealer.issue_head()
    sealer.close()
    reader = ProofReader(pg_url, log)

    for event in EVENTS:
        proof = reader.inclusion(event["position"], HEAD.head.size)
        assert verify_inclusion(unb64(proof["leaf_hash"]), proof["leaf_index"], HEAD.head.size,
                                [unb64(p) for p in proof["proof"]], HEAD.head.root)
    report = check_log(pg_url, log, PUBLIC_KEY)
    assert report.ok and report.events == len(EVENTS) and report.heads_checked == 2, report
    assert (again.head.root, again.head.index_root) == (HEAD.head.root, HEAD.head.index_root)
    record = next(UUID(e["id"]) for e in EVENTS if e["topic"] == "ledger.record_events:Withdrawn")
    bundle = export_bundle(old_ledger, pg_url, Selection(record=record), public_key=PUBLIC_KEY)
    checked = verify_bundle(bundle, trusted_key=PUBLIC_KEY)
    assert checked.ok and checked.events_checked > 0, checked.problems


def test_the_dispatcher_selects_and_reads_the_old_events_it_selected_then(
    old_ledger: Ledger,
) -> None:
    dispatched = [e["position"] for e in EVENTS if e["dispatched"]]
    dispatcher = Dispatcher(old_ledger, cast(Any, None), MemoryPositions())

    selected = [row.position for row in read_recorded(old_ledger.recorder, 0, 1000,
                                                      topics=TOPICS)]
    read = dispatcher._read(0)

    assert dispatched and selected == dispatched
    assert [position for position, _ in read] == dispatched
    assert any(isinstance(event, ev.Withdrawn) for _, event in read)


def test_every_view_follows_the_old_log_to_its_end(old_ledger: Ledger, pg_url: str) -> None:
    projections = Projections(old_ledger, pg_url, page_size=7)
    try:
        projections.catch_up()
        with projections.connect() as conn:
            statuses = view_status(conn, projections.log)
    finally:
        projections.close()

    assert statuses and all(s.healthy for s in statuses)
    assert {s.view: s.position for s in statuses} == {
        s.view: EVENTS[-1]["position"] for s in statuses}


def test_every_old_aggregate_replays_to_its_last_version(old_ledger: Ledger) -> None:
    last = {UUID(e["id"]): e["version"] for e in EVENTS}

    replayed = {aggregate_id: old_ledger.repository.get(aggregate_id).version
                for aggregate_id in last}

    assert replayed == last
    records = [old_ledger.record(i) for i in last
               if isinstance(old_ledger.repository.get(i), CreditRecord)]
    assert len(records) == 3 and sum(not r.is_active for r in records) == 1
