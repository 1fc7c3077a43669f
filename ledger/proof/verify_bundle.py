"""Offline check of an audit bundle: what ``credit-ledger audit verify`` runs before any replay.

Like ``ledger.proof.verify``, this module needs only the standard library (and ``cryptography`` for
Ed25519, through ``verify_tree_head_signature``), so an auditor can read it and run it alone.

Bundle (JSON, every binary value in standard base64)::

    {"format": "credit-ledger-bundle/1",
     "selection": {"record": id} | {"subject": id} | {"from": iso, "to": iso},
     "public_key": key, "tree_head": HEAD,
     "complete_log": false,          # true: the events are every leaf of the head, no proofs
     "events": [{"leaf_index", "position", "id", "version", "topic", "timestamp", "state",
                 "inclusion_proof": [hash, ...]}],   # or, withheld from the public:
                                     # {"leaf_index", "position", "id", "version",
                                     #  "leaf_hash", "withheld": true, "inclusion_proof"}
     "index": {id: {"version", "leaf_index", "proof": [hash, ...]}},   # record, subject
     "rule_sets": {id: rule set}, "calendar_versions": [version, ...],
     "checkpoint": note}             # the head as a C2SP checkpoint, with witness cosignatures

    HEAD = {"size", "root", "timestamp_ms", "signature", "index_root"}

A record's or subject's bundle is complete: for each aggregate it shows, ``index`` proves
against the head's ``index_root`` (``ledger.proof.verify_index``) which version was its latest when
the head was signed, and the bundle must hold exactly versions 1 … that one.

A newer head, to check that the log still extends the bundle's::

    {"format": "credit-ledger-head/1", "public_key": key, "tree_head": HEAD,
     "consistency": {"from_size": n, "proof": [hash, ...]}}

An event's leaf is ``event_leaf_bytes`` of its position, id, version, topic, the ``timestamp``
string inside its stored JSON state, the stored state bytes, and ``plaintext_digest`` below.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from uuid import UUID

from ledger.proof.note import (
    NoteError,
    parse_checkpoint,
    split_note,
    verify_checkpoint,
    verify_cosignature,
)
from ledger.proof.verify import (
    TreeHead,
    event_leaf_bytes,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
    verify_tree_head_signature,
)
from ledger.proof.verify_index import verify_index_proof

BUNDLE_FORMAT = "credit-ledger-bundle/1"
HEAD_FORMAT = "credit-ledger-head/1"
_SEALED_FIELD_KEYS = frozenset({"key_id", "nonce", "ciphertext", "digest"})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected a base64 string")
    return base64.b64decode(text, validate=True)


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def plaintext_digest(state: Any) -> bytes | None:
    """SHA-256 over the sorted ``digest`` strings of the sealed personal fields, or None.

    A sealed field is a JSON object with exactly the keys key_id, nonce, ciphertext, digest;
    each digest is hashed as u32 length || UTF-8 bytes, so the concatenation is unambiguous.
    """
    digests = sorted(
        d["digest"] for d in _walk(state) if d.keys() == _SEALED_FIELD_KEYS
        and isinstance(d["digest"], str)
    )
    if not digests:
        return None
    h = hashlib.sha256()
    for digest in digests:
        data = digest.encode("utf-8")
        h.update(len(data).to_bytes(4, "big") + data)
    return h.digest()


def decode_state(state: bytes) -> Any:
    """The stored JSON state, or None when it is not JSON (encrypted at rest)."""
    try:
        return json.loads(state)
    except ValueError:
        return None


def stored_event_leaf(
    position: int, originator_id: str, version: int, topic: str, state: bytes,
    decoded: Any = None,
) -> tuple[bytes, str]:
    """The leaf data of a stored event, and the timestamp string read from its state.

    ``decoded`` is the state already parsed, if the caller has it; otherwise it is parsed here.
    Without JSON (state encrypted at rest) the timestamp is empty and the leaf commits to the
    stored bytes alone.
    """
    if decoded is None:
        decoded = decode_state(state)
    timestamp = decoded.get("timestamp") if isinstance(decoded, dict) else None
    timestamp = timestamp if isinstance(timestamp, str) else ""
    digest = plaintext_digest(decoded) if b'"ciphertext"' in state else None
    return event_leaf_bytes(position, originator_id, version, topic, timestamp, state,
                            digest), timestamp


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head with its Ed25519 signature."""

    head: TreeHead
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        found = {"size": self.head.size, "root": b64(self.head.root),
                 "timestamp_ms": self.head.timestamp_ms, "signature": b64(self.signature)}
        if self.head.index_root is not None:
            found["index_root"] = b64(self.head.index_root)
        return found

    @classmethod
    def from_json(cls, data: Any) -> SignedTreeHead:
        if not isinstance(data, dict):
            raise ValueError("a tree head must be an object")
        size, timestamp_ms = data.get("size"), data.get("timestamp_ms")
        if not (isinstance(size, int) and isinstance(timestamp_ms, int)):
            raise ValueError("a tree head needs integer size and timestamp_ms")
        index_root = unb64(data["index_root"]) if "index_root" in data else None
        return cls(TreeHead(size, unb64(data.get("root")), timestamp_ms, index_root),
                   unb64(data.get("signature")))

    def verify(self, public_key: bytes) -> bool:
        return verify_tree_head_signature(self.head, self.signature, public_key)


