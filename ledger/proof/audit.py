"""What an auditor asks of the sealed log: proofs, bundles, and a full recheck of the tree.

Proofs are read from the sealer's stored subtrees: a proof needs O(log n) stored nodes, fetched
in one round trip (a first pass over the proof algorithm only records which nodes it needs).
``check_log`` distrusts the stored tree: it rebuilds the tree from the events in the database
and compares it with every signed head.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ledger.errors import NotFoundError
from ledger.proof.cosignatures import cosignatures_of
from ledger.proof.record_index import index_proof
from ledger.proof.sealer import (
    Frontier,
    batch_proofs,
    create_proof_tables,
    ensure_proof_tables,
    latest_head,
    stored_heads,
)
from ledger.proof.tiles import SignedCheckpoint, latest_checkpoint
from ledger.proof.verify import TreeHead, consistency_proof, inclusion_proof, leaf_hash
from ledger.proof.verify_bundle import (
    BUNDLE_FORMAT,
    HEAD_FORMAT,
    SignedTreeHead,
    b64,
    stored_event_leaf,
    unb64,
)
from ledger.proof.verify_index import index_root
from ledger.store.follow import LogTable


class ProofUnavailableError(NotFoundError):
    """The log holds no such event, or it is not sealed under a signed head yet."""


class ProofReader:
    """Inclusion and consistency proofs, and signed heads, from the proofs store.

    Given the trusted ``public_key``, the latest head is the newest that verifies with it (and
    carries its checkpoint signature); a head written by anyone else is never served.
    """

    def __init__(self, url: str, log: LogTable | None = None,
                 public_key: bytes | None = None) -> None:
        self.url, self.log, self.public_key = url, log or LogTable(), public_key
        self._ready = False

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True)
        if not self._ready:  # a reader may come before the first sealer: tables, empty
            ensure_proof_tables(conn)
            self._ready = True
        return conn

    def heads(self) -> list[SignedTreeHead]:
        with self._connect() as conn:
            return stored_heads(conn)

    def latest_head(self) -> SignedTreeHead:
        return self.latest_checkpoint().head if self.public_key else self._latest_stored()

    def _latest_stored(self) -> SignedTreeHead:
        with self._connect() as conn:
            head = latest_head(conn)
        if head is None:
            raise ProofUnavailableError("no tree head is signed yet; run the sealer")
        return head

    def latest_checkpoint(self) -> SignedCheckpoint:
        """The newest checkpoint signed by the trusted key."""
        if self.public_key is None:
            raise ProofUnavailableError("no trusted public key is configured",
                                        field="public_key")
        with self._connect() as conn:
            found = latest_checkpoint(conn, self.public_key)
        if found is None:
            raise ProofUnavailableError("no checkpoint signed by the trusted key yet; run the "
                                        "sealer", field="tree_head")
        return found

    def leaf_of_position(self, position: int) -> tuple[int, bytes]:
        with self._connect() as conn:
            row = conn.execute("SELECT leaf_index, leaf_hash FROM proofs.leaves "
                               "WHERE position = %s", (position,)).fetchone()
        if row is None:
            raise ProofUnavailableError(f"no sealed event at position {position}")
        return int(row[0]), bytes(row[1])

    def position_of(self, originator_id: UUID, version: int) -> int:
        query = sql.SQL("SELECT notification_id FROM {} WHERE originator_id = %s "
                        "AND originator_version = %s").format(self.log.identifier)
        with self._connect() as conn:
            row = conn.execute(query, (originator_id, version)).fetchone()
        if row is None:
            raise ProofUnavailableError(f"no event {originator_id} version {version}")
        return int(row[0])

    def _require_sealed(self, conn: psycopg.Connection[Any], size: int) -> None:
        row = conn.execute("SELECT max(size) FROM proofs.sealer").fetchone()
        if row is None or row[0] is None or size > int(row[0]):
            raise ProofUnavailableError(f"the tree has not reached {size} leaves")

    def inclusion(self, position: int, size: int | None = None) -> dict[str, Any]:
        """The proof that the event at ``position`` is in the tree of ``size`` (latest head)."""
        size = self.latest_head().head.size if size is None else size
        index, digest = self.leaf_of_position(position)
        if index >= size:
            raise ProofUnavailableError(f"leaf {index} is not in the tree of {size} leaves")
        with self._connect() as conn:
            self._require_sealed(conn, size)
            proof = batch_proofs(conn, lambda node: inclusion_proof(index, size, node))
        return {"position": position, "leaf_index": index, "tree_size": size,
                "leaf_hash": b64(digest), "proof": [b64(p) for p in proof]}

    def inclusion_of_event(self, originator_id: UUID, version: int, size: int | None = None) -> (
        dict[str, Any]
    ):
        """The inclusion proof of a record's (or any aggregate's) event at a version."""
        return self.inclusion(self.position_of(originator_id, version), size)

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        """The proof that the tree of ``first`` leaves is a prefix of that of ``second``."""
        second = self.latest_head().head.size if second is None else second
        with self._connect() as conn:
            self._require_sealed(conn, second)
            try:
                proof = batch_proofs(conn, lambda node: consistency_proof(first, second, node))
            except ValueError as error:
                raise ProofUnavailableError(str(error)) from None
        return {"from_size": first, "to_size": second, "proof": [b64(p) for p in proof]}

    def head_document(self, public_key: bytes, since: int | None = None) -> dict[str, Any]:
        """The latest signed head, with a consistency proof from size ``since`` if given."""
        head = self.latest_head()
        document: dict[str, Any] = {"format": HEAD_FORMAT, "public_key": b64(public_key),
                                    "tree_head": head.to_json()}
        if since is not None:
            proof = self.consistency(since, head.head.size)
            document["consistency"] = {"from_size": since, "proof": proof["proof"]}
        return document


# -- bundles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which events a bundle holds: one record's, one subject's, or a time range's.

    A time range holds the contiguous run of leaves from the first event at or after ``start``
    to the last event before ``end``, so the auditor can see that none was left out.
    """

    record: UUID | None = None
    subject: UUID | None = None
    start: datetime | None = None
    end: datetime | None = None

    def to_json(self) -> dict[str, str]:
        if self.record is not None:
            return {"record": str(self.record)}
        if self.subject is not None:
            return {"subject": str(self.subject)}
        if self.start is None or self.end is None:
            raise ValueError("choose a record, a subject, or a time range with both ends")
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def export_bundle(ledger: Any, url: str, selection: Selection,
                  public_key: bytes | None = None) -> dict[str, Any]:
    """A bundle of the selected sealed events under the latest signed head (offline-checkable).

    ``ledger`` is the ``Ledger`` application: it names the log table and supplies the subject's
    records and the rule sets. With the trusted ``public_key``, the head is the newest signed
    by that key, and the bundle names that key.
    """
    log = LogTable.of(ledger)
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_proof_tables(conn)  # a reader may come before the first sealer
        # One snapshot: the head, the leaves under it and the index at its size.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            head, note = _export_head(conn, public_key)
            rows = _selected_rows(conn, ledger, log, selection, head.head.size)
            complete = [r[5] for r in rows] == list(range(head.head.size))
            proofs = [] if complete else batch_proofs(conn, lambda node: [
                inclusion_proof(r[5], head.head.size, node) for r in rows
            ])
            index = {} if selection.start else _index_proofs(conn, log, head, rows)
            key_row = conn.execute("SELECT public_key FROM proofs.tree_heads ORDER BY id DESC "
                                   "LIMIT 1").fetchone()
    events = [_event_json(row, None if complete else proofs[n]) for n, row in enumerate(rows)]
    rule_sets, calendars = _references(unb64(e["state"]) for e in events)
    book = ledger.settings().rule_book()
    found = {
        "format": BUNDLE_FORMAT, "selection": selection.to_json(),
        "public_key": b64(public_key) if public_key else b64(bytes(key_row[0])) if key_row
        else "",
        "tree_head": head.to_json(), "complete_log": complete, "events": events,
        "rule_sets": {r: book.get(r).model_dump(mode="json") for r in sorted(rule_sets)},
        "calendar_versions": sorted(calendars),
    }
    if index:
        found["index"] = index
    if note:
        found["checkpoint"] = note
    return found


