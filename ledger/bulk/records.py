"""Bulk filing: many records from a CSV, JSON Lines or Excel file, streamed in bounded groups.

Each row becomes a ``FileRecord`` command, or an error row naming its line, field and reason;
a bad row never stops the rows after it. Rows are read lazily and handled a chunk at a time,
and each chunk's results are yielded before the next is read, so memory does not grow with the
file. One query finds which records of the chunk are in the log already and the digest each
was filed with, so a file sent twice is recognised row by row ("unchanged", or an error if the
content differs) instead of filed twice. The subjects a chunk names are loaded in one query
too. New filings are appended in
groups that respect the save limits of ``docs/architecture.md`` (at most ``MAX_EVENTS_PER_SAVE``
events and about 200 KiB), and one record's events never straddle two saves. On PostgreSQL a
group is written by binary COPY under the recorder's table lock and NOTIFY
(``ledger.bulk.copy_append``), one transaction per group.

Subjects are kept in a cache for the whole import (without the ids of the records already
listed on them), so two records of one subject in a group list themselves on the subject at
consecutive versions. If another writer changes a subject
meanwhile, the group's save fails as a whole; the cache is dropped and that group is filed
again one row at a time with ``Ledger.file_record``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import pydantic
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.application import (
    MAX_EVENTS_PER_SAVE,
    Ledger,
    filing_digest,
    require_department,
)
from ledger.bulk.copy_append import append
from ledger.bulk.workbooks import check_archive, check_dimensions, check_row
from ledger.commands import FileRecord
from ledger.errors import LedgerError, ValidationError
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.identifiers import body_id, record_id
from ledger.record import CreditRecord, require_role
from ledger.store.loading import load_aggregates
from ledger.subjects import CivilServant, GovernmentBody
from ledger.values import SubjectType

MAX_BYTES_PER_SAVE = 200 * 1024
MAX_CACHED_SUBJECTS = 10_000
_ENVELOPE = 128  # an event's bytes besides its state: id, version, topic, timestamp, actor
CHUNK_ROWS = 250
_LIST_SEPARATOR = ";"

Status = Literal["filed", "unchanged", "error"]
Row = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class RowResult:
    """What became of one row: filed, unchanged (filed before), or an error with its reason."""

    line: int
    status: Status
    record_id: UUID | None = None
    field: str | None = None
    reason: str | None = None


class UnreadableRow(dict[str, Any]):
    """A row a reader could not turn into fields; the import reports it as an error row."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.field = field


