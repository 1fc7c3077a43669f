"""``record_view``: the current state of every record, its publicity window and its marks."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from projections import facts
from projections.log import Entry
from projections.tables import Row, Rows, Table
from projections.view import View, stored_records

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
        "open_deadlines": [],
        "corrections": 0,
    }


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


class RecordView(View):
    """The current state of each record, one row per record."""

    cost = 3.0  # see View.cost
    name = "record_view"
    tables = (RECORDS,)
    handles = facts.RECORD_EVENTS

    def __init__(self, schema: str = "views") -> None:
        super().__init__(schema)
        self.rows = Rows(RECORDS, schema)

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.rows.start_page()
        self.rows.load(cursor, "record_id", stored_records(page))

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
