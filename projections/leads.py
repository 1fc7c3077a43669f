"""``leads``: every lead, the department it is with, its verification due date and how it
ended; and ``lead_responses``: per department and region, leads received and answered,
answered in time, overdue, days taken, and each outcome — the response rates and times the
plan asks for.

A lead handed over counts as answered by the department that handed it over and as received by
the one it went to. Days are calendar days from the day the department got the lead to its
answer, so the numbers never depend on a working-day calendar published later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg

from ledger import held_deadlines as hd
from ledger import lead_events as le
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from projections.log import Entry
from projections.queries import LIMIT, Conn, fetch
from projections.tables import Counters, Row, Rows, Table
from projections.view import View, stored_aggregates

LEADS = Table(
    name="leads",
    columns=(
        ("lead_id", "uuid"),
        ("origin", "text NOT NULL"),
        ("reference", "text NOT NULL"),
        ("received_on", "date NOT NULL"),
        ("summary", "text NOT NULL"),
        ("body_code", "text NOT NULL"),
        ("body_name", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
        ("department_code", "text NOT NULL"),
        ("department_name", "text NOT NULL"),
        ("assigned_on", "date NOT NULL"),
        ("due", "date"),
        ("outcome", "text"),
        ("reasons", "text"),
        ("record_id", "uuid"),
        ("commitment_id", "uuid"),
        ("answered_on", "date"),
        ("handovers", "integer NOT NULL"),
        ("overdue", "boolean NOT NULL"),
        ("urged", "boolean NOT NULL"),
        ("escalated", "boolean NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("lead_id",),
    indexes=("(department_code)", "USING gin (region_chain)", "(record_id)",
             "(received_on)"),
)
OUTCOMES = ("unfounded", "record_filed", "commitment_breach", "handed_over")
RESPONSES = Table(
    name="lead_responses",
    columns=(
        ("department_code", "text"), ("region_code", "text"),
        *((name, "integer NOT NULL DEFAULT 0") for name in (
            "received", "answered", "answered_in_time", "overdue", "days_total", *OUTCOMES)),
    ),
    key=("department_code", "region_code"),
)
_ANSWERS = (le.LeadFoundUnfounded, le.LeadRecordFiled, le.LeadCommitmentBreached,
            le.LeadHandedOver)
_OUTCOME: dict[type[DomainEvent], str] = {
    le.LeadFoundUnfounded: "unfounded", le.LeadRecordFiled: "record_filed",
    le.LeadCommitmentBreached: "commitment_breach", le.LeadHandedOver: "handed_over"}


class LeadRegister(View):
    """Every lead and the departments' response counts."""

    name = "leads"
    tables = (LEADS, RESPONSES)
    handles = frozenset({le.LeadReceived, *_ANSWERS, hd.DeadlineDated, hd.DeadlineMissed,
                         hd.DeadlineUrged, hd.DeadlineEscalated})

    def __init__(self, schema: str = "views", regions: RegionTable | None = None) -> None:
        super().__init__(schema)
        self.regions = regions or fujian()
        self.leads = Rows(LEADS, schema)
        self.responses = Counters(RESPONSES, schema)

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.leads.start_page()
        self.responses.clear()
        self.leads.load(cursor, "lead_id", stored_aggregates(page, le.LeadReceived))

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, le.LeadReceived):
            self.leads.put(self._received(event, position))
            self.responses.add((event.department.code, event.region_code), {"received": 1})
            return
        held = self.leads.get(event.originator_id)
        if held is None:
            return  # a commitment's deadline
        row = dict(held, position=position)
        if isinstance(event, _ANSWERS):
            self._answered(row, event)
        elif isinstance(event, hd.DeadlineDated) and event.starts is not None:
            row["due"] = event.starts.due
        elif isinstance(event, hd.DeadlineMissed | hd.DeadlineUrged | hd.DeadlineEscalated):
            row[event.flag] = True
            if isinstance(event, hd.DeadlineMissed):
                self.responses.add((row["department_code"], row["region_code"]), {"overdue": 1})
        self.leads.put(row)

    def _answered(self, row: Row, event: Any) -> None:
        outcome = _OUTCOME[type(event)]
        answered_on = event.answered_on
        in_time = row["due"] is None or answered_on <= row["due"]
        self.responses.add((row["department_code"], row["region_code"]), {
            "answered": 1, "answered_in_time": int(in_time), outcome: 1,
            "days_total": (answered_on - row["assigned_on"]).days})
        row.update(outcome=outcome, answered_on=answered_on)
        if isinstance(event, le.LeadHandedOver):
            due = event.starts.due if event.starts is not None else None
            row.update(department_code=event.to.code, department_name=event.to.name,
                       assigned_on=answered_on, due=due, outcome=None, answered_on=None,
                       reasons=event.reasons, handovers=row["handovers"] + 1,
                       overdue=False, urged=False, escalated=False)
            self.responses.add((event.to.code, row["region_code"]), {"received": 1})
        elif isinstance(event, le.LeadFoundUnfounded):
            row["reasons"] = event.reasons
        else:
            row["record_id"] = event.record_id
            if isinstance(event, le.LeadCommitmentBreached):
                row["commitment_id"] = event.commitment_id

    def _received(self, event: le.LeadReceived, position: int) -> Row:
        due = event.starts.due if event.starts is not None else None
        return {
            "lead_id": event.originator_id, "origin": event.origin.value,
            "reference": event.reference, "received_on": event.received_on,
            "summary": event.summary, "body_code": event.body.code,
            "body_name": event.body.name, "region_code": event.region_code,
            "region_chain": self.regions.reporting_chain(event.region_code),
            "department_code": event.department.code,
            "department_name": event.department.name, "assigned_on": event.received_on,
            "due": due, "outcome": None, "reasons": None, "record_id": None,
            "commitment_id": None, "answered_on": None, "handovers": 0, "overdue": False,
            "urged": False, "escalated": False, "position": position,
        }