def import_records(
    ledger: Ledger,
    rows: Iterable[Row],
    actor: Actor,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[RowResult]:
    """File every row; yield one result per row, in line order within each chunk.

    ``on_progress`` is called with the number of rows finished since its last call.
    """
    require_role(actor, Role.SOURCE_DEPARTMENT)
    require_department(actor)
    importer = _Importer(ledger, actor)
    iterator = iter(rows)
    try:
        while chunk := list(islice(iterator, CHUNK_ROWS)):
            yield from importer.chunk(chunk)
            if on_progress is not None:
                on_progress(len(chunk))
    finally:
        importer.close()


def take_rows(path: Path, take: Callable[[dict[str, Any]], tuple[UUID, bool]]) -> (
    Iterator[RowResult]
):
    """One result per row of a file whose every row is one command: ``take`` validates the
    row's fields and gives the command, answering the id and whether it was new; a refusal is
    that row's error, by field."""
    for line, fields in read_rows(path):
        if isinstance(fields, UnreadableRow):
            yield RowResult(line, "error", field=fields.field, reason=fields.reason)
            continue
        try:
            found, created = take(fields)
        except pydantic.ValidationError as error:
            field, reason = explain(error)
            yield RowResult(line, "error", field=field, reason=reason)
        except LedgerError as error:
            yield RowResult(line, "error", field=error.field, reason=error.reason)
        else:
            yield RowResult(line, "filed" if created else "unchanged", record_id=found)


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


@dataclass
class _Prepared:
    line: int
    cmd: FileRecord
    record_id: UUID
    events: list[DomainEvent]
    stored: list[StoredEvent]
    size: int


@dataclass
class _Group:
    items: list[_Prepared] = field(default_factory=list)
    events: int = 0
    size: int = 0

    def fits(self, item: _Prepared) -> bool:
        # A record's events are saved together even if they alone exceed the limits.
        return not self.items or (
            self.events + len(item.events) <= MAX_EVENTS_PER_SAVE
            and self.size + item.size <= MAX_BYTES_PER_SAVE
        )

    def add(self, item: _Prepared) -> None:
        self.items.append(item)
        self.events += len(item.events)
        self.size += item.size


class _Importer:
    def __init__(self, ledger: Ledger, actor: Actor) -> None:
        self.ledger = ledger
        self.actor = actor
        self.subjects: dict[UUID, Aggregate] = {}
        # Months of sanctions in force on a civil servant: read once per person from their
        # saved records, then kept up with each record this import prepares about them, so a
        # long file does not load a person's records again for each filing, and the cap holds
        # across the rows of one save as it does across saves (dropped when a save fails).
        self.sanctioned: dict[UUID, int] = {}
        # One group is written (by the database, mostly) while the next is prepared.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-import")
        self.writing: tuple[_Group, Future[None]] | None = None

    def close(self) -> None:
        self.writer.shutdown()

    def chunk(self, rows: list[Row]) -> list[RowResult]:
        results: list[RowResult] = []
        parsed: list[tuple[int, FileRecord, UUID]] = []
        for line, raw in rows:
            outcome = self._parse(line, raw)
            if isinstance(outcome, RowResult):
                results.append(outcome)
            else:
                parsed.append(outcome)
        filed = self.ledger.filing_digests(rid for _, _, rid in parsed)
        self._load_subjects(cmd for _, cmd, rid in parsed if rid not in filed)
        first_seen: dict[UUID, tuple[int, str]] = {}
        group = _Group()
        for line, cmd, rid in parsed:
            digest = filing_digest(cmd)
            if rid in filed:
                results.append(_compare(line, rid, digest, filed[rid]))
            elif rid in first_seen:
                results.append(_repeated(line, rid, digest, *first_seen[rid]))
            else:
                try:
                    events = self.ledger.prepare_filing(
                        cmd, self.actor, self.subjects, digest=digest,
                        sanctioned_elsewhere=self._sanctioned(cmd))
                except LedgerError as error:
                    results.append(RowResult(line, "error", rid, error.field, error.reason))
                    continue
                first_seen[rid] = (line, digest)
                stored = [self.ledger.mapper.to_stored_event(e) for e in events]
                item = _Prepared(line, cmd, rid, events, stored,
                                 sum(len(s.state) + _ENVELOPE for s in stored))
                self._count_sanctions(item)
                if not group.fits(item):
                    answered, failed = self._send(group)
                    results.extend(answered)
                    group = _Group()
                    if failed:  # this row too was prepared on the failed group's subjects
                        results.append(self._file_one(item))
                        continue
                group.add(item)
        results.extend(self._send(group)[0])
        results.extend(self._settle()[0])
        return sorted(results, key=lambda r: r.line)

    def _parse(self, line: int, raw: dict[str, Any]) -> RowResult | tuple[int, FileRecord, UUID]:
        if isinstance(raw, UnreadableRow):
            return RowResult(line, "error", field=raw.field, reason=raw.reason)
        try:
            cmd = FileRecord.model_validate(raw)
        except pydantic.ValidationError as error:
            path, reason = explain(error)
            return RowResult(line, "error", field=path, reason=reason)
        rid = record_id(cmd.source.code, cmd.document_number)
        if self.actor.subject != cmd.source.code:
            return RowResult(line, "error", rid, "source.code",
                             "a department may file only under its own credit code")
        return line, cmd, rid

    def _load_subjects(self, commands: Iterable[FileRecord]) -> None:
        """Load the subjects and responsible persons the chunk names and the cache lacks, in
        one query; any not registered are left for ``prepare_filing`` to refuse."""
        wanted: list[UUID] = []
        for cmd in commands:
            if cmd.subject_type is SubjectType.BODY and cmd.subject_code:
                wanted.append(body_id(cmd.subject_code))
            people = [*cmd.responsible_citizen_ids, *(
                [cmd.subject_citizen_id] if cmd.subject_citizen_id else [])]
            wanted += [self.ledger.vault.person_id(citizen_id) for citizen_id in people]
        missing = [i for i in dict.fromkeys(wanted) if i not in self.subjects]
        if len(self.subjects) + len(missing) > MAX_CACHED_SUBJECTS:
            self.subjects.clear()
            missing = list(dict.fromkeys(wanted))
        for subject_id, subject in load_aggregates(self.ledger, missing).items():
            if isinstance(subject, GovernmentBody | CivilServant):
                self.subjects[subject_id] = subject

    def _sanctioned(self, cmd: FileRecord) -> int | None:
        """The months ``prepare_filing`` counts against the cap, if this import knows them."""
        if not cmd.sanctions or cmd.subject_citizen_id is None or (
            cmd.subject_type is not SubjectType.CIVIL_SERVANT
        ):
            return None
        person_id = self.ledger.vault.person_id(cmd.subject_citizen_id)
        if person_id not in self.sanctioned:
            try:
                person = self.ledger.civil_servant(person_id)
            except LedgerError:
                return None  # prepare_filing refuses the row
            self.sanctioned[person_id] = self.ledger.sanctioned_months(person)
        return self.sanctioned[person_id]

    def _count_sanctions(self, item: _Prepared) -> None:
        listed = [e.originator_id for e in item.events
                  if isinstance(e, CivilServant.RecordListed)]
        if not listed or listed[0] not in self.sanctioned:
            return
        record = CreditRecord.replay(e for e in item.events if e.originator_id == item.record_id)
        if record is not None:
            self.sanctioned[listed[0]] += sum(
                s.months for s in record.sanctions.values() if not s.lifted)

    def _send(self, group: _Group) -> tuple[list[RowResult], bool]:
        """Start writing ``group``; answer the group sent before it, and whether it failed
        (then ``group``, prepared on its subjects, is filed row by row instead)."""
        answered, failed = self._settle()
        if failed:
            return answered + [self._file_one(item) for item in group.items], True
        if group.items:
            self.writing = (group, self.writer.submit(
                append, self.ledger, [e for item in group.items for e in item.events],
                [s for item in group.items for s in item.stored]))
        return answered, False

    def _settle(self) -> tuple[list[RowResult], bool]:
        """Wait for the group being written: each row filed, or (if the group failed) each
        filed again on its own."""
        if self.writing is None:
            return [], False
        group, written = self.writing
        self.writing = None
        try:
            written.result()
        except IntegrityError:
            # Someone else wrote to a subject (or filed one of these records) meanwhile.
            self.subjects.clear()
            self.sanctioned.clear()
            return [self._file_one(item) for item in group.items], True
        self._forget_listed(group)
        return [RowResult(item.line, "filed", item.record_id) for item in group.items], False

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


# -- readers ------------------------------------------------------------------------------------


def read_rows(path: Path) -> Iterator[Row]:
    """Rows of a ``.csv``, ``.jsonl`` or ``.xlsx`` file as (1-based file line, fields), lazily.

    In CSV and Excel files the first row names the fields; nested fields use dotted names
    (``source.code``), ``responsible_citizen_ids`` and ``sanctions`` (``kind:months``) hold
    several values separated by ``;``, and an empty cell means the field is absent.
    """
    readers = {".csv": _read_csv, ".jsonl": _read_jsonl, ".xlsx": _read_xlsx}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValidationError(f"unsupported file type {path.suffix!r}; use .csv, .jsonl or .xlsx",
                              field="file")
    return reader(path)


def _read_csv(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                return
            headers = [name.strip() or None for name in header]
            last = reader.line_num
            for cells in reader:
                line, last = last + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield line, _fields(headers, cells)
        except UnicodeDecodeError:
            raise ValidationError(
                f"is not UTF-8 text after line {reader.line_num}; save it as CSV UTF-8",
                field="file",
            ) from None


def _read_jsonl(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as error:
                yield line, UnreadableRow(f"not valid JSON ({error.msg} at column {error.colno})")
                continue
            if isinstance(value, dict):
                yield line, value
            else:
                yield line, UnreadableRow("must be a JSON object")


def _read_xlsx(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    check_archive(path)
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        check_dimensions(path, sheet)
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        check_row(path, 1, header)
        headers = [str(name).strip() or None if name is not None else None for name in header]
        for line, cells in enumerate(rows, start=2):
            check_row(path, line, cells)
            values = [_excel_value(cell) for cell in cells]
            if any(value is not None for value in values):
                yield line, _fields(headers, values)
    finally:
        workbook.close()


def _excel_value(cell: Any) -> Any:
    """Excel types as the text a CSV would hold: codes typed as numbers, dates as dates."""
    if cell is None or isinstance(cell, bool):
        return cell
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else str(cell)
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date()
    return cell


def _fields(headers: list[str | None], cells: list[Any]) -> dict[str, Any]:
    """Dotted column names into nested fields; empty cells are left out."""
    if len(cells) > len(headers) and any(_present(c) for c in cells[len(headers):]):
        return UnreadableRow(f"has {len(cells)} cells but the header names {len(headers)} columns")
    fields: dict[str, Any] = {}
    for name, cell in zip(headers, cells, strict=False):
        if name is None or not _present(cell):
            continue
        *parents, leaf = name.split(".")
        target = fields
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                return UnreadableRow(f"column {name} conflicts with column {part}", field=name)
        if leaf in target:
            return UnreadableRow(f"column {name} appears twice", field=name)
        target[leaf] = _cell_value(name, cell)
    return fields


def _present(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _cell_value(name: str, cell: Any) -> Any:
    if not isinstance(cell, str):
        return cell
    if name == "responsible_citizen_ids":
        return [part.strip() for part in cell.split(_LIST_SEPARATOR) if part.strip()]
    if name == "sanctions":
        orders = []
        for part in filter(None, (p.strip() for p in cell.split(_LIST_SEPARATOR))):
            kind, _, months = part.partition(":")
            orders.append({"kind": kind.strip(), "months": months.strip()} if months
                          else {"kind": kind.strip()})
        return orders
    return cell.strip()
