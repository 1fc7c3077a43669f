"""``subject_status``: per body or civil servant, its records, marks, sanctions and deadlines.

The view keeps one small row per record and per sanction, keyed to the subject; the query sums
them by state and severity. Sanctions "in force" depend on today's date, so that is decided by
the query. A civil servant appears by the masked ID only: names and IDs are sealed in the log
and never copied here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from ledger.subjects import CivilServant, GovernmentBody
from projections import facts
from projections.evaluation import METRICS as SCORED_METRICS
from projections.evaluation import (
    Evaluation,
    Formula,
    Warning,
    early_warnings,
    evaluate,
    evaluate_body,
    formula_in_force,
)
from projections.log import Entry
from projections.queries import Conn, fetch, or_today
from projections.records import MARK_COLUMNS, apply_change
from projections.results import SanctionInForce, SubjectSummary
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
        *MARK_COLUMNS,
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


# -- queries ------------------------------------------------------------------------------------


def subject_status(conn: Conn, subject_id: UUID, today: date | None = None,
                   formula: Formula | None = None,
                   only: Collection[UUID] | None = None) -> SubjectSummary | None:
    """A subject's records by state and severity, marks, sanctions in force and deadlines.

    With ``only``, just those of its records count, and the evaluation (which counts them all)
    is left out.
    """
    subjects = fetch(conn, "SELECT * FROM {v}.subject_status_subjects WHERE subject_id = %s",
                     (subject_id,))
    if not subjects:
        return None
    rows = fetch(conn, "SELECT * FROM {v}.subject_status_records WHERE subject_id = %s "
                 "ORDER BY record_id", (subject_id,))
    rows = [r for r in rows if only is None or r["record_id"] in only]
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        by_severity = counts.setdefault(row["status"], {})
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + 1
    sanctions = fetch(conn, (
        "SELECT record_id, number, kind, starts_on, ends_on FROM {v}.subject_status_sanctions "
        "WHERE subject_id = %(id)s AND lifted IS NULL AND starts_on <= %(today)s "
        "AND %(today)s <= ends_on ORDER BY ends_on, record_id, number"
    ), {"id": subject_id, "today": or_today(today)})
    sanctions = [s for s in sanctions if only is None or s["record_id"] in only]
    return SubjectSummary(
        **subjects[0], records=len(rows), counts=counts,
        under_objection=[r["record_id"] for r in rows if r["under_objection"]],
        under_reconsideration=[r["record_id"] for r in rows
                               if r["under_reconsideration"] is not None],
        sanctions_in_force=[SanctionInForce(**s) for s in sanctions],
        open_deadlines=sum(len(r["open_deadlines"]) for r in rows),
        overdue_deadlines=sum(len(r["overdue_deadlines"]) for r in rows),
        evaluation=evaluate_body(conn, subjects[0]["credit_code"], formula=formula)
        if subjects[0]["credit_code"] and only is None else None,
    )


def body_status(conn: Conn, credit_code: str, today: date | None = None,
                formula: Formula | None = None,
                only: Collection[UUID] | None = None) -> SubjectSummary | None:
    """``subject_status`` of the government body with this credit code."""
    found = fetch(conn, "SELECT subject_id FROM {v}.subject_status_subjects "
                  "WHERE credit_code = %s", (credit_code,))
    return (subject_status(conn, found[0]["subject_id"], today, formula, only) if found
            else None)


def body_evaluation(conn: Conn, credit_code: str, formula: Formula | None = None) -> (
    Evaluation | None
):
    """A body's evaluation (full marks while it has no records), or ``None`` if unknown."""
    found = fetch(conn, "SELECT name FROM {v}.subject_status_subjects WHERE credit_code = %s",
                  (credit_code,))
    if not found:
        return None
    return evaluate_body(conn, credit_code, formula=formula) or evaluate(
        formula or formula_in_force(), "body", credit_code, found[0]["name"],
        dict.fromkeys(SCORED_METRICS, 0))




def subject_names(conn: Conn, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """For lists that show codes: each body's name by credit code, and each civil servant's
    masked ID and body by subject id (a deadline's party)."""
    people = []
    for code in codes:
        try:
            people.append(UUID(code))
        except ValueError:
            continue
    found = fetch(conn, (
        "SELECT coalesce(credit_code, subject_id::text) AS code, subject_type, name, masked_id, "
        "body_code FROM {v}.subject_status_subjects "
        "WHERE credit_code = ANY(%(codes)s) OR subject_id = ANY(%(people)s)"
    ), {"codes": list(codes), "people": people})
    return {row["code"]: row for row in found}


def warnings(conn: Conn, *, region: str | None = None, kind: str | None = None,
             formula: Formula | None = None, regions: RegionTable | None = None) -> (
    list[Warning]
):
    """Early warnings raised now; ``region`` keeps the region's own, those of the regions
    below it and those of the bodies in any of them."""
    table = regions or fujian()
    raised = [w for w in early_warnings(conn, formula=formula, regions=table)
              if kind is None or w.kind == kind]
    if region is None:
        return raised
    inside = set(table.under(region, field="region"))
    body_regions = {row["credit_code"]: row["region_code"] for row in fetch(
        conn, "SELECT credit_code, region_code FROM {v}.subject_status_subjects "
        "WHERE credit_code = ANY(%s)", ([w.code for w in raised if w.kind == "body"],))}
    return [w for w in raised
            if (w.code if w.kind == "region" else body_regions.get(w.code)) in inside]
