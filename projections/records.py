"""``record_view``: the current state of every record, its publicity window and its marks."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any
from uuid import UUID

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from projections import facts
from projections.queries import MAX_PER_PAGE, Conn, check_page, fetch
from projections.results import RecordPage, RecordState
from projections.tables import Row, Table
from projections.view import RowView

RECORDS = Table(
    name="record_view",
    columns=(
        ("record_id", "uuid"),
        ("subject_type", "text NOT NULL"),
        ("subject_id", "uuid NOT NULL"),
        ("subject_code", "text NOT NULL"),
        ("subject_name", "text"),
        ("region_code", "text NOT NULL"),
        ("category", "text NOT NULL"),
        ("domain", "text NOT NULL"),
        ("severity", "text NOT NULL"),
        ("scope", "text NOT NULL"),
        ("source_code", "text NOT NULL"),
        ("document_number", "text NOT NULL"),
        ("decision_date", "date NOT NULL"),
        ("filed_on", "date NOT NULL"),
        ("rule_set_id", "text NOT NULL"),
        ("status", "text NOT NULL"),
        ("published", "boolean NOT NULL"),
        ("publicity_starts", "date NOT NULL"),
        ("publicity_min_end", "date NOT NULL"),
        ("publicity_max_end", "date NOT NULL"),
        ("under_objection", "boolean NOT NULL"),
        ("under_reconsideration", "text"),
        ("explanation", "text"),
        ("open_deadlines", "text[] NOT NULL"),
        ("corrections", "integer NOT NULL"),
        ("version", "integer NOT NULL"),
        ("updated_at", "timestamptz NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("record_id",),
    indexes=("(subject_id)", "(subject_code)", "(region_code)", "(publicity_max_end)"),
)


def new_record_row(event: ev.RecordFiled) -> Row:
    content = event.content
    return {
        "record_id": event.originator_id,
        "subject_type": content.subject_type.value,
        "subject_id": content.subject_id,
        "subject_code": content.subject_code,
        "subject_name": content.subject_name,
        "region_code": content.region_code,
        "category": content.category.value,
        "domain": content.domain.value,
        "severity": content.severity.value,
        "scope": content.scope.value,
        "source_code": content.source.code,
        "document_number": content.document_number,
        "decision_date": content.decision_date,
        "filed_on": event.filed_on,
        "rule_set_id": event.rule_set_id,
        "status": "in_force",
        "published": False,
        "publicity_starts": event.publicity_starts,
        "publicity_min_end": event.publicity_min_end,
        "publicity_max_end": event.publicity_max_end,
        "under_objection": False,
        "under_reconsideration": None,
        "explanation": None,
        "open_deadlines": [],
        "corrections": 0,
    }


MARK_COLUMNS = (
    ("status", "text NOT NULL"),
    ("published", "boolean NOT NULL"),
    ("under_objection", "boolean NOT NULL"),
    ("under_reconsideration", "text"),
    ("open_deadlines", "text[] NOT NULL"),
    ("overdue_deadlines", "text[] NOT NULL"),
)
"""A record's status and marks as the views that count records keep them: ``apply_change``
changes them the way the aggregate would."""


def apply_change(row: Row, change: facts.Change) -> None:
    """Change the record columns several views share, the way the aggregate would."""
    if change.status is not None:
        row["status"] = change.status.value
    if change.published is not None:
        row["published"] = change.published
    if change.under_objection is not None:
        row["under_objection"] = change.under_objection
    if change.under_reconsideration is not facts.UNCHANGED:
        row["under_reconsideration"] = change.under_reconsideration
    if change.explanation is not None and "explanation" in row:
        row["explanation"] = change.explanation.value
    if change.content:
        for name, value in change.content.items():
            if name in row:
                row[name] = value.value if isinstance(value, Enum) else value
    window = change.window
    if window is not None:
        for name, value in (("publicity_starts", window.starts),
                            ("publicity_min_end", window.min_end),
                            ("publicity_max_end", window.max_end)):
            if name in row:
                row[name] = value
    steps = change.deadlines
    if steps is not None:
        row["open_deadlines"] = facts.open_keys_after(row["open_deadlines"], steps)
        if "overdue_deadlines" in row:
            row["overdue_deadlines"] = facts.overdue_keys_after(
                row["overdue_deadlines"], row["open_deadlines"], steps)


class RecordView(RowView):
    """The current state of each record, one row per record."""

    cost = 3.0  # see View.cost
    name = "record_view"
    tables = (RECORDS,)
    handles = facts.RECORD_EVENTS

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, ev.RecordFiled):
            row = new_record_row(event)
        else:
            found = self.rows.get(event.originator_id)
            if found is None:
                raise LookupError(f"no row for record {event.originator_id}")
            row = found
            change = facts.change_of(event)
            apply_change(row, change)
            if change.correction:
                row["corrections"] += 1
        row["version"] = event.originator_version
        row["updated_at"] = event.timestamp
        row["position"] = position
        self.rows.put(row)


# -- queries ------------------------------------------------------------------------------------


def record_view(conn: Conn, record_id: UUID) -> RecordState | None:
    """The current state of one record, or ``None`` if the view has not seen it."""
    found = fetch(conn, "SELECT * FROM {v}.record_view WHERE record_id = %s", (record_id,))
    return _record(found[0]) if found else None


def records(
    conn: Conn, *, subject_id: UUID | None = None, region: str | None = None,
    status: str | None = None, limit: int = 50, offset: int = 0,
) -> list[RecordState]:
    """Records of a subject, a region (its own code only) or a status, newest decision first."""
    found = fetch(conn, (
        "SELECT * FROM {v}.record_view WHERE (%(subject)s::uuid IS NULL OR subject_id = "
        "%(subject)s) AND (%(region)s::text IS NULL OR region_code = %(region)s) AND "
        "(%(status)s::text IS NULL OR status = %(status)s) "
        "ORDER BY decision_date DESC, record_id LIMIT %(limit)s OFFSET %(offset)s"
    ), {"subject": subject_id, "region": region, "status": status,
        "limit": min(limit, MAX_PER_PAGE), "offset": offset})
    return [_record(row) for row in found]


def record_list(
    conn: Conn, *, region: str | None = None, status: str | None = None,
    category: str | None = None, severity: str | None = None, subject_code: str | None = None,
    source_code: str | None = None, page: int = 1, per_page: int = 20,
    regions: RegionTable | None = None,
) -> RecordPage:
    """One page of records matching the filters, newest decision first.

    ``region`` matches the region and everything that reports to it, old codes included.
    """
    check_page(page, per_page)
    params = {
        "regions": (regions or fujian()).under(region, field="region") if region else None,
        "status": status, "category": category, "severity": severity,
        "subject": subject_code, "source": source_code,
        "limit": per_page, "offset": (page - 1) * per_page,
    }
    where = (
        "FROM {v}.record_view WHERE "
        "(%(regions)s::text[] IS NULL OR region_code = ANY(%(regions)s)) "
        "AND (%(status)s::text IS NULL OR status = %(status)s) "
        "AND (%(category)s::text IS NULL OR category = %(category)s) "
        "AND (%(severity)s::text IS NULL OR severity = %(severity)s) "
        "AND (%(subject)s::text IS NULL OR subject_code = %(subject)s) "
        "AND (%(source)s::text IS NULL OR source_code = %(source)s) "
    )
    total = fetch(conn, "SELECT count(*) AS n " + where, params)[0]["n"]
    found = fetch(conn, "SELECT * " + where + "ORDER BY decision_date DESC, record_id "
                  "LIMIT %(limit)s OFFSET %(offset)s", params)
    return RecordPage(items=[_record(row) for row in found], total=total, page=page,
                      per_page=per_page)


def records_by_id(conn: Conn, record_ids: Sequence[UUID]) -> list[RecordState]:
    """The records named, in the order named; those the view has not seen yet are left out."""
    found = fetch(conn, "SELECT * FROM {v}.record_view WHERE record_id = ANY(%(ids)s)",
                  {"ids": list(record_ids)})
    by_id = {row["record_id"]: row for row in found}
    return [_record(by_id[rid]) for rid in record_ids if rid in by_id]


def _record(row: dict[str, Any]) -> RecordState:
    return RecordState(**row, open_deadline_count=len(row["open_deadlines"]))

def document_numbers(conn: Conn, record_ids: Sequence[UUID]) -> dict[UUID, str]:
    """Each record's decision document number, for lists that name records."""
    found = fetch(conn, "SELECT record_id, document_number FROM {v}.record_view "
                        "WHERE record_id = ANY(%(ids)s)", {"ids": list(record_ids)})
    return {row["record_id"]: row["document_number"] for row in found}
