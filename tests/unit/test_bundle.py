"""The offline bundle check, from the auditor's chair: no database, only the bundle file.

The bundles here are built by hand from a small log with the same leaf encoding the sealer uses,
so every alteration an auditor might face can be made precisely.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.proof.verify import (
    TreeHead,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    subtree_node_from_leaves,
    tree_head_signing_bytes,
)
from ledger.proof.verify_bundle import (
    BUNDLE_FORMAT,
    HEAD_FORMAT,
    BundleReport,
    plaintext_digest,
    stored_event_leaf,
    verify_bundle,
)
from ledger.proof.verify_index import index_leaf_hash, subtree_path, subtree_root

RECORD = "fd0982c8-8434-5938-bfb7-1e3a9062333f"
OTHER = "0c6f8d8e-51a8-4c59-9a8c-1d6a0c4a3f10"
KEY = Ed25519PrivateKey.generate()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def state(n: int, **extra: Any) -> bytes:
    body = {"actor": {"id": "dept", "role": "source_department"},
            "timestamp": f"2026-05-06T01:{n:02d}:00Z", **extra}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


DEADLINE = {"key": "explanation", "due": "2026-05-26", "rule_set_id": "ndrc-order-36",
            "calendar_version": "chinesecalendar-1.11.0"}
SEALED_NAME = {"key_id": "p1", "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy", "digest": "ab" * 32}

# (position, originator, version, topic, state): a gap at positions 4-5, as after a rollback
LOG = [
    (1, OTHER, 1, "ledger.subjects:CivilServant.Created", state(0, name=SEALED_NAME)),
    (2, RECORD, 1, "ledger.record_events:RecordFiled", state(1, rule_set_id="ndrc-order-36")),
    (3, RECORD, 2, "ledger.record_events:Published", state(2)),
    (6, RECORD, 3, "ledger.record_events:ExplanationRequested", state(3, starts=DEADLINE)),
    (7, OTHER, 2, "ledger.subjects:CivilServant.RecordListed", state(4, record_id=RECORD)),
]


def leaves(log: list[tuple[Any, ...]]) -> list[bytes]:
    return [leaf_hash(stored_event_leaf(*entry)[0]) for entry in log]


def index_entries(log: list[tuple[Any, ...]]) -> list[tuple[int, bytes]]:
    """The record index of a log: each aggregate's latest version and its leaf."""
    latest = {UUID(originator): (version, i)
              for i, (_, originator, version, _, _) in enumerate(log)}
    return sorted((k.int, index_leaf_hash(k, *v)) for k, v in latest.items())


def signed(hashes: list[bytes], key: Ed25519PrivateKey = KEY, at: int = 1_000,
           index_root: bytes | None = None) -> dict[str, Any]:
    head = TreeHead(len(hashes), root_from_leaf_hashes(hashes), at, index_root)
    found = {"size": head.size, "root": b64(head.root), "timestamp_ms": at,
             "signature": b64(key.sign(tree_head_signing_bytes(head)))}
    if index_root is not None:
        found["index_root"] = b64(index_root)
    return found


def bundle_of(indexes: list[int], selection: dict[str, str], log: list[tuple[Any, ...]] = LOG,
              key: Ed25519PrivateKey = KEY) -> dict[str, Any]:
    hashes = leaves(log)
    node = subtree_node_from_leaves(hashes)
    events = []
    for i in indexes:
        position, originator, version, topic, data = log[i]
        events.append({
            "leaf_index": i, "position": position, "id": originator, "version": version,
            "topic": topic, "timestamp": stored_event_leaf(*log[i])[1], "state": b64(data),
            "inclusion_proof": [b64(p) for p in inclusion_proof(i, len(hashes), node)],
        })
    entries = index_entries(log)
    latest = {UUID(log[i][1]): (log[i][2], i) for i in range(len(log))}
    index = {str(a): {"version": latest[a][0], "leaf_index": latest[a][1],
                      "proof": [b64(p) for p in subtree_path(entries, a.int)]}
             for a in {UUID(log[i][1]) for i in indexes}}
    return {"format": BUNDLE_FORMAT, "selection": selection, "public_key": b64(raw_public(key)),
            "tree_head": signed(hashes, key, index_root=subtree_root(entries)),
            "complete_log": False, "events": events, "index": index,
            "rule_sets": {"ndrc-order-36": {"id": "ndrc-order-36"}},
            "calendar_versions": ["chinesecalendar-1.11.0"]}


def record_bundle() -> dict[str, Any]:
    return bundle_of([1, 2, 3], {"record": RECORD})


