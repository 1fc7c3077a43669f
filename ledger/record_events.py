"""Events of a credit record: every step of the lifecycle table in docs/domain.md, past tense.

Stored topics are ``ledger.record_events:<Name>``; a renamed or moved class needs a registered
topic, a changed schema a ``class_version`` and an upcast method. Events only change state;
``ledger.record.CreditRecord`` checks the rules before it triggers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import Field

from ledger.clock import business_date
from ledger.events import DomainEvent, Immutable
from ledger.values import (
    Category,
    Deadline,
    Domain,
    MitigationKind,
    Objection,
    ObjectionOutcome,
    Organisation,
    ReconsiderationKind,
    ReconsiderationOutcome,
    RecordStatus,
    Repair,
    Sanction,
    SanctionKind,
    Scope,
    Severity,
    StepStatus,
    SubjectType,
)

if TYPE_CHECKING:
    from ledger.record import CreditRecord


class RecordContent(Immutable):
    """What the source department filed, in the national 双公示 field order where they fit."""

    subject_type: SubjectType
    subject_id: UUID
    subject_code: str
    subject_name: str | None
    source: Organisation
    document_number: str
    decision_date: date
    deciding_authority: Organisation
    category: Category
    domain: Domain
    severity: Severity
    matter: str | None
    facts: str
    legal_basis: str
    decision_content: str
    fine_yuan: Decimal | None
    confiscation_yuan: Decimal | None
    region_code: str
    scope: Scope
    responsible_persons: tuple[UUID, ...]
    more_matters: tuple[str, ...] = ()
    """Further penalty matters of the same decision; the longest publicity window applies."""


class ContentChanges(Immutable):
    """Named fields of a record's content that a correction changes (``None``: unchanged)."""

    facts: str | None = None
    legal_basis: str | None = None
    decision_content: str | None = None
    fine_yuan: Decimal | None = None
    confiscation_yuan: Decimal | None = None
    severity: Severity | None = None
    category: Category | None = None
    domain: Domain | None = None
    matter: str | None = None
    decision_date: date | None = None
    deciding_authority: Organisation | None = None

    def named(self) -> dict[str, Any]:
        """The fields it changes, with their new values."""
        return {name: value for name in type(self).model_fields
                if (value := getattr(self, name)) is not None}


class PublicityDates(Immutable):
    """A record's publicity window, recounted when a correction changes what it depends on."""

    starts: date
    min_end: date
    max_end: date
    published: bool


def _correct(r: CreditRecord, changes: ContentChanges, window: PublicityDates | None) -> None:
    r.content = r.content.model_copy(update=changes.named())
    if window is not None:
        r.publicity_starts, r.publicity_min_end = window.starts, window.min_end
        r.publicity_max_end, r.published = window.max_end, window.published


def _decide(r: CreditRecord, outcome: ObjectionOutcome, changes: ContentChanges,
            window: PublicityDates | None) -> None:
    """What a decision on an objection (or a review in the subject's favour) does."""
    if outcome is ObjectionOutcome.DELETED:
        r.status = RecordStatus.DELETED
        r.published = False
        r.deadlines.clear()
    elif outcome is ObjectionOutcome.PUBLICITY_STOPPED:
        r.published = False
        r.publicity_stopped = True
    elif outcome in (ObjectionOutcome.CORRECTED, ObjectionOutcome.SUPPLEMENTED):
        r.corrections += 1
        _correct(r, changes, window)


class RecordFiled(DomainEvent):
    """Filed by a source department."""

    content: RecordContent
    rule_set_id: str
    filed_on: date
    content_digest: str
    publicity_starts: date
    publicity_min_end: date
    publicity_max_end: date

    def apply(self, r: CreditRecord) -> None:
        self.set_own_fields(r)
        r.status = RecordStatus.IN_FORCE
        r.published = False
        r.under_objection = False
        r.under_reconsideration = None
        r.explanation = None
        r.rectification = None
        r.rectification_extensions = 0
        r.deadlines = {}
        r.objections, r.repairs, r.sanctions = {}, {}, {}
        r.mitigations = []
        r.corrections = 0
        r.publicity_stopped = False
        r.reconsideration_outcome = None
        r.performed_on = None
        r.listing_extension_years = 0
        r.repair_barred_until = None


