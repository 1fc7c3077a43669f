"""What the public may download and be told about a disclosed record's proofs.

A public bundle is the auditor's record bundle (``ledger.proof.audit.export_bundle``) with every
event that carries civil servants' data withheld: such an event is shown by its leaf hash alone,
which still proves its place in the log and the record's completeness, and reveals nothing of it.
The disclosure page shows no civil servant; neither does its bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ledger.proof.audit import Selection, export_bundle
from ledger.proof.verify import leaf_hash
from ledger.proof.verify_bundle import b64, decode_state, stored_event_leaf, unb64, verify_bundle

PERSONAL_KEYS = ("responsible_persons",)


def names_people(state: bytes) -> bool:
    """The stored state holds civil servants' data: sealed fields, pseudonymous person ids,
    or bytes that are not plain JSON (encrypted at rest) and so cannot be checked for it."""
    decoded = decode_state(state)
    return decoded is None or b'"ciphertext"' in state or _has_persons(decoded)


def _has_persons(value: Any) -> bool:
    if isinstance(value, dict):
        return any((k in PERSONAL_KEYS and v) or _has_persons(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_persons(v) for v in value)
    return False


def withhold_personal(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with each event that names people replaced by its leaf hash."""
    events = []
    for event in bundle["events"]:
        state = unb64(event["state"])
        if not names_people(state):
            events.append(event)
            continue
        data, _ = stored_event_leaf(event["position"], event["id"], event["version"],
                                    event["topic"], state)
        kept = {k: v for k, v in event.items() if k not in ("state", "timestamp")}
        events.append({**kept, "leaf_hash": b64(leaf_hash(data)), "withheld": True})
    return {**bundle, "events": events}


def public_record_bundle(ledger: Any, url: str, record_id: UUID,
                         public_key: bytes) -> dict[str, Any]:
    """A disclosed record's bundle under the latest checkpoint of ``public_key``, with what
    names civil servants withheld; the caller has checked that the record is public."""
    found = export_bundle(ledger, url, Selection(record=record_id), public_key)
    return withhold_personal(found)


@dataclass(frozen=True)
class Verified:
    """A bundle checked on the server against the trusted key: the checkpoint it proves
    against (its tree size), when that was signed, and how many known witnesses cosigned."""

    size: int
    signed_at: datetime
    witnesses: int


def verify_public(bundle: dict[str, Any], public_key: bytes,
                  witnesses: dict[str, bytes]) -> Verified | None:
    """The bundle verified (inclusion, completeness, signature); None if anything fails."""
    report = verify_bundle(bundle, trusted_key=public_key)
    if not report.ok or report.head is None:
        return None
    cosigned = 0
    if witnesses:
        counted = verify_bundle(bundle, trusted_key=public_key, witnesses=witnesses,
                                min_witnesses=1)
        cosigned = len(counted.witnesses)
    head = report.head.head
    return Verified(head.size, datetime.fromtimestamp(head.timestamp_ms / 1000, UTC), cosigned)