def newer_head(old_size: int, log: list[tuple[Any, ...]]) -> dict[str, Any]:
    hashes = leaves(log)
    proof = consistency_proof(old_size, len(hashes), subtree_node_from_leaves(hashes))
    return {"format": HEAD_FORMAT, "public_key": b64(raw_public(KEY)),
            "tree_head": signed(hashes, at=2_000),
            "consistency": {"from_size": old_size, "proof": [b64(p) for p in proof]}}


def check(bundle: Any, **options: Any) -> BundleReport:
    """What an auditor who pinned the ledger's published key runs."""
    return verify_bundle(bundle, trusted_key=raw_public(KEY), **options)


def test_a_genuine_record_bundle_verifies_offline_against_the_pinned_key() -> None:
    report = check(record_bundle())

    assert report.ok, report.problems
    assert report.events_checked == 3 and not report.notes


def test_a_bundle_checked_with_no_pinned_key_fails_even_if_it_is_genuine() -> None:
    report = verify_bundle(record_bundle())

    assert not report.ok and "no trusted key was given" in report.problems[0]


def flip(text: str, at: int = 10) -> str:
    data = bytearray(base64.b64decode(text))
    data[at % len(data)] ^= 0x01
    return b64(bytes(data))


@pytest.mark.parametrize("alteration", [
    lambda b: b["events"][1].update(state=flip(b["events"][1]["state"], 40)),
    lambda b: b["events"][0].update(position=b["events"][0]["position"] + 1),
    lambda b: b["events"][0].update(topic="ledger.record_events:RecordWithdrawn"),
    lambda b: b["events"][2].update(inclusion_proof=[flip(p) for p in
                                                     b["events"][2]["inclusion_proof"]]),
    lambda b: b["events"][2].update(leaf_index=4),
    lambda b: b["tree_head"].update(root=flip(b["tree_head"]["root"])),
    lambda b: b["tree_head"].update(timestamp_ms=b["tree_head"]["timestamp_ms"] + 1),
    lambda b: b["tree_head"].update(signature=flip(b["tree_head"]["signature"])),
], ids=["state byte", "position", "topic", "proof", "leaf index", "root", "head time",
        "signature"])
def test_a_bundle_with_one_altered_value_fails(alteration: Any) -> None:
    bundle = record_bundle()
    alteration(bundle)

    assert not check(bundle).ok


def test_every_single_flipped_byte_of_an_event_state_is_caught() -> None:
    original = record_bundle()
    data = base64.b64decode(original["events"][2]["state"])
    for at in range(len(data)):
        bundle = copy.deepcopy(original)
        bundle["events"][2]["state"] = flip(bundle["events"][2]["state"], at)
        assert not check(bundle).ok, f"byte {at} flipped unnoticed"


def test_a_timestamp_shown_that_differs_from_the_stored_one_is_caught() -> None:
    bundle = record_bundle()
    bundle["events"][0]["timestamp"] = "2026-05-06T09:00:00Z"

    assert "timestamp shown" in check(bundle).problems[0]


def test_a_bundle_signed_by_another_key_fails_when_the_published_key_is_pinned() -> None:
    forger = Ed25519PrivateKey.generate()
    bundle = bundle_of([1, 2, 3], {"record": RECORD}, key=forger)

    assert verify_bundle(bundle, trusted_key=raw_public(forger)).ok  # consistent in itself…
    report = check(bundle)
    assert not report.ok and "other than the trusted one" in report.problems[0]
    assert any("does not verify with the trusted key" in p for p in report.problems)


def test_a_bundle_that_names_the_published_key_but_was_signed_by_another_fails() -> None:
    forger = Ed25519PrivateKey.generate()
    bundle = bundle_of([1, 2, 3], {"record": RECORD}, key=forger)
    bundle["public_key"] = b64(raw_public(KEY))

    assert check(bundle).problems == [
        "the tree head's signature does not verify with the trusted key"]


def test_a_record_history_with_a_version_left_out_fails() -> None:
    bundle = bundle_of([1, 3], {"record": RECORD})

    assert any("not 1..2" in p for p in check(bundle).problems)


def test_a_record_bundle_without_its_last_event_fails() -> None:
    bundle = bundle_of([1, 2], {"record": RECORD})  # versions 1 and 2 of 3, in order

    problems = check(bundle).problems

    assert problems == [f"{RECORD}: the head records version 3 (leaf 3) as its latest, the "
                        "bundle ends at version 2: events are missing"]


def test_a_bundle_whose_index_entry_was_lowered_to_hide_the_last_event_fails() -> None:
    bundle = bundle_of([1, 2], {"record": RECORD})
    bundle["index"][RECORD].update(version=2, leaf_index=2)

    assert check(bundle).problems == [
        f"{RECORD}: the index proof does not lead to the signed index root"]