def close_and_start(deadlines: dict[str, Deadline], closes: Iterable[str],
                    started: Iterable[Deadline]) -> None:
    """Drop the deadlines ``closes`` names, then keep each started one under its key."""
    for key in closes:
        deadlines.pop(key, None)
    for deadline in started:
        deadlines[deadline.key] = deadline


class DeadlineEvent(DomainEvent):
    """A step that starts one deadline and may close others."""

    starts: Deadline | None = None
    closes: tuple[str, ...] = ()

    def apply(self, r: CreditRecord) -> None:
        close_and_start(r.deadlines, self.closes, self.started())

    def started(self) -> list[Deadline]:
        """Every deadline this event starts (``starts``, and e.g. a repair's answer deadline);
        a historical one starts nothing."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [value for value in values if isinstance(value, Deadline) and not value.historical]



class Published(DomainEvent):
    def apply(self, r: CreditRecord) -> None:
        r.published = True


class ExplanationRequested(DeadlineEvent):
    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.explanation = StepStatus.OPEN


class ExplanationSubmitted(DeadlineEvent):
    text: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.explanation = StepStatus.DONE


class RectificationOrdered(DeadlineEvent):
    requirement: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.rectification = StepStatus.OPEN


class RectificationPlanSubmitted(DomainEvent):
    plan: str

    def apply(self, r: CreditRecord) -> None:
        r.rectification = StepStatus.PLAN_SUBMITTED


class RectificationCompletionReported(DomainEvent):
    report: str

    def apply(self, r: CreditRecord) -> None:
        r.rectification = StepStatus.COMPLETION_REPORTED


class RectificationVerified(DeadlineEvent):
    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.rectification = StepStatus.DONE


class RectificationRejected(DomainEvent):
    """The completion report was not accepted; rectification goes on to its due date."""

    reasons: str

    def apply(self, r: CreditRecord) -> None:
        r.rectification = StepStatus.PLAN_SUBMITTED


class RectificationExtended(DeadlineEvent):
    reasons: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.rectification_extensions += 1


class ObjectionFiled(DeadlineEvent):
    """Received from the subject: the record is marked "under objection" at once, and the
    whole case has its own deadline (``case``) besides the reviewer's first step."""

    number: int
    grounds: str
    case: Deadline | None = None

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number] = Objection(number=self.number, grounds=self.grounds,
                                              filed_on=business_date(self.timestamp))
        if self.case is not None:
            r.under_objection = True


class ObjectionMarked(DeadlineEvent):
    number: int

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].status = StepStatus.MARKED
        r.under_objection = True


class ObjectionAccepted(DeadlineEvent):
    number: int

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].status = StepStatus.ACCEPTED


class ObjectionRejected(DeadlineEvent):
    number: int
    reasons: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].status = StepStatus.REJECTED
        r.objections[self.number].decided_on = business_date(self.timestamp)
        r.under_objection = False


class ObjectionForwarded(DeadlineEvent):
    number: int
    to: Organisation

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].status = StepStatus.FORWARDED
        r.objections[self.number].forwarded_to = self.to.code


class ObjectionExtended(DeadlineEvent):
    """An approved extension of the decision deadline, and of the whole case (``case``)."""

    number: int
    working_days: int
    reasons: str
    case: Deadline | None = None

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].extension_used += self.working_days