def _export_head(conn: psycopg.Connection[Any], public_key: bytes | None) -> (
    tuple[SignedTreeHead, str | None]
):
    """The head, and its checkpoint note with the witnesses' cosignatures (with a key)."""
    note = None
    if public_key is not None:
        checkpoint = latest_checkpoint(conn, public_key)
        head = checkpoint.head if checkpoint else None
        if checkpoint is not None:
            note = checkpoint.note(cosignatures_of(conn, checkpoint.checkpoint))
    else:
        head = latest_head(conn)
    if head is None:
        raise ProofUnavailableError("no tree head is signed yet; run the sealer")
    return head, note


def _index_proofs(conn: psycopg.Connection[Any], log: LogTable, head: SignedTreeHead,
                  rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Each shown aggregate's index entry and proof, at the head's size."""
    at = conn.execute("SELECT indexed FROM proofs.sealer WHERE log = %s", (log.name,)).fetchone()
    if head.head.index_root is None or at is None or int(at[0]) != head.head.size:
        return {}  # an older head: the bundle cannot prove completeness, and says nothing
    found = {}
    for aggregate in dict.fromkeys(row[1] for row in rows):
        proof = index_proof(conn, aggregate)
        if proof is not None:
            found[str(aggregate)] = {**proof, "proof": [b64(p) for p in proof["proof"]]}
    return found


def _selected_rows(conn: psycopg.Connection[Any], ledger: Any, log: LogTable,
                   selection: Selection, size: int) -> list[tuple[Any, ...]]:
    columns = sql.SQL(
        "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
        "l.leaf_index FROM {} e JOIN proofs.leaves l ON l.position = e.notification_id "
    ).format(log.identifier)
    if selection.start is not None and selection.end is not None:
        bounds = conn.execute(
            "SELECT min(leaf_index), max(leaf_index) FROM proofs.leaves "
            "WHERE at >= %s AND at < %s AND leaf_index < %s",
            (selection.start, selection.end, size),
        ).fetchone()
        low, high = bounds if bounds and bounds[0] is not None else (0, -1)
        query = columns + sql.SQL("WHERE l.leaf_index BETWEEN %s AND %s ORDER BY l.leaf_index")
        return list(conn.execute(query, (low, high)).fetchall())
    ids = _originators(ledger, selection)
    query = columns + sql.SQL(
        "WHERE e.originator_id = ANY(%s) AND l.leaf_index < %s ORDER BY l.leaf_index")
    return list(conn.execute(query, (ids, size)).fetchall())


def _originators(ledger: Any, selection: Selection) -> list[UUID]:
    if selection.record is not None:
        return [selection.record]
    if selection.subject is None:
        raise ValueError("choose a record, a subject, or a time range")
    listed = [getattr(e, "record_id", None) for e in ledger.events.get(selection.subject)]
    return [selection.subject, *(r for r in listed if isinstance(r, UUID))]


def _event_json(row: tuple[Any, ...], proof: list[bytes] | None) -> dict[str, Any]:
    position, originator_id, version, topic, state, index = row
    state = bytes(state)
    _, timestamp = stored_event_leaf(position, str(originator_id), version, topic, state)
    event: dict[str, Any] = {
        "leaf_index": index, "position": position, "id": str(originator_id),
        "version": version, "topic": topic, "timestamp": timestamp, "state": b64(state),
    }
    if proof is not None:
        event["inclusion_proof"] = [b64(p) for p in proof]
    return event


def _references(states: Iterable[bytes]) -> tuple[set[str], set[str]]:
    rule_sets: set[str] = set()
    calendars: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("rule_set_id"), str):
                rule_sets.add(value["rule_set_id"])
            if isinstance(value.get("calendar_version"), str):
                calendars.add(value["calendar_version"])
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for state in states:
        visit(json.loads(state))
    return rule_sets, calendars


# -- rechecking the whole tree ----------------------------------------------------------------


@dataclass
class CheckReport:
    """The result of rebuilding the tree from the database and comparing it with the heads."""

    events: int = 0
    heads_checked: int = 0
    first_mismatch: str | None = None
    first_changed_leaf: str | None = None
    bad_signatures: list[int] = field(default_factory=list)
    index_mismatch: str | None = None

    @property
    def ok(self) -> bool:
        return (self.first_mismatch is None and not self.bad_signatures
                and self.index_mismatch is None)


def check_log(url: str, log: LogTable, public_key: bytes, chunk: int = 5000) -> CheckReport:
    """Rebuild the tree from every stored event and compare it with every signed head."""
    report = CheckReport()
    with psycopg.connect(url) as conn:
        create_proof_tables(conn)
        heads = sorted(stored_heads(conn), key=lambda h: h.head.size)
        report.bad_signatures = [n for n, h in enumerate(heads) if not h.verify(public_key)]
        events = _stream(conn, "check_events", sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
            "ORDER BY notification_id").format(log.identifier), chunk)
        sealed = _stream(conn, "check_leaves", sql.SQL(
            "SELECT position, leaf_hash FROM proofs.leaves ORDER BY leaf_index"), chunk)
        frontier, pending = Frontier(), list(reversed(heads))
        report.heads_checked = _compare_heads(frontier, pending, report)
        indexed = max((h.head for h in heads if h.head.index_root), key=lambda h: h.size,
                      default=None)  # the newest index is rebuilt whole and compared
        latest: dict[UUID, tuple[int, int]] = {}
        for position, originator_id, version, topic, state in events:
            data, _ = stored_event_leaf(position, str(originator_id), version, topic, bytes(state))
            digest = leaf_hash(data)
            _compare_leaf(frontier.size, position, digest, next(sealed, None), report)
            latest[originator_id] = (version, frontier.size)
            frontier.append(digest, [])
            report.heads_checked += _compare_heads(frontier, pending, report)
            if indexed is not None and frontier.size == indexed.size:
                _compare_index(indexed, latest, report)
        report.events = frontier.size
        if pending and report.first_mismatch is None:
            report.first_mismatch = (f"a head of size {pending[-1].head.size} was signed but the "
                                     f"database holds only {frontier.size} events")
    return report


def _compare_index(head: TreeHead, latest: dict[UUID, tuple[int, int]],
                   report: CheckReport) -> None:
    if index_root(latest) != head.index_root:
        report.index_mismatch = (f"the record index signed with the head of size {head.size} "
                                 "is not the latest version of each aggregate in the log")


def _stream(
    conn: psycopg.Connection[Any], name: str, query: sql.Composed | sql.SQL, chunk: int
) -> Iterator[tuple[Any, ...]]:
    """Rows of a server-side cursor, fetched ``chunk`` at a time."""
    cursor = conn.cursor(name=name)
    cursor.execute(query)
    while rows := cursor.fetchmany(chunk):
        yield from rows


def _compare_heads(frontier: Frontier, pending: list[SignedTreeHead], report: CheckReport) -> int:
    checked = 0
    while pending and pending[-1].head.size == frontier.size:
        head = pending.pop().head
        checked += 1
        if head.root != frontier.root() and report.first_mismatch is None:
            signed_at = datetime.fromtimestamp(head.timestamp_ms / 1000, UTC).isoformat()
            report.first_mismatch = (
                f"the head of size {head.size} signed at {signed_at} has root "
                f"{head.root.hex()}, the database gives {frontier.root().hex()}"
            )
    return checked


def _compare_leaf(index: int, position: int, digest: bytes, sealed: Any,
                  report: CheckReport) -> None:
    if report.first_changed_leaf is not None or sealed is None:
        return
    sealed_position, sealed_hash = int(sealed[0]), bytes(sealed[1])
    if sealed_position < position:
        report.first_changed_leaf = (f"leaf {index}: the event sealed at position "
                                     f"{sealed_position} is missing from the log")
    elif sealed_position > position:
        report.first_changed_leaf = (f"leaf {index}: an event at position {position} appeared "
                                     "after sealing")
    elif bytes(sealed_hash) != digest:
        report.first_changed_leaf = (f"leaf {index}: the event at position {position} differs "
                                     "from what was sealed")


# -- replaying a bundle -----------------------------------------------------------------------


def replay_bundle(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Each record whose whole history is in the bundle, rebuilt: the status it implies.

    A record seen only in part (a time range cut through its history) is listed without status.
    """
    from ledger.record import CreditRecord
    from ledger.store.persistence import decode_event

    by_record: dict[str, list[dict[str, Any]]] = {}
    for event in bundle["events"]:
        if str(event["topic"]).startswith("ledger.record_events:"):
            by_record.setdefault(event["id"], []).append(event)
    summaries = []
    for rid, stored in by_record.items():
        summary: dict[str, Any] = {"record_id": rid, "events": len(stored), "status": None}
        summaries.append(summary)
        if [e["version"] for e in stored] != list(range(1, len(stored) + 1)) or any(
                e.get("withheld") for e in stored):
            continue
        events = [decode_event(e["topic"], json.loads(unb64(e["state"])), UUID(rid),
                               e["version"]) for e in stored]
        record = CreditRecord.replay(events)
        if record is not None:
            summary.update(
                status=record.status.value, published=record.published,
                under_objection=record.under_objection,
                open_deadlines={k: d.due.isoformat() if d.due else "awaiting calendar "
                                + ",".join(map(str, d.awaiting))
                                for k, d in record.deadlines.items()},
            )
    return summaries