@dataclass
class BundleReport:
    """What the offline check found; ``problems`` is empty when everything holds."""

    events_checked: int = 0
    head: SignedTreeHead | None = None
    newer_head: SignedTreeHead | None = None
    witnesses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(
    bundle: Any, *, newer_head: Any = None, trusted_key: bytes | None = None,
    witnesses: dict[str, bytes] | None = None, min_witnesses: int = 0,
) -> BundleReport:
    """Check a bundle's signature, every event's leaf and proof, and optionally a newer head.

    Heads are checked with ``trusted_key``, the key the ledger publishes, obtained apart from
    the bundle; without it the bundle cannot pass. With ``min_witnesses``, that many of
    ``witnesses`` (name → Ed25519 key) must have cosigned the bundle's checkpoint.
    """
    report = BundleReport()
    try:
        _check(bundle, newer_head, trusted_key, report)
        if min_witnesses:
            _check_witnesses(bundle.get("checkpoint"), report, trusted_key or b"",
                             witnesses or {}, min_witnesses)
    except (ValueError, TypeError, KeyError, binascii.Error) as error:
        report.problems.append(f"the bundle is malformed: {error}")
    return report


def _check(bundle: Any, newer: Any, trusted_key: bytes | None, report: BundleReport) -> None:
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise ValueError(f"not a {BUNDLE_FORMAT} bundle")
    named = unb64(bundle["public_key"])
    if trusted_key is None:
        # A key found in the bundle proves only that someone signed it.
        report.problems.append("no trusted key was given: the bundle's own key proves nothing; "
                               "pin the key the ledger publishes")
        key = named
    else:
        key = trusted_key
        if named != trusted_key:
            report.problems.append("the bundle names a key other than the trusted one")
    sth = report.head = SignedTreeHead.from_json(bundle["tree_head"])
    if not sth.verify(key):
        report.problems.append("the tree head's signature does not verify with the trusted key")
    events = bundle["events"]
    if not isinstance(events, list):
        raise ValueError("events must be a list")
    complete = bundle.get("complete_log") is True
    references = (bundle.get("rule_sets", {}), bundle.get("calendar_versions", []))
    hashes = [_check_event(e, sth.head, complete, references, report) for e in events]
    report.events_checked = len(events)
    _check_order(events, report)
    if complete:
        if [e["leaf_index"] for e in events] != list(range(sth.head.size)):
            report.problems.append("a complete-log bundle must hold every leaf of its head")
        elif root_from_leaf_hashes(hashes) != sth.head.root:
            report.problems.append("the events do not hash to the signed root")
    _check_selection(bundle.get("selection"), events, report)
    if "from" not in bundle["selection"]:
        _check_complete(bundle.get("index"), events, sth.head, report)
    if newer is not None:
        _check_newer_head(newer, sth, key, report)


def _check_event(
    event: Any, head: TreeHead, complete: bool, references: Any, report: BundleReport
) -> bytes:
    index, position, version = event["leaf_index"], event["position"], event["version"]
    if not all(isinstance(v, int) for v in (index, position, version)):
        raise ValueError("leaf_index, position and version must be integers")
    if event.get("withheld") is True:  # a public bundle hides what names civil servants
        digest = unb64(event["leaf_hash"])
        report.notes.append(f"leaf {index} ({event['id']} v{version}) is withheld: only its "
                            "leaf hash is shown, proven in the log, its content unseen")
    else:
        state = unb64(event["state"])
        decoded = decode_state(state)
        data, timestamp = stored_event_leaf(position, str(event["id"]), version,
                                            str(event["topic"]), state, decoded)
        _check_references(decoded, index, references, report)
        if timestamp != event.get("timestamp"):
            report.problems.append(f"leaf {index}: the timestamp shown is not the one stored")
        digest = leaf_hash(data)
    if not complete:
        proof = [unb64(p) for p in event["inclusion_proof"]]
        if not verify_inclusion(digest, index, head.size, proof, head.root):
            report.problems.append(
                f"leaf {index} (position {position}, {event['id']} v{version}): "
                "the inclusion proof does not lead to the signed root"
            )
    return digest


def _check_order(events: list[Any], report: BundleReport) -> None:
    for before, after in pairwise(events):
        if not (before["leaf_index"] < after["leaf_index"]
                and before["position"] < after["position"]):
            report.problems.append(
                f"leaves {before['leaf_index']} and {after['leaf_index']} are out of log order"
            )


