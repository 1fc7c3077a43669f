"""A lead (线索): a sign of dishonesty from outside the departments' own work — a 12345 call,
an NPC deputy's suggestion, a CPPCC proposal, a media report, an inspection finding, a
third-party evaluation.

A lead names the body concerned and goes to the department responsible, which verifies it
within the rule set's ``lead_verification_working_days``. It ends one way, each an event:
unfounded (with reasons), a record filed (the record and the lead name each other), a
commitment found breached, or handed to another department (whose own period then starts).
The lead's id derives from its origin and the origin's reference number, so importing the same
number again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid5

from ledger import lead_events as ev
from ledger.clock import business_date
from ledger.errors import LifecycleError, PermissionDeniedError, ValidationError
from ledger.events import Actor, Role
from ledger.held_deadlines import DeadlineHolder
from ledger.identifiers import LEDGER_NAMESPACE, normalize_document_number
from ledger.lead_events import VERIFICATION, LeadOrigin, LeadOutcome
from ledger.record import Schedule, require_role
from ledger.values import Deadline, DeadlineKind, Organisation


def lead_id(origin: LeadOrigin, reference: str) -> UUID:
    """The same origin and reference number give the same lead."""
    key = f"lead/{origin.value}/{normalize_document_number(reference)}"
    return uuid5(LEDGER_NAMESPACE, key)


def _verification(schedule: Schedule, start: date, party: str) -> Deadline:
    return schedule.working(VERIFICATION, DeadlineKind.LEAD_VERIFICATION, start,
                            schedule.rules.lead_verification_working_days, party)


class Lead(DeadlineHolder):
    """One lead, the department it is with, and how it ended."""

    origin: LeadOrigin
    reference: str
    received_on: date
    summary: str
    body: Organisation
    region_code: str
    department: Organisation
    assigned_on: date
    outcome: LeadOutcome | None
    reasons: str | None
    record_id: UUID | None
    commitment_id: UUID | None
    handovers: int

    @classmethod
    def receive(cls, *, actor: Actor, at: datetime, schedule: Schedule, origin: LeadOrigin,
                reference: str, received_on: date, summary: str, body: Organisation,
                region_code: str, department: Organisation) -> Lead:
        """Take a lead in. The credit office sends it to any department; a department takes
        in only leads for itself."""
        require_role(actor, Role.PLATFORM_REVIEWER, Role.SOURCE_DEPARTMENT)
        if actor.role is Role.SOURCE_DEPARTMENT and actor.subject != department.code:
            raise PermissionDeniedError("a department takes in leads for itself only",
                                        field="department.code")
        if received_on > business_date(at):
            raise ValidationError("must not be in the future", field="received_on")
        return cls.create(
            ev.LeadReceived, lead_id(origin, reference), actor, at, origin=origin,
            reference=reference, received_on=received_on, summary=summary, body=body,
            region_code=region_code, department=department,
            starts=_verification(schedule, received_on, department.code),
        )

    @property
    def open(self) -> bool:
        return self.outcome is None

    def require_department(self, actor: Actor) -> None:
        require_role(actor, Role.SOURCE_DEPARTMENT)
        if actor.subject != self.department.code:
            raise PermissionDeniedError("only the department the lead was sent to may answer it")

    def _answer(self, actor: Actor, step: str) -> None:
        self.require_department(actor)
        if not self.open:
            raise LifecycleError(f"cannot {step}: the lead ended as {self.outcome}")

    def find_unfounded(self, actor: Actor, at: datetime, reasons: str) -> None:
        self._answer(actor, "find it unfounded")
        self.trigger(ev.LeadFoundUnfounded, actor, at, reasons=reasons,
                     answered_on=business_date(at), closes=tuple(self.deadlines))

    def record_filed(self, actor: Actor, at: datetime, record_id: UUID) -> None:
        self._answer(actor, "file a record on it")
        self.trigger(ev.LeadRecordFiled, actor, at, record_id=record_id,
                     answered_on=business_date(at), closes=tuple(self.deadlines))

    def commitment_breached(self, actor: Actor, at: datetime, commitment_id: UUID,
                            record_id: UUID) -> None:
        self._answer(actor, "find a commitment breached")
        self.trigger(ev.LeadCommitmentBreached, actor, at, commitment_id=commitment_id,
                     record_id=record_id, answered_on=business_date(at),
                     closes=tuple(self.deadlines))

    def hand_over(self, actor: Actor, at: datetime, schedule: Schedule, to: Organisation,
                  reasons: str) -> None:
        self._answer(actor, "hand it over")
        if to.code == self.department.code:
            raise ValidationError("must be another department", field="to.code")
        today = business_date(at)
        self.trigger(ev.LeadHandedOver, actor, at, to=to, reasons=reasons, answered_on=today,
                     closes=tuple(self.deadlines), starts=_verification(schedule, today, to.code))


ev.LeadReceived.aggregate_class = Lead