class ObjectionDecided(DeadlineEvent):
    """The deciding authority's decision; ``corrected`` or ``supplemented`` changes the record's
    content (``changes``) and, with its severity or dates, its publicity window (``window``).

    Version 1 carried the changes as free text that changed nothing; they are kept as
    ``notes``."""

    class_version: ClassVar[int] = 2
    number: int
    outcome: ObjectionOutcome
    reasons: str
    changes: ContentChanges = ContentChanges()
    window: PublicityDates | None = None
    notes: dict[str, str] = Field(default_factory=dict)
    review_request_until: date | None
    """``None`` while the calendar year the period ends in is not published."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["notes"] = state.pop("changes", {})

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        objection = r.objections[self.number]
        objection.status = StepStatus.DECIDED
        objection.outcome = self.outcome
        objection.review_until = self.review_request_until
        objection.decided_on = business_date(self.timestamp)
        r.under_objection = self.outcome is ObjectionOutcome.UNVERIFIABLE
        _decide(r, self.outcome, self.changes, self.window)


class ReviewRequested(DeadlineEvent):
    number: int
    grounds: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].review = StepStatus.OPEN


class ReviewDecided(DeadlineEvent):
    """The review (复核) of an objection's outcome. Upheld, the first outcome stands; decided
    in the subject's favour, ``outcome`` applies to the record as a first decision would."""

    number: int
    upheld: bool
    reasons: str
    outcome: ObjectionOutcome | None = None
    changes: ContentChanges = ContentChanges()
    window: PublicityDates | None = None

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.objections[self.number].review = StepStatus.DONE
        if self.outcome is not None:
            r.objections[self.number].outcome = self.outcome
            r.under_objection = False
            _decide(r, self.outcome, self.changes, self.window)


class ReconsiderationMarked(DomainEvent):
    kind: ReconsiderationKind
    case_number: str

    def apply(self, r: CreditRecord) -> None:
        r.under_reconsideration = self.kind


class ReconsiderationConcluded(DeadlineEvent):
    outcome: ReconsiderationOutcome

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.under_reconsideration = None
        r.reconsideration_outcome = self.outcome


class Withdrawn(DomainEvent):
    reasons: str

    def apply(self, r: CreditRecord) -> None:
        r.status = RecordStatus.WITHDRAWN
        r.published = False
        r.under_objection = False
        r.deadlines.clear()


class Corrected(DeadlineEvent):
    """Corrected by the source department: the named fields of the content change, and with
    severity or dates the publicity window; closes the deadline after a changed decision.

    Version 1 carried the changes as free text that changed nothing; they are kept as
    ``notes``."""

    class_version: ClassVar[int] = 2
    changes: ContentChanges = ContentChanges()
    window: PublicityDates | None = None
    notes: dict[str, str] = Field(default_factory=dict)
    reasons: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["notes"] = state.pop("changes", {})

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.corrections += 1
        _correct(r, self.changes, self.window)


class RepairApplied(DeadlineEvent):
    number: int
    commitment: str
    answer: Deadline

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.deadlines[self.answer.key] = self.answer
        r.repairs[self.number] = Repair(number=self.number)


class RepairForwarded(DeadlineEvent):
    number: int
    to: Organisation

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.repairs[self.number].status = StepStatus.FORWARDED
        r.repairs[self.number].forwarded_to = self.to.code


class RepairExtended(DeadlineEvent):
    """The answer deadline moved (``starts``), and with it the decision deadline (``decision``)
    when the application is with the deciding authority."""

    number: int
    reasons: str
    decision: Deadline | None = None

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.repairs[self.number].extended = True


class RepairDecided(DeadlineEvent):
    number: int
    approved: bool
    reasons: str

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        repair = r.repairs[self.number]
        repair.status = StepStatus.APPROVED if self.approved else StepStatus.REFUSED
        if self.approved:
            r.status = RecordStatus.REPAIRED
            r.published = False


class RepairPropagated(DeadlineEvent):
    number: int
    platforms: tuple[str, ...]

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.repairs[self.number].status = StepStatus.DONE


