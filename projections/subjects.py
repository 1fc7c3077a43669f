"""``subject_status``: per body or civil servant, its records, marks, sanctions and deadlines.

The view keeps one small row per record and per sanction, keyed to the subject; the query sums
them by state and severity. Sanctions "in force" depend on today's date, so that is decided by
the query. A civil servant appears by the masked ID only: names and IDs are sealed in the log
and never copied here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.subjects import CivilServant, GovernmentBody
from projections import facts
from projections.log import Entry
from projections.records import apply_change
from projections.tables import Rows, Table
from projections.view import View, stored_records

SUBJECTS = Table(
    name="subject_status_subjects",
    columns=(
        ("subject_id", "uuid"),
        ("subject_type", "text NOT NULL"),
        ("credit_code", "text"),
        ("name", "text"),
        ("region_code", "text"),
        ("parent_code", "text"),
        ("body_code", "text"),
        ("masked_id", "text"),
    ),
    key=("subject_id",),
    indexes=("(credit_code)", "(body_code)"),
)

SUBJECT_RECORDS = Table(
    name="subject_status_records",
    columns=(
        ("record_id", "uuid"),
        ("subject_id", "uuid NOT NULL"),
        ("severity", "text NOT NULL"),
        ("domain", "text NOT NULL"),
        ("status", "text NOT NULL"),
        ("published", "boolean NOT NULL"),
        ("under_objection", "boolean NOT NULL"),
        ("under_reconsideration", "text"),
        ("open_deadlines", "text[] NOT NULL"),
        ("overdue_deadlines", "text[] NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("record_id",),
    indexes=("(subject_id)",),
)

SANCTIONS = Table(
    name="subject_status_sanctions",
    columns=(
        ("record_id", "uuid"),
        ("number", "integer"),
        ("subject_id", "uuid NOT NULL"),
        ("kind", "text NOT NULL"),
        ("months", "integer NOT NULL"),
        ("starts_on", "date NOT NULL"),
        ("ends_on", "date NOT NULL"),
        ("lifted", "text"),
        ("position", "bigint NOT NULL"),
    ),
    key=("record_id", "number"),
    indexes=("(subject_id)",),
)


LIFTED = facts.events(ev.SanctionLifted, ev.SanctionRestored)


class SubjectStatus(View):
    """Each subject's records by state and severity, marks, sanctions and open deadlines."""

    cost = 1.5  # see View.cost
    name = "subject_status"
    tables = (SUBJECTS, SUBJECT_RECORDS, SANCTIONS)
    handles = facts.RECORD_EVENTS | facts.events(GovernmentBody.Created, CivilServant.Created)

    def __init__(self, schema: str = "views") -> None:
        super().__init__(schema)
        self.subjects = Rows(SUBJECTS, schema)
        self.records = Rows(SUBJECT_RECORDS, schema)
        self.sanctions = Rows(SANCTIONS, schema)

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        for rows in (self.subjects, self.records, self.sanctions):
            rows.start_page()
        self.records.load(cursor, "record_id", stored_records(page))
        self.sanctions.load(cursor, "record_id", stored_records(page, LIFTED))

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, GovernmentBody.Created):
            self.subjects.put({
                "subject_id": event.originator_id, "subject_type": "body",
                "credit_code": event.credit_code, "name": event.name,
                "region_code": event.region_code, "parent_code": event.parent_code,
                "body_code": None, "masked_id": None,
            })
        elif isinstance(event, CivilServant.Created):
            self.subjects.put({
                "subject_id": event.originator_id, "subject_type": "civil_servant",
                "credit_code": None, "name": None, "region_code": None, "parent_code": None,
                "body_code": event.body_code, "masked_id": event.masked_id,
            })
        elif isinstance(event, ev.RecordFiled):
            self.records.put({
                "record_id": event.originator_id, "subject_id": event.content.subject_id,
                "severity": event.content.severity.value, "domain": event.content.domain.value,
                "status": "in_force", "published": False, "under_objection": False,
                "under_reconsideration": None, "open_deadlines": [], "overdue_deadlines": [],
                "position": position,
            })
            self.sanctions.none_stored(event.originator_id)
        else:
            self._record_step(event, position)

    def _record_step(self, event: DomainEvent, position: int) -> None:
        row = self.records.get(event.originator_id)
        if row is None:
            raise LookupError(f"no row for record {event.originator_id}")
        apply_change(row, facts.change_of(event))
        row["position"] = position
        self.records.put(row)
        if isinstance(event, ev.SanctionImposed):
            self.sanctions.put({
                "record_id": event.originator_id, "number": event.number,
                "subject_id": row["subject_id"], "kind": event.kind.value,
                "months": event.months, "starts_on": event.starts_on, "ends_on": event.ends_on,
                "lifted": None, "position": position,
            })
        elif isinstance(event, ev.SanctionLifted | ev.SanctionRestored):
            sanction = self.sanctions.get(event.originator_id, event.number)
            if sanction is None:
                raise LookupError(f"no sanction {event.number} of record {event.originator_id}")
            restored = isinstance(event, ev.SanctionRestored)
            sanction["lifted"] = None if restored else event.reason
            sanction["position"] = position
            self.sanctions.put(sanction)
