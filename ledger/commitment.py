"""A commitment (承诺) a government body made, in the register of the department responsible.

The department registers it (its kind, content, source document, to whom, a due date or a
recurring condition, whether it is public) and later records how it ended: fulfilled with
evidence, released with reasons, or breached — a breach files a ``breach_of_commitment``
record in the same transaction (``ledger.commitment_steps``). A due date is a deadline the
system enforces like a record's; a missed one makes the commitment overdue, and an overdue
commitment can still be fulfilled late, released or found breached.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from ledger import commitment_events as ev
from ledger.clock import business_date
from ledger.commitment_events import DUE, CommitmentKind, CommitmentState
from ledger.errors import LifecycleError, PermissionDeniedError, ValidationError
from ledger.events import Actor, Role
from ledger.held_deadlines import DeadlineHolder
from ledger.identifiers import LEDGER_NAMESPACE, normalize_document_number
from ledger.record import Schedule, require_role
from ledger.values import DeadlineKind, Organisation

_ENDED = (CommitmentState.FULFILLED, CommitmentState.BREACHED, CommitmentState.RELEASED)


def commitment_id(department_code: str, reference: str) -> UUID:
    """The same department and register number give the same commitment."""
    key = f"commitment/{department_code}/{normalize_document_number(reference)}"
    return uuid5(LEDGER_NAMESPACE, key)


class Commitment(DeadlineHolder):
    """One commitment and how it ended."""

    reference: str
    maker: Organisation
    region_code: str
    department: Organisation
    kind: CommitmentKind
    content: str
    source_document: str
    made_to: str
    made_on: date
    due: date | None
    recurring: str | None
    public: bool
    digest: str
    state: CommitmentState
    evidence: str | None
    reasons: str | None
    finding: str | None
    record_id: UUID | None
    closed_on: date | None
    proposal: dict[str, Any] | None
    """A breach the department proposed and no reviewer has confirmed or declined yet."""

    @classmethod
    def make(cls, *, actor: Actor, at: datetime, schedule: Schedule, maker: Organisation,
             region_code: str, department: Organisation, reference: str, kind: CommitmentKind,
             content: str, source_document: str, made_to: str, made_on: date,
             due: date | None, recurring: str | None, public: bool, digest: str) -> Commitment:
        require_role(actor, Role.SOURCE_DEPARTMENT)
        if actor.subject != department.code:
            raise PermissionDeniedError("a department registers only commitments it is "
                                        "responsible for", field="department.code")
        if (due is None) == (recurring is None):
            raise ValidationError("give either a due date or a recurring condition", field="due")
        if made_on > business_date(at):
            raise ValidationError("must not be in the future", field="made_on")
        if due is not None and due < made_on:
            raise ValidationError("must not be before the day it was made", field="due")
        starts = None if due is None else schedule.deadline(
            DUE, DeadlineKind.COMMITMENT_DUE, made_on, due, maker.code)
        return cls.create(
            ev.CommitmentMade, commitment_id(department.code, reference), actor, at,
            reference=reference, maker=maker, region_code=region_code, department=department,
            kind=kind, content=content, source_document=source_document, made_to=made_to,
            made_on=made_on, due=due, recurring=recurring, public=public, digest=digest,
            starts=starts,
        )

    @property
    def ended(self) -> bool:
        return self.state in _ENDED

    def deadline_flagged(self, key: str, flag: str) -> None:
        if key == DUE and flag == "overdue" and not self.ended:
            self.state = CommitmentState.OVERDUE

    def require_department(self, actor: Actor) -> None:
        require_role(actor, Role.SOURCE_DEPARTMENT)
        if actor.subject != self.department.code:
            raise PermissionDeniedError("only the department responsible for the commitment "
                                        "may record how it ended")

    def _require_open(self, step: str) -> None:
        if self.ended:
            raise LifecycleError(f"cannot {step}: the commitment is {self.state.value}")

    def fulfil(self, actor: Actor, at: datetime, evidence: str) -> None:
        self.require_department(actor)
        self._require_open("record fulfilment")
        self.trigger(ev.CommitmentFulfilled, actor, at, evidence=evidence,
                     fulfilled_on=business_date(at), closes=tuple(self.deadlines))

    def release(self, actor: Actor, at: datetime, reasons: str) -> None:
        self.require_department(actor)
        self._require_open("release it")
        self.trigger(ev.CommitmentReleased, actor, at, reasons=reasons,
                     released_on=business_date(at), closes=tuple(self.deadlines))

    def breach(self, actor: Actor, at: datetime, finding: str, record_id: UUID,
               lead_id: UUID | None = None) -> None:
        """Found breached; the caller files ``record_id`` in the same transaction."""
        self.require_department(actor)
        self._require_open("find a breach")
        self.trigger(ev.CommitmentBreached, actor, at, finding=finding, record_id=record_id,
                     found_on=business_date(at), lead_id=lead_id,
                     closes=tuple(self.deadlines))

    def pending_proposal(self) -> dict[str, Any] | None:
        return getattr(self, "proposal", None)

    def propose_breach(self, actor: Actor, at: datetime, finding: str,
                       filing: dict[str, Any]) -> None:
        """Propose a breach and its record for a reviewer to confirm."""
        self.require_department(actor)
        self._require_open("propose a breach")
        if self.pending_proposal() is not None:
            raise LifecycleError("a breach is already proposed and awaits a reviewer",
                                 field="commitment_id")
        self.trigger(ev.BreachProposed, actor, at, finding=finding, filing=filing,
                     proposed_on=business_date(at))

    def require_proposal(self, actor: Actor, step: str) -> dict[str, Any]:
        require_role(actor, Role.PLATFORM_REVIEWER)
        self._require_open(step)
        proposal = self.pending_proposal()
        if proposal is None:
            raise LifecycleError(f"cannot {step}: no breach is proposed", field="commitment_id")
        return proposal

    def confirm_breach(self, actor: Actor, at: datetime, record_id: UUID) -> Actor:
        """A reviewer confirms the proposed breach; the caller files ``record_id`` in the
        proposing department's name in the same transaction. Returns that department."""
        proposal = self.require_proposal(actor, "confirm a breach")
        self.trigger(ev.CommitmentBreached, actor, at, finding=proposal["finding"],
                     record_id=record_id, found_on=business_date(at),
                     closes=tuple(self.deadlines))
        by: Actor = proposal["by"]
        return by

    def decline_breach(self, actor: Actor, at: datetime, reasons: str) -> None:
        """A reviewer declines the proposed breach, giving reasons."""
        self.require_proposal(actor, "decline a breach")
        self.trigger(ev.BreachProposalDeclined, actor, at, reasons=reasons,
                     declined_on=business_date(at))


ev.CommitmentMade.aggregate_class = Commitment
