"""``open_deadlines``: every open deadline of every record, with its body and region.

A deadline row carries the body it concerns (the record's body, or the body a civil servant
belongs to) and the region's reporting chain, so the deadline board filters by county or city
with one index lookup. The record and the person that a deadline needs are remembered in two
small tables of this view, since views never read each other (each has its own position).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from ledger.subjects import CivilServant
from ledger.values import Deadline, SubjectType
from projections import facts
from projections.log import Entry
from projections.tables import Row, Rows, Table
from projections.view import View, stored_records

DEADLINES = Table(
    name="open_deadlines",
    columns=(
        ("record_id", "uuid"),
        ("key", "text"),
        ("kind", "text NOT NULL"),
        ("starts_on", "date NOT NULL"),
        ("due", "date"),
        ("party", "text NOT NULL"),
        ("rule_set_id", "text NOT NULL"),
        ("calendar_version", "text NOT NULL"),
        ("overdue", "boolean NOT NULL"),
        ("urged", "boolean NOT NULL"),
        ("escalated", "boolean NOT NULL"),
        ("subject_type", "text NOT NULL"),
        ("body_code", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
        ("position", "bigint NOT NULL"),
        ("length", "integer"),
        ("unit", "text"),
        ("awaiting", "integer[] NOT NULL"),
    ),
    key=("record_id", "key"),
    indexes=("(due)", "USING gin (region_chain)", "(body_code)"),
)

DEADLINE_RECORDS = Table(
    name="open_deadlines_records",
    columns=(
        ("record_id", "uuid"),
        ("subject_type", "text NOT NULL"),
        ("body_code", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
    ),
    key=("record_id",),
)

DEADLINE_PEOPLE = Table(
    name="open_deadlines_people",
    columns=(("person_id", "uuid"), ("body_code", "text NOT NULL")),
    key=("person_id",),
)


class OpenDeadlines(View):
    """Every open deadline: kind, due date (or the calendar years it waits for), party,
    overdue/urged/escalated, body and region."""

    cost = 2.0  # see View.cost
    name = "open_deadlines"
    tables = (DEADLINES, DEADLINE_RECORDS, DEADLINE_PEOPLE)
    handles = facts.RECORD_EVENTS | facts.events(CivilServant.Created)

    def __init__(self, schema: str = "views", regions: RegionTable | None = None) -> None:
        super().__init__(schema)
        self.regions = regions or fujian()
        self.deadlines = Rows(DEADLINES, schema)
        self.records = Rows(DEADLINE_RECORDS, schema)
        self.people = Rows(DEADLINE_PEOPLE, schema)
        self._chains: dict[str, list[str]] = {}

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        for rows in (self.people, self.records, self.deadlines):
            rows.start_page()
        touched = stored_records(page)
        self.records.load(cursor, "record_id", touched)
        self.deadlines.load(cursor, "record_id", touched)
        self.people.load(cursor, "person_id", [
            e.event.content.subject_id for e in page if isinstance(e.event, ev.RecordFiled)
            and e.event.content.subject_type is SubjectType.CIVIL_SERVANT
        ])

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, CivilServant.Created):
            self.people.put({"person_id": event.originator_id, "body_code": event.body_code})
        elif isinstance(event, ev.RecordFiled):
            self.records.put(self._record(event))
            self.deadlines.none_stored(event.originator_id)
        else:
            steps = facts.change_of(event).deadlines
            if steps is not None:
                self._change(event.originator_id, steps, position)

    def _record(self, event: ev.RecordFiled) -> Row:
        content = event.content
        body_code = content.subject_code
        if content.subject_type is SubjectType.CIVIL_SERVANT:
            person = self.people.get(content.subject_id)
            if person is None:
                raise LookupError(f"civil servant {content.subject_id} was never registered")
            body_code = person["body_code"]
        return {
            "record_id": event.originator_id, "subject_type": content.subject_type.value,
            "body_code": body_code, "region_code": content.region_code,
            "region_chain": self._chain(content.region_code),
        }

    def _chain(self, code: str) -> list[str]:
        chain = self._chains.get(code)
        if chain is None:
            chain = self._chains[code] = self.regions.reporting_chain(code)
        return chain

    def _change(self, record_id: Any, steps: facts.DeadlineSteps, position: int) -> None:
        if steps.clear:
            for row in self.deadlines.where("record_id", record_id):
                self.deadlines.delete(record_id, row["key"])
        for key in steps.closes:
            if self.deadlines.get(record_id, key) is not None:
                self.deadlines.delete(record_id, key)
        for deadline in steps.starts:
            self.deadlines.put(self._row(record_id, deadline, position))
        if steps.flag is not None:
            key, flag = steps.flag
            flagged = self.deadlines.get(record_id, key)
            if flagged is None:
                raise LookupError(f"deadline {key} of record {record_id} is not open")
            flagged[flag] = True
            flagged["position"] = position
            self.deadlines.put(flagged)

    def _row(self, record_id: Any, deadline: Deadline, position: int) -> Row:
        record = self.records.get(record_id)
        if record is None:
            raise LookupError(f"no row for record {record_id}")
        return {
            "record_id": record_id, "key": deadline.key, "kind": deadline.kind.value,
            "starts_on": deadline.starts_on, "due": deadline.due, "party": deadline.party,
            "rule_set_id": deadline.rule_set_id, "calendar_version": deadline.calendar_version,
            "overdue": deadline.overdue, "urged": deadline.urged,
            "escalated": deadline.escalated, "subject_type": record["subject_type"],
            "body_code": record["body_code"], "region_code": record["region_code"],
            "region_chain": record["region_chain"], "position": position,
            "length": deadline.length, "unit": deadline.unit.value if deadline.unit else None,
            "awaiting": list(deadline.awaiting),
        }
