"""``commitments``: the commitment register as people read it — what each body promised, to
whom, by when, and where it stands (open, overdue, fulfilled, breached, released), with the
deadline's overdue, urged and escalated flags and the breach record it led to."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger import commitment_events as ce
from ledger import held_deadlines as hd
from projections import disclosure
from projections.queries import LIMIT, Conn, fetch
from projections.tables import Row, Table
from projections.view import AggregateRowView

COMMITMENTS = Table(
    name="commitments",
    columns=(
        ("commitment_id", "uuid"),
        ("reference", "text NOT NULL"),
        ("maker_code", "text NOT NULL"),
        ("maker_name", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
        ("department_code", "text NOT NULL"),
        ("department_name", "text NOT NULL"),
        ("kind", "text NOT NULL"),
        ("content", "text NOT NULL"),
        ("source_document", "text NOT NULL"),
        ("made_to", "text NOT NULL"),
        ("made_on", "date NOT NULL"),
        ("due", "date"),
        ("recurring", "text"),
        ("public", "boolean NOT NULL"),
        ("state", "text NOT NULL"),
        ("evidence", "text"),
        ("reasons", "text"),
        ("finding", "text"),
        ("record_id", "uuid"),
        ("lead_id", "uuid"),
        ("closed_on", "date"),
        ("proposed_finding", "text"),
        ("proposed_on", "date"),
        ("overdue", "boolean NOT NULL"),
        ("urged", "boolean NOT NULL"),
        ("escalated", "boolean NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("commitment_id",),
    indexes=("(department_code)", "(maker_code)", "USING gin (region_chain)",
             "(public, state)", "(record_id)"),
)
_ENDED = {ce.CommitmentState.FULFILLED.value, ce.CommitmentState.BREACHED.value,
          ce.CommitmentState.RELEASED.value}


class CommitmentRegister(AggregateRowView):
    """Every commitment, its maker, department, region, due date and state."""

    name = "commitments"
    tables = (COMMITMENTS,)
    handles = frozenset({ce.CommitmentMade, ce.CommitmentFulfilled, ce.CommitmentReleased,
                         ce.CommitmentBreached, ce.BreachProposed, ce.BreachProposalDeclined,
                         hd.DeadlineMissed, hd.DeadlineUrged,
                         hd.DeadlineEscalated})

    first = ce.CommitmentMade

    def change(self, row: Row, event: Any) -> None:
        if isinstance(event, ce.CommitmentFulfilled):
            row.update(state="fulfilled", evidence=event.evidence, closed_on=event.fulfilled_on)
        elif isinstance(event, ce.CommitmentReleased):
            row.update(state="released", reasons=event.reasons, closed_on=event.released_on)
        elif isinstance(event, ce.CommitmentBreached):
            row.update(state="breached", finding=event.finding, record_id=event.record_id,
                       lead_id=event.lead_id, closed_on=event.found_on,
                       proposed_finding=None, proposed_on=None)
        elif isinstance(event, ce.BreachProposed):
            row.update(proposed_finding=event.finding, proposed_on=event.proposed_on)
        elif isinstance(event, ce.BreachProposalDeclined):
            row.update(proposed_finding=None, proposed_on=None)
        elif isinstance(event, hd.DeadlineMissed | hd.DeadlineUrged | hd.DeadlineEscalated):
            row[event.flag] = True
            if isinstance(event, hd.DeadlineMissed) and row["state"] not in _ENDED:
                row["state"] = "overdue"

    def new_row(self, event: ce.CommitmentMade, position: int) -> Row:
        return {
            "commitment_id": event.originator_id, "reference": event.reference,
            "maker_code": event.maker.code, "maker_name": event.maker.name,
            "region_code": event.region_code,
            "region_chain": self.regions.reporting_chain(event.region_code),
            "department_code": event.department.code,
            "department_name": event.department.name, "kind": event.kind.value,
            "content": event.content, "source_document": event.source_document,
            "made_to": event.made_to, "made_on": event.made_on, "due": event.due,
            "recurring": event.recurring, "public": event.public, "state": "open",
            "evidence": None, "reasons": None, "finding": None, "record_id": None,
            "lead_id": None, "closed_on": None, "proposed_finding": None, "proposed_on": None,
            "overdue": False, "urged": False,
            "escalated": False, "position": position,
        }


# -- queries ------------------------------------------------------------------------------------


_COMMITMENTS_WHERE = """
    WHERE (%(department)s::text IS NULL OR department_code = %(department)s)
      AND (%(maker)s::text IS NULL OR maker_code = %(maker)s)
      AND (%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text])
      AND (%(state)s::text IS NULL OR state = %(state)s)
      AND (%(kind)s::text IS NULL OR kind = %(kind)s)
      AND (NOT %(public_only)s OR public)"""


def commitments(conn: Conn, *, department: str | None = None, maker: str | None = None,
                region: str | None = None, state: str | None = None, kind: str | None = None,
                public_only: bool = False, limit: int = LIMIT, offset: int = 0) -> (
    list[dict[str, Any]]
):
    """Commitments, due soonest first; filtered by department, maker, region (and the regions
    under it), state, kind, or to the public ones."""
    return fetch(conn, f"""
        SELECT * FROM {{v}}.commitments {_COMMITMENTS_WHERE}
        ORDER BY due NULLS LAST, made_on, commitment_id
        LIMIT %(limit)s OFFSET %(offset)s""",
        {"department": department, "maker": maker, "region": region, "state": state,
         "kind": kind, "public_only": public_only, "limit": limit, "offset": offset})


def breach_proposals(conn: Conn, *, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Breaches proposed by departments and awaiting a reviewer, oldest first."""
    return fetch(conn, """
        SELECT * FROM {v}.commitments WHERE proposed_on IS NOT NULL
        ORDER BY proposed_on, commitment_id LIMIT %(limit)s""", {"limit": limit})


def count_commitments(conn: Conn, *, department: str | None = None, maker: str | None = None,
                      region: str | None = None, state: str | None = None,
                      kind: str | None = None, public_only: bool = False) -> int:
    """How many commitments ``commitments`` would list with no limit."""
    found = fetch(conn, f"SELECT count(*) AS n FROM {{v}}.commitments {_COMMITMENTS_WHERE}",
                  {"department": department, "maker": maker, "region": region,
                   "state": state, "kind": kind, "public_only": public_only})
    return int(found[0]["n"])


def commitment(conn: Conn, commitment_id: UUID) -> dict[str, Any] | None:
    found = fetch(conn, "SELECT * FROM {v}.commitments WHERE commitment_id = %(id)s",
                  {"id": commitment_id})
    return found[0] if found else None


def public_commitments(conn: Conn, rows: list[dict[str, Any]], fields: tuple[str, ...],
                       today: date) -> list[dict[str, Any]]:
    """Public commitments as the public sees them: these fields, and the breach record only
    where that record is itself disclosed today."""
    breaches = [r["record_id"] for r in rows if r.get("record_id")]
    shown = disclosure.disclosed(conn, breaches, today)
    return [{k: (None if k == "record_id" and r[k] not in shown else r[k]) for k in fields}
            for r in rows]
