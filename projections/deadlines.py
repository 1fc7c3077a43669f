"""``open_deadlines``: every open deadline of every record, with its body and region.

A deadline row carries the body it concerns (the record's body, or the body a civil servant
belongs to) and the region's reporting chain, so the deadline board filters by county or city
with one index lookup. The record and the person that a deadline needs are remembered in two
small tables of this view, since views never read each other (each has its own position).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.calendar import WorkingCalendar
from ledger.errors import LedgerError
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from ledger.subjects import CivilServant
from ledger.values import Deadline, SubjectType
from projections import facts
from projections.log import Entry
from projections.queries import Conn, current_region, fetch, or_today
from projections.results import OpenDeadline
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


# -- queries ------------------------------------------------------------------------------------


def open_deadlines(
    conn: Conn, *, region: str | None = None, kind: str | None = None,
    due_before: date | None = None, overdue: bool | None = None, body_code: str | None = None,
    today: date | None = None, calendar: WorkingCalendar | None = None,
    regions: RegionTable | None = None, limit: int = 1000, party: str | None = None,
) -> list[OpenDeadline]:
    """Every open deadline matching the filters, earliest due first.

    ``region`` matches the region and everything that reports to it. ``overdue=True`` keeps
    deadlines recorded as overdue or already past their due date; ``False`` the others.
    Deadlines waiting for the calendar come last; they are never due within N days.
    """
    day = or_today(today)
    found = fetch(conn, (
        "SELECT * FROM {v}.open_deadlines WHERE "
        "(%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text]) "
        "AND (%(kind)s::text IS NULL OR kind = %(kind)s) "
        "AND (%(before)s::date IS NULL OR due < %(before)s) "
        "AND (%(body)s::text IS NULL OR body_code = %(body)s) "
        "AND (%(party)s::text IS NULL OR party = %(party)s) "
        "AND (%(overdue)s::boolean IS NULL "
        "     OR (overdue OR coalesce(due < %(today)s, false)) = %(overdue)s) "
        "ORDER BY due NULLS LAST, record_id, key LIMIT %(limit)s"
    ), {"region": current_region(region, regions) if region else None, "kind": kind,
        "before": due_before, "body": body_code, "overdue": overdue, "today": day,
        "limit": limit, "party": party})
    days_left = _DaysLeft(calendar or WorkingCalendar(), day)
    return [
        OpenDeadline(**{k: v for k, v in row.items() if k not in ("region_chain", "position")},
                     working_days_left=days_left(row["due"]))
        for row in found
    ]


def deadline_load(
    conn: Conn, *, since: date, until: date, today: date, region: str | None = None,
    kind: str | None = None, regions: RegionTable | None = None,
) -> tuple[dict[date, int], dict[str, int]]:
    """How many open deadlines fall due on each day from ``since`` to ``until`` (inclusive),
    and how many are overdue, by kind: the operator's load, counted in the database."""
    params = {"region": current_region(region, regions) if region else None, "kind": kind,
              "since": since, "until": until, "today": today}
    where = ("FROM {v}.open_deadlines WHERE "
             "(%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text]) "
             "AND (%(kind)s::text IS NULL OR kind = %(kind)s) ")
    due = fetch(conn, "SELECT due, count(*) AS n " + where +
                "AND due BETWEEN %(since)s AND %(until)s AND NOT overdue GROUP BY due", params)
    late = fetch(conn, "SELECT kind, count(*) AS n " + where +
                 "AND (overdue OR coalesce(due < %(today)s, false)) GROUP BY kind", params)
    return {r["due"]: r["n"] for r in due}, {r["kind"]: r["n"] for r in late}


def misses_by_party(conn: Conn, *, region: str, own: Sequence[str], today: date,
                    regions: RegionTable | None = None) -> list[dict[str, Any]]:
    """Overdue deadlines in a region that are not its bodies' own (``own``: the formula's
    ``own_deadlines``), by who had to act: the credit platform (``platform``) or the
    department a matter was forwarded to. They cost the bodies nothing and count here."""
    return fetch(conn, (
        "SELECT party, count(*)::int AS overdue, array_agg(DISTINCT kind ORDER BY kind) AS kinds "
        "FROM {v}.open_deadlines WHERE region_chain @> ARRAY[%(region)s::text] "
        "AND NOT kind = ANY(%(own)s::text[]) AND kind <> 'commitment_due' "
        "AND (overdue OR coalesce(due < %(today)s, false)) "
        "GROUP BY party ORDER BY count(*) DESC, party"
    ), {"region": current_region(region, regions), "own": list(own), "today": today})


def due_before_within(calendar: WorkingCalendar, today: date, working_days: int) -> date:
    """The ``due_before`` that keeps deadlines due within N working days (0: due today).

    Past the last published year the days are counted as if every weekday worked: a filter
    of the board, not a legal date.
    """
    last = calendar.reach(today, working_days)[0] if working_days else today
    return last + timedelta(days=1)


class _DaysLeft:
    """Working days from today to each due date, counted once per distinct date."""

    def __init__(self, calendar: WorkingCalendar, today: date) -> None:
        self.calendar, self.today = calendar, today
        self._known: dict[date, int | None] = {}

    def __call__(self, due: date | None) -> int | None:
        if due is None:
            return None
        if due not in self._known:
            try:
                self._known[due] = self.calendar.working_days_between(self.today, due)
            except LedgerError:
                self._known[due] = None
        return self._known[due]