# -- queries ------------------------------------------------------------------------------------


_LEADS_WHERE = """
    WHERE (%(department)s::text IS NULL OR department_code = %(department)s)
      AND (%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text])
      AND (%(origin)s::text IS NULL OR origin = %(origin)s)
      AND (NOT %(open_only)s OR outcome IS NULL)"""


def leads(conn: Conn, *, department: str | None = None, region: str | None = None,
          open_only: bool = False, origin: str | None = None, limit: int = LIMIT,
          offset: int = 0) -> list[dict[str, Any]]:
    """Leads, open ones due soonest first, then the answered ones latest first."""
    return fetch(conn, f"""
        SELECT * FROM {{v}}.leads {_LEADS_WHERE}
        ORDER BY outcome IS NOT NULL, due NULLS LAST, answered_on DESC, lead_id
        LIMIT %(limit)s OFFSET %(offset)s""",
        {"department": department, "region": region, "origin": origin,
         "open_only": open_only, "limit": limit, "offset": offset})


def count_leads(conn: Conn, *, department: str | None = None, region: str | None = None,
                open_only: bool = False, origin: str | None = None) -> int:
    """How many leads ``leads`` would list with no limit."""
    found = fetch(conn, f"SELECT count(*) AS n FROM {{v}}.leads {_LEADS_WHERE}",
                  {"department": department, "region": region, "origin": origin,
                   "open_only": open_only})
    return int(found[0]["n"])


def lead(conn: Conn, lead_id: UUID) -> dict[str, Any] | None:
    found = fetch(conn, "SELECT * FROM {v}.leads WHERE lead_id = %(id)s", {"id": lead_id})
    return found[0] if found else None


def lead_responses(conn: Conn, *, by: str = "department", region: str | None = None,
                   regions: RegionTable | None = None) -> list[dict[str, Any]]:
    """Response counts, rates and mean days per department, or per region rolled up the
    reporting tree; ``region`` keeps the departments or regions under it."""
    table = regions or fujian()
    rows = fetch(conn, "SELECT * FROM {v}.lead_responses", {})
    names = {r["department_code"]: r["department_name"] for r in fetch(
        conn, "SELECT DISTINCT ON (department_code) department_code, department_name "
        "FROM {v}.leads ORDER BY department_code, position DESC", {})}
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        chain = table.reporting_chain(row["region_code"])
        if region is not None and region not in chain:
            continue
        keys = [row["department_code"]] if by == "department" else (
            chain[:chain.index(region) + 1] if region is not None else chain)
        for key in keys:
            into = groups.setdefault(key, {"code": key, "received": 0, "answered": 0,
                                           "answered_in_time": 0, "overdue": 0,
                                           "days_total": 0, **dict.fromkeys(OUTCOMES, 0)})
            for name in into:
                if name != "code":
                    into[name] += row[name]
    found = []
    for key, into in sorted(groups.items()):
        answered = into["answered"]
        found.append({**into, "name": names.get(key) if by == "department"
                      else table.name_of(key),
                      "answer_share": round(answered / into["received"], 4)
                      if into["received"] else None,
                      "in_time_share": round(into["answered_in_time"] / answered, 4)
                      if answered else None,
                      "mean_days": round(into["days_total"] / answered, 1) if answered else None})
    return found


def origin_of_record(conn: Conn, record_id: UUID) -> dict[str, Any] | None:
    """The lead or commitment a record was filed on, if any (the link back from the record)."""
    found = fetch(conn, """
        SELECT 'lead' AS kind, lead_id AS id, reference FROM {v}.leads
        WHERE record_id = %(id)s
        UNION ALL SELECT 'commitment', commitment_id, reference FROM {v}.commitments
        WHERE record_id = %(id)s""", {"id": record_id})
    return found[0] if found else None