class RepairRevoked(DeadlineEvent):
    """An approved repair revoked by the authority that approved it, on a finding that it was
    obtained with false material (``finding``: the document that found it). The record is in
    force again and shown until its original publicity end (``window``, with ``published``
    as it stands now); the subject may not apply for repair again until ``barred_until``.
    Sanctions the repair lifted that are still within their period come back, each in a
    ``SanctionRestored``; deadlines the repair closed stay closed."""

    number: int
    reasons: str
    finding: str
    window: PublicityDates
    barred_until: date

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.repairs[self.number].status = StepStatus.REVOKED
        r.status = RecordStatus.IN_FORCE
        r.publicity_starts, r.publicity_min_end = self.window.starts, self.window.min_end
        r.publicity_max_end, r.published = self.window.max_end, self.window.published
        r.repair_barred_until = self.barred_until


class PublicityExpired(DomainEvent):
    on: date

    def apply(self, r: CreditRecord) -> None:
        r.status = RecordStatus.EXPIRED
        r.published = False


class PerformanceRecorded(DeadlineEvent):
    """A dishonest judgment debtor performed what the judgment required (履行): its listing is
    to be removed within the rule set's working days (``starts``), by withdrawing the record."""

    performed_on: date

    def apply(self, r: CreditRecord) -> None:
        super().apply(r)
        r.performed_on = self.performed_on


class ListingExtended(DomainEvent):
    """A dishonest judgment debtor's listing extended by ``years``: its publicity window ends
    later (``window``)."""

    years: int
    reasons: str
    window: PublicityDates

    def apply(self, r: CreditRecord) -> None:
        r.listing_extension_years += self.years
        r.publicity_starts, r.publicity_min_end = self.window.starts, self.window.min_end
        r.publicity_max_end, r.published = self.window.max_end, self.window.published


class SanctionImposed(DomainEvent):
    number: int
    kind: SanctionKind
    months: int
    starts_on: date
    ends_on: date

    def apply(self, r: CreditRecord) -> None:
        r.sanctions[self.number] = Sanction(
            self.number, self.kind, self.months, self.starts_on, self.ends_on
        )


class SanctionLifted(DomainEvent):
    number: int
    reason: str

    def apply(self, r: CreditRecord) -> None:
        r.sanctions[self.number].lifted = True
        r.sanctions[self.number].lifted_because = self.reason


class SanctionRestored(DomainEvent):
    """A sanction lifted by a repair that was then revoked, in force again until ``ends_on``
    (its own period end, unchanged)."""

    number: int
    ends_on: date
    reason: str

    def apply(self, r: CreditRecord) -> None:
        r.sanctions[self.number].lifted = False
        r.sanctions[self.number].lifted_because = None


class MitigationRecorded(DomainEvent):
    kind: MitigationKind
    legal_basis: str

    def apply(self, r: CreditRecord) -> None:
        r.mitigations.append(self.kind)


class ReminderSent(DomainEvent):
    key: str
    working_days_before: int


class DeadlineAwaitsCalendar(DeadlineEvent):
    """A deadline's due date waits for calendar years not yet published (``starts.awaiting``).

    Recorded with the step that started the deadline, and again when publishing a year showed
    that the count reaches a later unpublished year; publishing a year looks these up.
    """


class DeadlineDated(DeadlineEvent):
    """A waiting deadline's due date, counted once its calendar years were published; it
    records the calendar version that fixed it."""


class DeadlinesClosed(DeadlineEvent):
    """The record ended (revoked, repaired, publicity expired): its open deadlines close with it.

    Withdrawal and deletion close them in their own events."""

    reason: str


class DeadlineMissed(DomainEvent):
    key: str

    def apply(self, r: CreditRecord) -> None:
        r.deadlines[self.key] = r.deadlines[self.key].model_copy(update={"overdue": True})


class DeadlineUrged(DomainEvent):
    key: str

    def apply(self, r: CreditRecord) -> None:
        r.deadlines[self.key] = r.deadlines[self.key].model_copy(update={"urged": True})


class DeadlineEscalated(DomainEvent):
    key: str
    to: str

    def apply(self, r: CreditRecord) -> None:
        r.deadlines[self.key] = r.deadlines[self.key].model_copy(update={"escalated": True})