def _check_selection(selection: Any, events: list[Any], report: BundleReport) -> None:
    """A record's or subject's history has every version; a time range has every leaf."""
    if not isinstance(selection, dict):
        raise ValueError("selection must be an object")
    if "from" in selection:
        indexes = [e["leaf_index"] for e in events]
        if indexes and indexes != list(range(indexes[0], indexes[-1] + 1)):
            report.problems.append("the time range skips leaves of the log")
        return
    versions: dict[str, list[int]] = {}
    for event in events:
        versions.setdefault(str(event["id"]), []).append(event["version"])
    for originator, seen in versions.items():
        if seen != list(range(1, len(seen) + 1)):
            report.problems.append(f"{originator}: versions {seen} are not 1..{len(seen)}")
    wanted = selection.get("record") or selection.get("subject")
    if wanted is not None and str(wanted) not in versions:
        report.problems.append(f"the bundle holds no event of {wanted}")


def _check_complete(index: Any, events: list[Any], head: TreeHead, report: BundleReport) -> None:
    """Each aggregate shown has no event beyond the last one shown, as of the head."""
    if head.index_root is None:
        report.problems.append("the head commits to no record index: the bundle cannot show "
                               "that no later events exist")
        return
    if not isinstance(index, dict):
        raise ValueError("index must be an object")
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        last[str(event["id"])] = event
    for aggregate, event in last.items():
        entry = index.get(aggregate)
        if not isinstance(entry, dict):
            report.problems.append(f"{aggregate}: the bundle does not prove its latest version")
            continue
        version, leaf = entry["version"], entry["leaf_index"]
        proof = [unb64(p) for p in entry["proof"]]
        if not (isinstance(version, int) and isinstance(leaf, int) and verify_index_proof(
                UUID(aggregate), version, leaf, proof, head.index_root)):
            report.problems.append(f"{aggregate}: the index proof does not lead to the signed "
                                   "index root")
        elif (event["version"], event["leaf_index"]) != (version, leaf):
            report.problems.append(
                f"{aggregate}: the head records version {version} (leaf {leaf}) as its latest, "
                f"the bundle ends at version {event['version']}: events are missing")


def _check_witnesses(note: Any, report: BundleReport, key: bytes, witnesses: dict[str, bytes],
                     needed: int) -> None:
    """The bundle's head, as a checkpoint, cosigned by at least ``needed`` known witnesses."""
    if not isinstance(note, str) or report.head is None:
        report.problems.append("the bundle carries no checkpoint for witnesses to cosign")
        return
    try:
        text, signatures = split_note(note)
        checkpoint = verify_checkpoint(note, parse_checkpoint(text).origin, key)
    except NoteError as error:
        report.problems.append(f"the bundle's checkpoint does not verify: {error}")
        return
    if (checkpoint.size, checkpoint.root) != (report.head.head.size, report.head.head.root):
        report.problems.append("the bundle's checkpoint is not its signed head")
        return
    report.witnesses = sorted({
        s.name for s in signatures if s.name in witnesses
        and verify_cosignature(text, s, s.name, witnesses[s.name]) is not None})
    if len(report.witnesses) < needed:
        report.problems.append(f"{len(report.witnesses)} of the {needed} witnesses required "
                               "cosigned the head")


def _check_references(
    decoded: Any, index: int, references: Any, report: BundleReport
) -> None:
    """Every rule set and calendar version an event names is in the bundle."""
    rule_sets, calendars = references
    for found in _walk(decoded):
        rule_set = found.get("rule_set_id")
        if rule_set is not None and rule_set not in rule_sets:
            report.problems.append(f"leaf {index}: rule set {rule_set} is not in the bundle")
        calendar = found.get("calendar_version")
        if calendar is not None and calendar not in calendars:
            report.problems.append(f"leaf {index}: calendar {calendar} is not in the bundle")


def _check_newer_head(newer: Any, old: SignedTreeHead, key: bytes, report: BundleReport) -> None:
    if not isinstance(newer, dict) or newer.get("format") != HEAD_FORMAT:
        raise ValueError(f"the newer head is not a {HEAD_FORMAT} document")
    sth = report.newer_head = SignedTreeHead.from_json(newer["tree_head"])
    if not sth.verify(key):
        report.problems.append("the newer head's signature does not verify")
    if sth.head.size == old.head.size:
        if sth.head.root != old.head.root:
            report.problems.append("the newer head has the same size but a different root")
        return
    consistency = newer.get("consistency") or {}
    if consistency.get("from_size") != old.head.size:
        report.problems.append(
            f"the newer head carries no consistency proof from size {old.head.size}"
        )
        return
    proof = [unb64(p) for p in consistency.get("proof", [])]
    if not verify_consistency(old.head.size, sth.head.size, old.head.root, sth.head.root, proof):
        report.problems.append(
            f"the log of size {sth.head.size} does not extend the bundle's log of size "
            f"{old.head.size}: it was rewritten"
        )