def test_a_bundle_without_the_index_entry_of_an_aggregate_it_shows_fails() -> None:
    bundle = bundle_of([0, 1, 2, 3], {"subject": OTHER})
    del bundle["index"][OTHER]

    assert check(bundle).problems == [f"{OTHER}: the bundle does not prove its latest version"]


def test_a_subjects_bundle_missing_the_subjects_own_last_event_fails() -> None:
    whole = bundle_of([0, 1, 2, 3, 4], {"subject": OTHER})
    cut = bundle_of([0, 1, 2, 3], {"subject": OTHER})

    assert check(whole).ok, check(whole).problems
    assert any("events are missing" in p for p in check(cut).problems)


def test_a_head_without_a_record_index_cannot_prove_a_record_complete() -> None:
    bundle = record_bundle()
    bundle["tree_head"] = signed(leaves(LOG))  # a head of the first format: no index root

    assert check(bundle).problems == ["the head commits to no record index: the bundle cannot "
                                      "show that no later events exist"]


def test_a_time_range_that_skips_a_leaf_fails() -> None:
    whole = bundle_of([1, 2, 3], {"from": "2026-05-06T01:01:00Z", "to": "2026-05-06T02:00:00Z"})
    gappy = bundle_of([1, 3], {"from": "2026-05-06T01:01:00Z", "to": "2026-05-06T02:00:00Z"})

    assert check(whole).ok
    assert any("skips leaves" in p for p in check(gappy).problems)


def test_events_out_of_log_order_fail() -> None:
    bundle = record_bundle()
    bundle["events"].reverse()

    assert any("out of log order" in p for p in check(bundle).problems)


def test_a_deadline_whose_rule_set_is_not_in_the_bundle_fails() -> None:
    bundle = record_bundle()
    bundle["rule_sets"] = {}
    bundle["calendar_versions"] = []

    problems = check(bundle).problems
    assert any("rule set ndrc-order-36" in p for p in problems)
    assert any("calendar chinesecalendar-1.11.0" in p for p in problems)


def test_a_later_head_over_an_extended_log_is_accepted() -> None:
    bundle = record_bundle()
    grown = [*LOG, (8, RECORD, 4, "ledger.record_events:ExplanationSubmitted", state(9))]

    report = check(bundle, newer_head=newer_head(len(LOG), grown))

    assert report.ok, report.problems
    assert report.newer_head is not None and report.newer_head.head.size == 6


def test_a_later_head_over_a_rewritten_log_is_rejected() -> None:
    bundle = record_bundle()
    rewritten = [entry for entry in LOG if entry[0] != 3]  # "Published" taken out
    rewritten += [(8, RECORD, 4, "ledger.record_events:Withdrawn", state(9)),
                  (9, RECORD, 5, "ledger.record_events:Withdrawn", state(10))]

    report = check(bundle, newer_head=newer_head(len(LOG), rewritten))

    assert any("was rewritten" in p for p in report.problems)


def test_a_later_head_without_a_proof_from_the_bundle_size_is_rejected() -> None:
    grown = [*LOG, (8, RECORD, 4, "ledger.record_events:ExplanationSubmitted", state(9))]
    head = newer_head(len(LOG) - 1, grown)

    assert any("no consistency proof" in p
               for p in check(record_bundle(), newer_head=head).problems)


def test_a_complete_log_bundle_is_checked_against_the_root_without_proofs() -> None:
    bundle = bundle_of(list(range(len(LOG))), {"from": "2026-01-01", "to": "2027-01-01"})
    bundle["complete_log"] = True
    for event in bundle["events"]:
        del event["inclusion_proof"]
    assert check(bundle).ok

    bundle["events"][4]["state"] = flip(bundle["events"][4]["state"], 30)
    assert any("signed root" in p for p in check(bundle).problems)


@pytest.mark.parametrize("broken", [
    None, [], {"format": "something else"}, {"format": BUNDLE_FORMAT},
    {**record_bundle(), "public_key": "not base64!"},
    {**record_bundle(), "events": "none"},
    {**record_bundle(), "tree_head": {"size": "7"}},
])
def test_a_malformed_bundle_is_reported_not_raised(broken: Any) -> None:
    report = check(broken)

    assert not report.ok and "malformed" in report.problems[0]


def test_the_leaf_commits_to_the_salted_digest_of_a_sealed_personal_field() -> None:
    position, originator, version, topic, data = LOG[0]
    other_digest = data.replace(b"ab" * 32, b"cd" * 32)

    assert plaintext_digest(json.loads(data)) == hashlib.sha256(
        (64).to_bytes(4, "big") + b"ab" * 32).digest()
    assert plaintext_digest(json.loads(LOG[1][4])) is None
    assert stored_event_leaf(position, originator, version, topic, data)[0] != (
        stored_event_leaf(position, originator, version, topic, other_digest)[0])
