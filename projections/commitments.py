"""``commitments``: the commitment register as people read it — what each body promised, to
whom, by when, and where it stands (open, overdue, fulfilled, breached, released), with the
deadline's overdue, urged and escalated flags and the breach record it led to."""

from __future__ import annotations

from typing import Any

from ledger import commitment_events as ce
from ledger import held_deadlines as hd
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
