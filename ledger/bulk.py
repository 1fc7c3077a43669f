"""Bulk filing: many records from a CSV, JSON Lines or Excel file, streamed in bounded groups.

Each row becomes a ``FileRecord`` command, or an error row naming its line, field and reason;
a bad row never stops the rows after it. Rows are read lazily, a chunk at a time, and each
chunk's results are yielded, in line order, once its records are in the log; the import reads
only a chunk or so further, so memory does not grow with the file. One query finds which
records of the chunk are in the log already and the digest each was filed with, so a file sent
twice is recognised row by row ("unchanged", or an error if the content differs) instead of
filed twice. New filings are appended in groups that respect the save limits of
``ARCHITECTURE.md`` (at most ``MAX_EVENTS_PER_SAVE`` events and about 200 KiB of stored
events), and one record's events never straddle two saves.

Preparing and writing overlap: the events of each group are prepared and encoded here while a
``GroupWriter`` thread writes the group before (``WRITES_AHEAD`` groups may wait for it). Until
a group is known to be written, its records count as filed for the rows after it, and its
rows are kept so that they can be done again.

Subjects are kept in a cache for the whole import (without the ids of the records already
listed on them), so records of one subject list themselves on it at consecutive versions,
across groups that are not written yet. If another writer changes a subject meanwhile, a
group's save fails as a whole. Then the groups prepared after it are dropped unwritten, the
cache is emptied, the failed group's rows are filed again one at a time with
``Ledger.file_record``, and the rows after them are prepared again from the log as it is now:
what the import would have done had it waited for each write. Any other failed write ends the
import with that error, nothing after the failed group written.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal
from uuid import UUID

import pydantic
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.application import MAX_EVENTS_PER_SAVE, SUBJECT_CACHE_SIZE, Ledger, filing_digest
from ledger.bulk_read import Row, UnreadableRow, read_rows
from ledger.bulk_writer import GroupWriter
from ledger.commands import FileRecord
from ledger.errors import LedgerError
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.identifiers import record_id
from ledger.record import require_role
from ledger.subjects import CivilServant, GovernmentBody

__all__ = [
    "CHUNK_ROWS", "MAX_BYTES_PER_SAVE", "WRITES_AHEAD", "Row", "RowResult", "UnreadableRow",
    "explain", "import_records", "read_rows",
]

MAX_BYTES_PER_SAVE = 200 * 1024
CHUNK_ROWS = 250
WRITES_AHEAD = 1

Status = Literal["filed", "unchanged", "error"]


@dataclass(frozen=True)
class RowResult:
    """What became of one row: filed, unchanged (filed before), or an error with its reason."""

    line: int
    status: Status
    record_id: UUID | None = None
    field: str | None = None
    reason: str | None = None


def import_records(
    ledger: Ledger,
    rows: Iterable[Row],
    actor: Actor,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Generator[RowResult, None, None]:
    """File every row; yield one result per row, in line order within each chunk.

    ``on_progress`` is called with the number of rows finished since its last call. Closing
    the generator early stops the writing; rows not yet answered may or may not be filed.
    """
    require_role(actor, Role.SOURCE_DEPARTMENT)
    importer = _Importer(ledger, actor, iter(rows))
    try:
        for chunk in importer.chunks():
            yield from chunk.results()
            if on_progress is not None:
                on_progress(len(chunk.parsed))
    finally:
        importer.writer.close()


def explain(error: pydantic.ValidationError) -> tuple[str, str]:
    """The field path and reason of a validation error; never the rejected value itself."""
    problems = error.errors(include_input=False, include_url=False)
    first = problems[0]
    reason = first["msg"].removeprefix("Value error, ")
    others = [_path(p["loc"]) for p in problems[1:]]
    if others:
        reason += f" (also: {', '.join(others)})"
    return _path(first["loc"]) or "record", reason


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


_Parsed = RowResult | tuple[int, FileRecord, UUID]


@dataclass
class _Prepared:
    line: int
    cmd: FileRecord
    record_id: UUID
    digest: str
    events: list[DomainEvent]
    stored: list[StoredEvent]
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(len(event.state) for event in self.stored)


@dataclass(eq=False)
class _Group:
    """Events saved in one transaction, and where to go on in their chunk if the save fails."""

    items: list[_Prepared] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    stored: list[StoredEvent] = field(default_factory=list)
    size: int = 0
    chunk: _Chunk | None = None
    resume: tuple[int, int, int] = (0, 0, 0)

    def fits(self, item: _Prepared) -> bool:
        # A record's events are saved together even if they alone exceed the limits.
        return not self.items or (
            len(self.events) + len(item.events) <= MAX_EVENTS_PER_SAVE
            and self.size + item.size <= MAX_BYTES_PER_SAVE
        )

    def add(self, item: _Prepared) -> None:
        self.items.append(item)
        self.events.extend(item.events)
        self.stored.extend(item.stored)
        self.size += item.size


@dataclass(eq=False)
class _Chunk:
    """Rows read together: how far they are prepared, and their results so far."""

    parsed: list[_Parsed]
    filed: dict[UUID, str] | None = None
    position: int = 0
    first_seen: dict[UUID, tuple[int, str]] = field(default_factory=dict)
    decided: list[RowResult] = field(default_factory=list)
    saved: list[RowResult] = field(default_factory=list)
    group: _Group = field(default_factory=_Group)
    unwritten: int = 0
    prepared: bool = False

    def done(self) -> bool:
        return self.prepared and self.unwritten == 0

    def results(self) -> list[RowResult]:
        return sorted(self.decided + self.saved, key=lambda r: r.line)

    def snapshot(self) -> tuple[int, int, int]:
        return self.position, len(self.decided), len(self.first_seen)

    def rewind(self, position: int, decided: int, seen: int) -> None:
        """Go back to where ``snapshot`` said it stood; what was prepared after is dropped."""
        self.position = position
        del self.decided[decided:]
        self.first_seen = dict(islice(self.first_seen.items(), seen))
        self.group = _Group()
        self.unwritten = 0
        self.prepared = False

    def restart(self) -> None:
        self.rewind(0, 0, 0)
        self.filed = None
        self.saved.clear()


class _Importer:
    """One import: chunks read and not yet answered, groups sent and not yet known written."""

    def __init__(self, ledger: Ledger, actor: Actor, rows: Iterator[Row]) -> None:
        self.ledger = ledger
        self.actor = actor
        self.rows = rows
        self.subjects: dict[UUID, Aggregate] = {}
        self.pending: deque[_Chunk] = deque()
        self.sent: deque[_Group] = deque()
        self.unwritten: dict[UUID, str] = {}
        self.rewinds = 0
        self.failure: BaseException | None = None
        self.unreadable: Exception | None = None
        self.writer = GroupWriter(self._write, ahead=WRITES_AHEAD)

    def chunks(self) -> Iterator[_Chunk]:
        """Each chunk, in file order, once every row of it is done."""
        while True:
            chunk = self._next_chunk()
            if chunk is not None:
                self._prepare(chunk)
            elif self.sent:
                self._collect(block=True)
            else:
                break
            while self.pending and self.pending[0].done():
                yield self.pending.popleft()
            if self.failure is not None:
                raise self.failure
        if self.unreadable is not None:
            raise self.unreadable

    def _next_chunk(self) -> _Chunk | None:
        """The first chunk with rows left to prepare; a new one only when all are prepared."""
        for chunk in self.pending:
            if not chunk.prepared:
                return chunk
        if self.unreadable is not None:
            return None
        try:
            rows = list(islice(self.rows, CHUNK_ROWS))
        except Exception as error:
            # The rows before this chunk are answered first, as if the file ended here.
            self.unreadable = error
            return None
        if not rows:
            return None
        self.pending.append(_Chunk([self._parse(line, raw) for line, raw in rows]))
        return self.pending[-1]

    def _prepare(self, chunk: _Chunk) -> None:
        """Prepare the chunk's rows from where it stands, sending each group when full.

        Returns early when a failed write has sent the import back to an earlier row.
        """
        rewinds = self.rewinds
        if chunk.filed is None:
            if len(self.subjects) >= SUBJECT_CACHE_SIZE:
                self._drain()
                if self.rewinds != rewinds:
                    return
                self.subjects.clear()
            chunk.filed = self._filed(chunk)
        while chunk.position < len(chunk.parsed):
            outcome = chunk.parsed[chunk.position]
            if isinstance(outcome, RowResult):
                chunk.decided.append(outcome)
            else:
                item = self._item(chunk, *outcome)
                if item is not None:
                    if not chunk.group.fits(item):
                        self._send(chunk)
                        if self.rewinds != rewinds:
                            return
                    chunk.first_seen[item.record_id] = (item.line, item.digest)
                    chunk.group.add(item)
            chunk.position += 1
        self._send(chunk)
        chunk.prepared = self.rewinds == rewinds

    def _filed(self, chunk: _Chunk) -> dict[UUID, str]:
        """Digests of the chunk's records in the log, or in a group not known to be written."""
        ids = [p[2] for p in chunk.parsed if not isinstance(p, RowResult)]
        filed = self.ledger.filing_digests(ids)
        filed.update((rid, self.unwritten[rid]) for rid in ids if rid in self.unwritten)
        return filed

    def _item(self, chunk: _Chunk, line: int, cmd: FileRecord, rid: UUID) -> _Prepared | None:
        """The row's events, or ``None`` with the row decided (unchanged or refused)."""
        digest = filing_digest(cmd)
        assert chunk.filed is not None
        if rid in chunk.filed:
            chunk.decided.append(_compare(line, rid, digest, chunk.filed[rid]))
            return None
        if rid in chunk.first_seen:
            chunk.decided.append(_repeated(line, rid, digest, *chunk.first_seen[rid]))
            return None
        try:
            events = self.ledger.prepare_filing(cmd, self.actor, self.subjects, digest=digest)
        except LedgerError as error:
            chunk.decided.append(RowResult(line, "error", rid, error.field, error.reason))
            return None
        return _Prepared(line, cmd, rid, digest, events, self.ledger.encode(events))

    def _parse(self, line: int, raw: dict[str, Any]) -> _Parsed:
        if isinstance(raw, UnreadableRow):
            return RowResult(line, "error", field=raw.field, reason=raw.reason)
        try:
            cmd = FileRecord.model_validate(raw)
        except pydantic.ValidationError as error:
            path, reason = explain(error)
            return RowResult(line, "error", field=path, reason=reason)
        rid = record_id(cmd.source.code, cmd.document_number)
        if self.actor.subject is not None and self.actor.subject != cmd.source.code:
            return RowResult(line, "error", rid, "source.code",
                             "a department may file only under its own credit code")
        return line, cmd, rid

    # -- writing -----------------------------------------------------------------------------

    def _send(self, chunk: _Chunk) -> None:
        """Hand the chunk's open group to the writer; the rows from ``position`` on are next."""
        group, chunk.group = chunk.group, _Group()
        if not group.items:
            return
        group.chunk, group.resume = chunk, chunk.snapshot()
        self._forget_listed(group)
        self.unwritten.update((item.record_id, item.digest) for item in group.items)
        chunk.unwritten += 1
        self.sent.append(group)
        self.writer.send(group)
        self._collect(block=False)

    def _write(self, group: _Group) -> None:
        self.ledger.save_encoded(group.events, group.stored)

    def _drain(self) -> None:
        while self.sent:
            self._collect(block=True)

    def _collect(self, *, block: bool) -> None:
        """Take in the outcomes of the writes finished so far (waiting for one if ``block``)."""
        while self.sent and (outcome := self.writer.outcome(block=block)) is not None:
            block = False
            group = self.sent.popleft()
            assert outcome.group is group, "the writer answers in the order groups are sent"
            if outcome.error is None:
                self._written(group)
            else:
                self._failed(group, outcome.error)

    def _written(self, group: _Group) -> None:
        assert group.chunk is not None
        group.chunk.saved.extend(RowResult(i.line, "filed", i.record_id) for i in group.items)
        group.chunk.unwritten -= 1
        for item in group.items:
            del self.unwritten[item.record_id]

    def _failed(self, group: _Group, error: BaseException) -> None:
        """Undo everything prepared on top of the failed group, then file its rows one by one."""
        while self.sent:
            outcome = self.writer.outcome(block=True)
            assert outcome is not None and outcome.skipped and outcome.group is self.sent[0]
            self.sent.popleft()
        self.rewinds += 1
        self.unwritten.clear()
        self.subjects.clear()
        chunk = group.chunk
        assert chunk is not None
        chunk.rewind(*group.resume)
        later = list(self.pending)[self.pending.index(chunk) + 1:]
        for other in later:
            other.restart()
        if not isinstance(error, IntegrityError):
            self.failure = error
            return
        # Someone else wrote to a subject (or filed one of these records) meanwhile.
        self.writer.resume()
        chunk.saved.extend(self._file_one(item) for item in group.items)

    def _forget_listed(self, group: _Group) -> None:
        """Let go of the record ids listed on cached subjects, so memory stays flat.

        Listing the next record on a subject needs its id and version only; the ids listed
        so far would grow with the file (a million rows, a million ids). These subjects are
        the importer's own copies, used for nothing else.
        """
        for item in group.items:
            for event in item.events:
                subject = self.subjects.get(event.originator_id)
                if isinstance(subject, GovernmentBody | CivilServant):
                    subject.records.clear()

    def _file_one(self, item: _Prepared) -> RowResult:
        try:
            filing = self.ledger.file_record(item.cmd, self.actor)
        except LedgerError as error:
            return RowResult(item.line, "error", item.record_id, error.field, error.reason)
        return RowResult(item.line, "filed" if filing.created else "unchanged", filing.record_id)


def _compare(line: int, rid: UUID, digest: str, filed: str) -> RowResult:
    """A row whose record is in the log: the same filing again, or a conflicting one."""
    if digest == filed:
        return RowResult(line, "unchanged", rid)
    return RowResult(
        line, "error", rid, "document_number",
        "this source department already filed this document number with different "
        "content; file a correction instead",
    )


def _repeated(line: int, rid: UUID, digest: str, first: int, first_digest: str) -> RowResult:
    if digest == first_digest:
        return RowResult(line, "unchanged", rid)
    return RowResult(line, "error", rid, "document_number",
                     f"line {first} files this document number with different content")
