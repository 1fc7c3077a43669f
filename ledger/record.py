"""The credit record (政务失信记录): its state and every step of its life.

Public methods check the rules against the current state and raise ``LifecycleError`` (or a
``ValidationError``/``PermissionDeniedError``) for an impossible step; the events in
``ledger.record_events`` only change state. A step that starts a deadline records it (due date,
rule set, calendar version) in its event; later steps close it. Steps the system takes on its
own (overdue, urged, escalated, expired, lifted) return ``None`` when already taken, so a retry
never records a fact twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ledger import record_events as ev
from ledger.calendar import WorkingCalendar
from ledger.clock import business_date
from ledger.deadline_keys import DeadlineKey, ObjectionStep, RepairStep
from ledger.errors import (
    CalendarUnavailableError,
    LifecycleError,
    PermissionDeniedError,
    ValidationError,
)
from ledger.events import SYSTEM as SYSTEM_ACTOR
from ledger.events import Actor, Aggregate, E, Immutable, Role
from ledger.rules import RuleSet
from ledger.values import (
    Category,
    Deadline,
    DeadlineKind,
    MitigationKind,
    Objection,
    ObjectionOutcome,
    Organisation,
    PeriodUnit,
    ReconsiderationKind,
    ReconsiderationOutcome,
    RecordStatus,
    Repair,
    Sanction,
    SanctionKind,
    StepStatus,
)

RecordContent = ev.RecordContent
SOURCE, OFFICIAL, REVIEWER, SYSTEM = (
    Role.SOURCE_DEPARTMENT,
    Role.SUBJECT_OFFICIAL,
    Role.PLATFORM_REVIEWER,
    Role.SYSTEM,
)


class SanctionOrder(Immutable):
    kind: SanctionKind
    months: int
    starts_on: date | None = None
    """The day the decision takes effect; the decision date when not given."""


# 政务处分法: a restriction of promotion concerns a person; the others any subject.
_SANCTIONS_FOR: dict[SanctionKind, tuple[str, ...]] = {
    SanctionKind.PROMOTION_RESTRICTION: ("civil_servant",),
    SanctionKind.HONOURS_DISQUALIFICATION: ("body", "civil_servant"),
    SanctionKind.PUBLIC_CRITICISM: ("body", "civil_servant"),
}


@dataclass
class Schedule:
    """The rules and calendar a command computes its due dates with.

    A period that reaches a calendar year not yet published gives a *waiting* deadline (no due
    date, the years it waits for, and what it needs to be counted later); the step that starts
    it is recorded all the same.
    """

    rules: RuleSet
    calendar: WorkingCalendar

    def working(self, key: str, kind: DeadlineKind, start: date, n: int, party: str) -> Deadline:
        return self.period(key, kind, start, n, PeriodUnit.WORKING_DAYS, party)

    def days(self, key: str, kind: DeadlineKind, start: date, n: int, party: str) -> Deadline:
        return self.period(key, kind, start, n, PeriodUnit.DAYS, party)

    def period(self, key: str, kind: DeadlineKind, start: date, n: int, unit: PeriodUnit,
               party: str) -> Deadline:
        """``n`` working or calendar days from ``start``, or waiting for the years it needs."""
        working = unit is PeriodUnit.WORKING_DAYS
        try:
            due: date | None = (self.calendar.add_working_days(start, n) if working
                                else self.calendar.add_days(start, n))
            awaiting: tuple[int, ...] = ()
        except CalendarUnavailableError:
            due, awaiting = None, self.calendar.missing_years(start, n, working)
        return Deadline(
            key=key, kind=kind, starts_on=start, due=due, rule_set_id=self.rules.id,
            calendar_version=self.calendar.version, party=party, length=n, unit=unit,
            awaiting=awaiting,
        )

    def deadline(self, key: str, kind: DeadlineKind, start: date, due: date, party: str) -> (
        Deadline
    ):
        """A deadline whose due date is given (set in an order), not counted."""
        return Deadline(
            key=key, kind=kind, starts_on=start, due=due, rule_set_id=self.rules.id,
            calendar_version=self.calendar.version, party=party,
        )

    def recount(self, deadline: Deadline) -> Deadline:
        """A waiting deadline counted again with this calendar: dated, or still waiting."""
        if deadline.length is None or deadline.unit is None:
            raise ValueError(f"deadline {deadline.key} has no period to count")
        return self.period(deadline.key, deadline.kind, deadline.starts_on, deadline.length,
                           deadline.unit, deadline.party)

    def extend(self, current: Deadline, working_days: int) -> Deadline:
        """``current`` moved ``working_days`` later; counted on from its start when it is still
        waiting (the n-th working day after the m-th is the (m+n)-th)."""
        if current.due is not None:
            try:
                due = self.calendar.add_working_days(current.due, working_days)
            except CalendarUnavailableError:
                pass
            else:
                return self.deadline(current.key, current.kind, current.starts_on, due,
                                     current.party).model_copy(
                    update={"length": current.length, "unit": current.unit})
        if current.length is not None and current.unit is PeriodUnit.WORKING_DAYS:
            return self.period(current.key, current.kind, current.starts_on,
                               current.length + working_days, current.unit, current.party)
        # A due date set before periods were recorded: count on from it.
        assert current.due is not None
        return self.period(current.key, current.kind, current.due, working_days,
                           PeriodUnit.WORKING_DAYS, current.party)


def earliest_due(deadline: Deadline) -> date:
    """The due date, or for a waiting deadline the earliest it can turn out to be."""
    if deadline.due is not None:
        return deadline.due
    return deadline.starts_on + timedelta(days=deadline.length or 0)


def _require_organisation(actor: Actor, forwarded_to: str | None, what: str,
                          number: int) -> None:
    """Only the organisation a matter was forwarded to decides it."""
    if forwarded_to is not None and actor.subject != forwarded_to:
        raise PermissionDeniedError(
            f"{what} {number} was forwarded to {forwarded_to}; only that organisation decides it")


def _historical(deadline: Deadline, today: date) -> Deadline:
    """A deadline of a migrated record that ended before it reached this ledger: kept as a
    fact, never opened."""
    if deadline.due is not None and deadline.due < today:
        return deadline.model_copy(update={"historical": True})
    return deadline


_CORRECTING = (ObjectionOutcome.CORRECTED, ObjectionOutcome.SUPPLEMENTED)
_FAVOURABLE = (*_CORRECTING, ObjectionOutcome.DELETED, ObjectionOutcome.PUBLICITY_STOPPED)


def _require_not_passed(deadline: Deadline, at: datetime) -> None:
    """An extension is approved before the deadline passes, never after."""
    if deadline.due is not None and business_date(at) > deadline.due:
        raise LifecycleError(f"deadline {deadline.key} passed on {deadline.due}; it can no "
                             "longer be extended", field="key")


def _review_until(schedule: Schedule, decided_on: date) -> date | None:
    """The last day to request a review, or ``None`` while the calendar cannot tell it."""
    try:
        return schedule.calendar.add_days(decided_on, schedule.rules.review_request_days)
    except CalendarUnavailableError:
        return None


def _years(deadline: Deadline) -> str:
    return ", ".join(str(year) for year in deadline.awaiting) or "next year's"


def _objection_key(number: int, step: ObjectionStep) -> str:
    return str(DeadlineKey.objection(number, step))


def _repair_key(number: int, step: RepairStep) -> str:
    return str(DeadlineKey.repair(number, step))


Application = TypeVar("Application", Objection, Repair)


def _numbered(applications: dict[int, Application], number: int, expected: tuple[StepStatus, ...],
              step: str, name: str, short: str) -> Application:
    """Objection or repair application ``number``, refused unless its status is one of
    ``expected`` (any, when none is)."""
    found = applications.get(number)
    if found is None:
        raise ValidationError(f"no {name} number {number}", field="number")
    if expected and found.status not in expected:
        raise LifecycleError(
            f"cannot {step}: {short} {number} is {found.status.value}", field="number"
        )
    return found


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse an actor whose role may not take the step.

    No role is implied: administrators administer (accounts, calendar years, rule sets,
    subjects) and take a step only where ``roles`` names them.
    """
    if actor.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise PermissionDeniedError(f"role {actor.role.value} may not do this (needs {allowed})")


class CreditRecord(Aggregate):
    """One record of dishonesty by a government body or civil servant, and its life."""

    content: RecordContent
    rule_set_id: str
    filed_on: date
    content_digest: str
    status: RecordStatus
    published: bool
    publicity_starts: date
    publicity_min_end: date
    publicity_max_end: date
    under_objection: bool
    under_reconsideration: ReconsiderationKind | None
    explanation: StepStatus | None
    rectification: StepStatus | None
    rectification_extensions: int
    deadlines: dict[str, Deadline]
    objections: dict[int, Objection]
    repairs: dict[int, Repair]
    sanctions: dict[int, Sanction]
    mitigations: list[MitigationKind]
    corrections: int
    publicity_stopped: bool
    reconsideration_outcome: ReconsiderationOutcome | None
    performed_on: date | None
    listing_extension_years: int
    repair_barred_until: date | None

    # -- filing -------------------------------------------------------------------------------

    @classmethod
    def file(
        cls,
        *,
        content: RecordContent,
        content_digest: str,
        actor: Actor,
        at: datetime,
        schedule: Schedule,
        record_id: Any,
        request_explanation: bool,
        rectification: str | None,
        rectification_due: date | None,
        sanctions: list[SanctionOrder],
        filed_on: date | None = None,
        sanctioned_elsewhere: int = 0,
    ) -> CreditRecord:
        """File a record; ``filed_on`` is the original filing day of a record migrated from
        an earlier system: its deadlines count from that day, and those that ended before
        today are recorded as historical and start nothing. ``sanctioned_elsewhere``: months
        of sanctions in force on the same person from other records (see ``impose_sanction``).
        """
        require_role(actor, SOURCE)
        rules, today = schedule.rules, business_date(at)
        filed = filed_on or today
        window = rules.publicity_window(content.category, content.severity, content.matter,
                                        *content.more_matters)
        start = content.decision_date
        record = cls.create(
            ev.RecordFiled, record_id, actor, at,
            content=content, rule_set_id=rules.id, filed_on=filed,
            content_digest=content_digest, publicity_starts=start,
            publicity_min_end=schedule.calendar.add_months(start, window.min_months),
            publicity_max_end=schedule.calendar.add_months(start, window.max_months),
        )
        public = content.scope == "public" and content.subject_type == "body"
        if public and window.published and record.publicity_max_end >= today:
            record.trigger(ev.Published, actor, at)
        party = content.subject_code
        if request_explanation:
            record.trigger(ev.ExplanationRequested, actor, at, starts=_historical(
                schedule.working("explanation", DeadlineKind.EXPLANATION, filed,
                                 rules.explanation_working_days, party), today))
        if rectification is not None:
            record._order_rectification(actor, at, schedule, rectification, rectification_due,
                                        filed)
        for order in sanctions:
            record.impose_sanction(actor, at, schedule, order, sanctioned_elsewhere)
        return record

    def _order_rectification(
        self, actor: Actor, at: datetime, schedule: Schedule, requirement: str, due: date | None,
        filed: date,
    ) -> None:
        today = filed
        kind, party = DeadlineKind.RECTIFICATION, self.content.subject_code
        if due is None:
            deadline = schedule.days(
                "rectification", kind, today, schedule.rules.rectification_days, party
            )
        elif due <= today:
            raise ValidationError("must be after the filing date", field="rectification_due")
        else:
            deadline = schedule.deadline("rectification", kind, today, due, party)
        self.trigger(ev.RectificationOrdered, actor, at, requirement=requirement,
                     starts=_historical(deadline, business_date(at)))

    # -- queries ------------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is RecordStatus.IN_FORCE

    @property
    def sanction_months_total(self) -> int:
        return sum(s.months for s in self.sanctions.values())

    def open_objection(self) -> Objection | None:
        for objection in self.objections.values():
            if objection.status not in (StepStatus.REJECTED, StepStatus.DECIDED):
                return objection
        return None

    def open_repair(self) -> Repair | None:
        for repair in self.repairs.values():
            if repair.status in (StepStatus.FILED, StepStatus.FORWARDED):
                return repair
        return None

    def _require_active(self, step: str) -> None:
        if not self.is_active:
            raise LifecycleError(f"cannot {step}: the record is {self.status.value}")

    def _objection(self, number: int, *expected: StepStatus, step: str) -> Objection:
        return _numbered(self.objections, number, expected, step, "objection", "objection")

    def _require_decider(self, to: Organisation) -> None:
        """谁认定谁修复: objections and repairs go to the authority that decided the record,
        or to the department that filed it."""
        deciders = {self.content.deciding_authority.code, self.content.source.code}
        if to.code not in deciders:
            raise ValidationError(
                "must be the record's deciding authority "
                f"({self.content.deciding_authority.name}) or its source department",
                field="to.code")

    def deciders(self) -> set[str]:
        """Organisations with an objection or repair application forwarded to them now."""
        pending: list[Objection | Repair] = [*self.objections.values(), *self.repairs.values()]
        return {p.forwarded_to for p in pending
                if p.forwarded_to and p.status is StepStatus.FORWARDED}

    def _repair(self, number: int, *expected: StepStatus, step: str) -> Repair:
        return _numbered(self.repairs, number, expected, step, "repair application", "repair")

    def _forward(self, event_class: type[ev.ObjectionForwarded | ev.RepairForwarded],
                 actor: Actor, at: datetime, schedule: Schedule, number: int, to: Organisation,
                 family: str, kind: DeadlineKind, working_days: int) -> None:
        """Send objection or repair application ``number`` (its deadlines' ``family``) to
        ``to`` to decide: its decision deadline starts, its forwarding deadline closes."""
        self._require_decider(to)
        starts = schedule.working(str(DeadlineKey(family, number, "decision")), kind,
                                  business_date(at), working_days, to.code)
        self.trigger(event_class, actor, at, number=number, to=to, starts=starts,
                     closes=(str(DeadlineKey(family, number, "forwarding")),))

    # -- explanation and rectification ---------------------------------------------------------

    def submit_explanation(self, actor: Actor, at: datetime, text: str) -> None:
        require_role(actor, OFFICIAL)
        self._require_active("submit an explanation")
        if self.explanation is not StepStatus.OPEN:
            raise LifecycleError("no written explanation is requested of this record")
        self.trigger(ev.ExplanationSubmitted, actor, at, text=text, closes=("explanation",))

    def _require_rectification(self, *expected: StepStatus, step: str) -> None:
        self._require_active(step)
        if self.rectification not in expected:
            state = self.rectification.value if self.rectification else "not ordered"
            raise LifecycleError(f"cannot {step}: rectification is {state}")

    def submit_rectification_plan(self, actor: Actor, at: datetime, plan: str) -> None:
        require_role(actor, OFFICIAL)
        self._require_rectification(StepStatus.OPEN, step="submit a rectification plan")
        self.trigger(ev.RectificationPlanSubmitted, actor, at, plan=plan)

    def report_rectification_completion(self, actor: Actor, at: datetime, report: str) -> None:
        require_role(actor, OFFICIAL)
        self._require_rectification(StepStatus.PLAN_SUBMITTED, step="report completion")
        self.trigger(ev.RectificationCompletionReported, actor, at, report=report)

    def verify_rectification(self, actor: Actor, at: datetime) -> None:
        require_role(actor, SOURCE)
        self._require_rectification(StepStatus.COMPLETION_REPORTED, step="verify rectification")
        self.trigger(ev.RectificationVerified, actor, at, closes=("rectification",))

    def reject_rectification(self, actor: Actor, at: datetime, reasons: str) -> None:
        require_role(actor, SOURCE)
        self._require_rectification(StepStatus.COMPLETION_REPORTED, step="reject rectification")
        self.trigger(ev.RectificationRejected, actor, at, reasons=reasons)

    def extend_rectification(
        self, actor: Actor, at: datetime, schedule: Schedule, new_due: date, reasons: str
    ) -> None:
        require_role(actor, SOURCE, REVIEWER)
        open_steps = (StepStatus.OPEN, StepStatus.PLAN_SUBMITTED, StepStatus.COMPLETION_REPORTED)
        self._require_rectification(*open_steps, step="extend rectification")
        if self.rectification_extensions >= schedule.rules.rectification_extensions:
            raise LifecycleError(
                f"rectification may be extended {schedule.rules.rectification_extensions} "
                "time(s) only; a second extension is not allowed"
            )
        current = self.deadlines["rectification"]
        _require_not_passed(current, at)
        if new_due <= earliest_due(current):
            known = "the current due date" if current.due else "the earliest the due date can be"
            raise ValidationError(f"must be after {known}, {earliest_due(current)}",
                                  field="new_due")
        starts = schedule.deadline(current.key, current.kind, current.starts_on, new_due,
                                   current.party)
        self.trigger(ev.RectificationExtended, actor, at, starts=starts, reasons=reasons)

    # -- objection and review ------------------------------------------------------------------

    def file_objection(self, actor: Actor, at: datetime, schedule: Schedule, grounds: str) -> int:
        require_role(actor, OFFICIAL)
        self._require_active("file an objection")
        if self.open_objection() is not None:
            raise LifecycleError("an objection to this record is already being handled")
        number, today = len(self.objections) + 1, business_date(at)
        starts = schedule.working(
            _objection_key(number, "mark"), DeadlineKind.OBJECTION_MARK, today,
            schedule.rules.objection_mark_working_days, "platform",
        )
        case = schedule.working(
            _objection_key(number, "case"), DeadlineKind.OBJECTION_CASE, today,
            schedule.rules.objection_case_working_days, "platform",
        )
        self.trigger(ev.ObjectionFiled, actor, at, number=number, grounds=grounds, starts=starts,
                     case=case)
        return number

    def mark_objection(self, actor: Actor, at: datetime, schedule: Schedule, number: int) -> None:
        require_role(actor, REVIEWER, SYSTEM)
        self._require_active("mark an objection")
        objection = self._objection(number, StepStatus.FILED, step="mark the record")
        # Acceptance is counted from receipt of the objection, not from the mark.
        starts = schedule.working(
            _objection_key(number, "acceptance"), DeadlineKind.OBJECTION_ACCEPTANCE,
            objection.filed_on or business_date(at),
            schedule.rules.objection_acceptance_working_days, "platform",
        )
        self.trigger(ev.ObjectionMarked, actor, at, number=number, starts=starts,
                     closes=(_objection_key(number, "mark"),))

    def accept_objection(self, actor: Actor, at: datetime, schedule: Schedule, number: int) -> (
        None
    ):
        require_role(actor, REVIEWER)
        self._require_active("accept an objection")
        self._objection(number, StepStatus.MARKED, step="accept it")
        starts = schedule.working(
            _objection_key(number, "forwarding"), DeadlineKind.OBJECTION_FORWARDING,
            business_date(at), schedule.rules.objection_forwarding_working_days, "platform",
        )
        self.trigger(ev.ObjectionAccepted, actor, at, number=number, starts=starts,
                     closes=(_objection_key(number, "acceptance"),))

    def reject_objection(self, actor: Actor, at: datetime, number: int, reasons: str) -> None:
        require_role(actor, REVIEWER)
        self._require_active("reject an objection")
        self._objection(number, StepStatus.MARKED, step="reject it")
        self.trigger(ev.ObjectionRejected, actor, at, number=number, reasons=reasons,
                     closes=(_objection_key(number, "acceptance"), _objection_key(number, "case")))

    def forward_objection(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, to: Organisation
    ) -> None:
        require_role(actor, REVIEWER)
        self._require_active("forward an objection")
        self._objection(number, StepStatus.ACCEPTED, step="forward it")
        self._forward(ev.ObjectionForwarded, actor, at, schedule, number, to, "objection",
                      DeadlineKind.OBJECTION_DECISION,
                      schedule.rules.objection_decision_working_days)

    def extend_objection(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, working_days: int,
        reasons: str,
    ) -> None:
        require_role(actor, REVIEWER)
        self._require_active("extend an objection")
        objection = self._objection(number, StepStatus.FORWARDED, step="extend it")
        if working_days < 1:
            raise ValidationError("must be at least 1", field="working_days")
        cap = schedule.rules.objection_extension_cap_working_days
        if objection.extension_used + working_days > cap:
            raise LifecycleError(
                f"extensions would total {objection.extension_used + working_days} working days, "
                f"over the cap of {cap}", field="working_days",
            )
        current = self.deadlines[_objection_key(number, "decision")]
        _require_not_passed(current, at)
        starts = schedule.extend(current, working_days)
        case = self.deadlines.get(_objection_key(number, "case"))
        self.trigger(ev.ObjectionExtended, actor, at, number=number, working_days=working_days,
                     reasons=reasons, starts=starts,
                     case=None if case is None else schedule.extend(case, working_days))

    def decide_objection(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int,
        outcome: ObjectionOutcome, reasons: str, changes: ev.ContentChanges | None,
    ) -> None:
        require_role(actor, SOURCE)
        self._require_active("decide an objection")
        objection = self.objections.get(number)
        if objection is not None and objection.status in (StepStatus.FILED, StepStatus.MARKED,
                                                          StepStatus.ACCEPTED):
            raise LifecycleError(
                f"objection {number} was never forwarded to the source department",
                field="number",
            )
        forwarded = self._objection(number, StepStatus.FORWARDED, step="decide it")
        _require_organisation(actor, forwarded.forwarded_to, "objection", number)
        corrects = outcome in (ObjectionOutcome.CORRECTED, ObjectionOutcome.SUPPLEMENTED)
        if corrects and not (changes and changes.named()):
            raise ValidationError(f"must say what changed when the outcome is {outcome.value}",
                                  field="changes")
        if changes and changes.named() and not corrects:
            raise ValidationError(f"a decision {outcome.value} changes no field",
                                  field="changes")
        until = _review_until(schedule, business_date(at))
        changes = changes or ev.ContentChanges()
        self.trigger(ev.ObjectionDecided, actor, at, number=number, outcome=outcome,
                     reasons=reasons, changes=changes, review_request_until=until,
                     window=self._recounted_window(schedule, changes, at),
                     closes=(_objection_key(number, "decision"), _objection_key(number, "case")))
        if outcome is ObjectionOutcome.DELETED:
            self._lift_sanctions(actor, at, "deleted")

    def request_review(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, grounds: str
    ) -> None:
        require_role(actor, OFFICIAL)
        objection = self._objection(number, StepStatus.DECIDED, StepStatus.REJECTED,
                                    step="request a review")
        if objection.review is not None:
            raise LifecycleError(f"objection {number} has already been reviewed", field="number")
        today = business_date(at)
        until = objection.review_until
        if until is None and objection.decided_on is not None:
            until = _review_until(schedule, objection.decided_on)
        # While the calendar cannot tell when the period ends, it cannot be shown to have ended.
        if until is not None and today > until:
            raise LifecycleError(
                f"the period to request a review ended on {until}", field="number",
            )
        starts = schedule.working(
            _objection_key(number, "review"), DeadlineKind.REVIEW_DECISION, today,
            schedule.rules.review_decision_working_days, "platform",
        )
        self.trigger(ev.ReviewRequested, actor, at, number=number, grounds=grounds, starts=starts)

    def decide_review(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, upheld: bool,
        reasons: str, outcome: ObjectionOutcome | None = None,
        changes: ev.ContentChanges | None = None,
    ) -> None:
        """Decide a review: upheld, the first outcome stands; in the subject's favour,
        ``outcome`` (correction, deletion, stop of publicity) applies as a first decision."""
        require_role(actor, REVIEWER)
        objection = self._objection(number, StepStatus.DECIDED, StepStatus.REJECTED,
                                    step="decide a review")
        if objection.review is not StepStatus.OPEN:
            raise LifecycleError(f"no review of objection {number} is pending", field="number")
        changes = changes or ev.ContentChanges()
        if upheld:
            if outcome is not None or changes.named():
                raise ValidationError("an upheld review changes nothing", field="outcome")
        elif outcome not in _FAVOURABLE:
            raise ValidationError("a review in the subject's favour must say what follows: "
                                  + ", ".join(o.value for o in _FAVOURABLE), field="outcome")
        elif outcome in _CORRECTING and not changes.named():
            raise ValidationError(f"must say what changed when the outcome is {outcome.value}",
                                  field="changes")
        self.trigger(ev.ReviewDecided, actor, at, number=number, upheld=upheld, reasons=reasons,
                     outcome=outcome, changes=changes,
                     window=self._recounted_window(schedule, changes, at),
                     closes=(_objection_key(number, "review"),))
        if outcome is ObjectionOutcome.DELETED:
            self._lift_sanctions(actor, at, "deleted")

    # -- reconsideration, withdrawal, correction -----------------------------------------------

    def mark_reconsideration(
        self, actor: Actor, at: datetime, kind: ReconsiderationKind, case_number: str
    ) -> None:
        require_role(actor, SOURCE, OFFICIAL)
        self._require_active("mark reconsideration or litigation")
        if self.under_reconsideration is not None:
            raise LifecycleError(f"the record is already under {self.under_reconsideration.value}")
        self.trigger(ev.ReconsiderationMarked, actor, at, kind=kind, case_number=case_number)

    def conclude_reconsideration(
        self, actor: Actor, at: datetime, schedule: Schedule, outcome: ReconsiderationOutcome
    ) -> None:
        require_role(actor, SOURCE)
        if self.under_reconsideration is None:
            raise LifecycleError("the record is not under reconsideration or litigation")
        starts = None
        if outcome is not ReconsiderationOutcome.UPHELD:
            starts = schedule.working(
                "revocation", DeadlineKind.REVOCATION, business_date(at),
                schedule.rules.revocation_working_days, self.content.source.code,
            )
        if outcome is ReconsiderationOutcome.REVOKED:
            # The decision is gone: nothing the record set running may go on.
            self._close_deadlines(actor, at, "revoked")
            self._lift_sanctions(actor, at, "revoked")
        self.trigger(ev.ReconsiderationConcluded, actor, at, outcome=outcome, starts=starts)

    def withdraw(self, actor: Actor, at: datetime, reasons: str) -> None:
        """Withdraw the record; one repaired or expired meanwhile may still be withdrawn when
        its decision was revoked, so the revocation deadline can always be met."""
        require_role(actor, SOURCE)
        revoked = "revocation" in self.deadlines and self.status in (
            RecordStatus.REPAIRED, RecordStatus.EXPIRED)
        if not revoked:
            self._require_active("withdraw the record")
        self.trigger(ev.Withdrawn, actor, at, reasons=reasons)
        self._lift_sanctions(actor, at, "withdrawn")

    def correct(self, actor: Actor, at: datetime, schedule: Schedule,
                changes: ev.ContentChanges, reasons: str) -> None:
        """Correct named fields of the content; a changed severity, category, matter or
        decision date recounts the publicity window under the record's own rule set."""
        require_role(actor, SOURCE)
        self._require_active("correct the record")
        if not changes.named():
            raise ValidationError("must name at least one changed field", field="changes")
        # A changed decision is met by correcting the record; a revoked one only by withdrawing.
        changed = self.reconsideration_outcome is ReconsiderationOutcome.CHANGED
        self.trigger(ev.Corrected, actor, at, changes=changes, reasons=reasons,
                     window=self._recounted_window(schedule, changes, at),
                     closes=("revocation",) if changed else ())

    def _recounted_window(self, schedule: Schedule, changes: ev.ContentChanges,
                          at: datetime) -> ev.PublicityDates | None:
        """The publicity window after the changes, or ``None`` when they leave it as it is."""
        named = changes.named()
        if not named.keys() & {"severity", "category", "matter", "decision_date"}:
            return None
        content = self.content.model_copy(update=named)
        window = schedule.rules.publicity_window(content.category, content.severity,
                                                 content.matter, *content.more_matters)
        start = content.decision_date
        extension = (12 * self.listing_extension_years
                     if content.category is Category.DISHONEST_JUDGMENT_DEBTOR else 0)
        max_end = schedule.calendar.add_months(start, window.max_months + extension)
        public = content.scope == "public" and content.subject_type == "body"
        return ev.PublicityDates(
            starts=start, min_end=schedule.calendar.add_months(start, window.min_months),
            max_end=max_end, published=public and window.published and self.is_active
            and not self.publicity_stopped and max_end >= business_date(at),
        )

    def _close_deadlines(self, actor: Actor, at: datetime, reason: str,
                         keep: tuple[str, ...] = ()) -> None:
        """Close every open deadline (but ``keep``) because the record ended."""
        keys = tuple(key for key in self.deadlines if key not in keep)
        if keys:
            self.trigger(ev.DeadlinesClosed, actor, at, closes=keys, reason=reason)

    def _lift_sanctions(self, actor: Actor, at: datetime, reason: str) -> None:
        for sanction in self.sanctions.values():
            if not sanction.lifted:
                self.trigger(ev.SanctionLifted, actor, at, number=sanction.number, reason=reason)

    # -- repair ---------------------------------------------------------------------------------

    def apply_for_repair(
        self, actor: Actor, at: datetime, schedule: Schedule, commitment: str,
        subject_applications: int, barred_until: date | None = None,
    ) -> int:
        """Apply for repair; ``subject_applications`` counts the applications the subject made
        on all its records under this record's rule set, which its repeat limit caps;
        ``barred_until`` is the last day of a bar after a repair of the subject's was revoked
        for false material."""
        require_role(actor, OFFICIAL)
        self._require_active("apply for credit repair")
        today = business_date(at)
        if barred_until is not None and today <= barred_until:
            raise LifecycleError("a repair of this subject was revoked for false material; it "
                                 f"may not apply for repair again until after {barred_until}")
        if today <= self.publicity_min_end:
            raise LifecycleError(
                f"repair is possible from the day after the minimum publicity period, "
                f"which ends on {self.publicity_min_end}"
            )
        if self.open_repair() is not None:
            raise LifecycleError("a repair application for this record is already open")
        if self.rectification in (StepStatus.OPEN, StepStatus.PLAN_SUBMITTED,
                                  StepStatus.COMPLETION_REPORTED):
            raise LifecycleError("repair needs the rectification verified first; it is "
                                 f"{self.rectification.value}")
        limit = schedule.rules.repair_repeat_limit
        if limit is not None and subject_applications >= limit:
            raise LifecycleError(f"at most {limit} repair applications by a subject are "
                                 f"allowed under {schedule.rules.id}; it made "
                                 f"{subject_applications}")
        number, rules = len(self.repairs) + 1, schedule.rules
        forwarding = schedule.working(
            _repair_key(number, "forwarding"), DeadlineKind.REPAIR_FORWARDING, today,
            rules.repair_forwarding_working_days, "platform",
        )
        answer = schedule.working(
            _repair_key(number, "answer"), DeadlineKind.REPAIR_ANSWER, today,
            rules.repair_answer_working_days, "platform",
        )
        self.trigger(ev.RepairApplied, actor, at, number=number, commitment=commitment,
                     starts=forwarding, answer=answer)
        return number

    def forward_repair(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, to: Organisation
    ) -> None:
        require_role(actor, REVIEWER)
        self._require_active("forward a repair application")
        self._repair(number, StepStatus.FILED, step="forward it")
        self._forward(ev.RepairForwarded, actor, at, schedule, number, to, "repair",
                      DeadlineKind.REPAIR_DECISION, schedule.rules.repair_decision_working_days)

    def extend_repair(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, reasons: str
    ) -> None:
        require_role(actor, REVIEWER, SOURCE)
        self._require_active("extend a repair application")
        repair = self._repair(number, StepStatus.FILED, StepStatus.FORWARDED, step="extend it")
        if repair.extended:
            raise LifecycleError("a repair application may be extended once; "
                                 "a second extension is not allowed")
        answer, more = self.deadlines[_repair_key(number, "answer")], (
            schedule.rules.repair_extension_working_days)
        _require_not_passed(answer, at)
        decision = self.deadlines.get(_repair_key(number, "decision"))
        self.trigger(ev.RepairExtended, actor, at, number=number, reasons=reasons,
                     starts=schedule.extend(answer, more),
                     decision=None if decision is None else schedule.extend(decision, more))

    def decide_repair(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, approved: bool,
        reasons: str,
    ) -> None:
        require_role(actor, SOURCE)
        self._require_active("decide a repair application")
        repair = self._repair(number, step="decide it")
        if repair.status is StepStatus.FILED:
            raise LifecycleError(f"repair application {number} was never forwarded",
                                 field="number")
        forwarded = self._repair(number, StepStatus.FORWARDED, step="decide it")
        _require_organisation(actor, forwarded.forwarded_to, "repair application", number)
        starts = None
        if approved:
            starts = schedule.working(
                _repair_key(number, "propagation"), DeadlineKind.REPAIR_PROPAGATION,
                business_date(at), schedule.rules.repair_propagation_working_days, "platform",
            )
        closes = (_repair_key(number, "decision"), _repair_key(number, "answer"))
        self.trigger(ev.RepairDecided, actor, at, number=number, approved=approved,
                     reasons=reasons, starts=starts, closes=closes)
        if approved:
            self._close_deadlines(actor, at, "repaired",
                                  keep=(_repair_key(number, "propagation"),))
            self._lift_sanctions(actor, at, "repaired")

    def revoke_repair(
        self, actor: Actor, at: datetime, schedule: Schedule, number: int, reasons: str,
        finding: str,
    ) -> None:
        """Revoke an approved repair obtained with false material: only the authority that
        approved it may. The record is in force and shown again until its original publicity
        end; sanctions the repair lifted come back while their period runs; the subject is
        barred from applying again for the rule set's ``repair_revocation_bar_months``."""
        require_role(actor, SOURCE)
        repair = self._repair(number, StepStatus.APPROVED, StepStatus.DONE, step="revoke it")
        if actor.subject != repair.forwarded_to:
            raise PermissionDeniedError(f"repair {number} was approved by {repair.forwarded_to}; "
                                        "only that organisation may revoke it")
        if self.status is not RecordStatus.REPAIRED:
            raise LifecycleError(f"cannot revoke the repair: the record is {self.status.value}")
        today, content = business_date(at), self.content
        window = schedule.rules.publicity_window(content.category, content.severity,
                                                 content.matter, *content.more_matters)
        public = content.scope == "public" and content.subject_type == "body"
        shown = ev.PublicityDates(
            starts=self.publicity_starts, min_end=self.publicity_min_end,
            max_end=self.publicity_max_end,
            published=public and window.published and not self.publicity_stopped
            and today <= self.publicity_max_end)
        barred = schedule.calendar.add_months(today, schedule.rules.repair_revocation_bar_months)
        propagation = _repair_key(number, "propagation")
        self.trigger(ev.RepairRevoked, actor, at, number=number, reasons=reasons,
                     finding=finding, window=shown, barred_until=barred,
                     closes=(propagation,) if propagation in self.deadlines else ())
        for sanction in self.sanctions.values():
            if sanction.lifted_because == "repaired" and today <= sanction.ends_on:
                self.trigger(ev.SanctionRestored, actor, at, number=sanction.number,
                             ends_on=sanction.ends_on, reason="repair_revoked")

    def propagate_repair(
        self, actor: Actor, at: datetime, number: int, platforms: tuple[str, ...]
    ) -> None:
        require_role(actor, REVIEWER, SYSTEM)
        self._repair(number, StepStatus.APPROVED, step="propagate it")
        self.trigger(ev.RepairPropagated, actor, at, number=number, platforms=platforms,
                     closes=(_repair_key(number, "propagation"),))

    # -- dishonest judgment debtors (失信被执行人) -----------------------------------------------

    def _require_debtor(self, step: str) -> None:
        if self.content.category is not Category.DISHONEST_JUDGMENT_DEBTOR:
            raise LifecycleError(f"cannot {step}: the record is not a dishonest judgment "
                                 f"debtor's listing but {self.content.category.value}",
                                 field="record_id")

    def record_performance(self, actor: Actor, at: datetime, schedule: Schedule,
                           performed_on: date | None) -> None:
        """The debtor performed: the source department removes the listing within the rule
        set's working days of the performance (SPC 2017 rules, art. 10)."""
        require_role(actor, SOURCE)
        self._require_active("record performance")
        self._require_debtor("record performance")
        if self.performed_on is not None:
            raise LifecycleError(f"performance was already recorded, on {self.performed_on}")
        today = business_date(at)
        performed = performed_on or today
        if performed > today:
            raise ValidationError("must not be in the future", field="performed_on")
        if performed < self.content.decision_date:
            raise ValidationError("must not be before the decision date", field="performed_on")
        starts = schedule.working("listing-removal", DeadlineKind.LISTING_REMOVAL, performed,
                                  schedule.rules.listing_removal_working_days,
                                  self.content.source.code)
        self.trigger(ev.PerformanceRecorded, actor, at, performed_on=performed, starts=starts)

    def extend_listing(self, actor: Actor, at: datetime, schedule: Schedule, years: int,
                       reasons: str) -> None:
        """Extend a listing once by one year up to the rule set's maximum (SPC 2017 rules,
        art. 2); its publicity window ends that much later."""
        require_role(actor, SOURCE)
        self._require_active("extend the listing")
        self._require_debtor("extend the listing")
        if self.performed_on is not None:
            raise LifecycleError("the debtor performed; the listing is to be removed, not "
                                 "extended")
        if self.listing_extension_years:
            raise LifecycleError("a listing may be extended once; it already was, by "
                                 f"{self.listing_extension_years} year(s)")
        most = schedule.rules.listing_extension_max_years
        if not 1 <= years <= most:
            raise ValidationError(f"must be 1 to {most} years under {schedule.rules.id}",
                                  field="years")
        if business_date(at) > self.publicity_max_end:
            raise LifecycleError(f"the listing ended on {self.publicity_max_end}")
        window = ev.PublicityDates(
            starts=self.publicity_starts, min_end=self.publicity_min_end,
            max_end=schedule.calendar.add_months(self.publicity_max_end, 12 * years),
            published=self.published)
        self.trigger(ev.ListingExtended, actor, at, years=years, reasons=reasons, window=window)

    # -- publicity, sanctions, mitigation ------------------------------------------------------

    def expire_publicity(self, actor: Actor, at: datetime) -> ev.PublicityExpired | None:
        require_role(actor, SYSTEM)
        if not self.is_active:
            return None
        if business_date(at) <= self.publicity_max_end:
            raise LifecycleError(f"the publicity period runs until {self.publicity_max_end}")
        expired = self.trigger(ev.PublicityExpired, actor, at, on=self.publicity_max_end)
        self._close_deadlines(actor, at, "expired")
        self._lift_sanctions(actor, at, "expired")
        return expired

    def impose_sanction(
        self, actor: Actor, at: datetime, schedule: Schedule, order: SanctionOrder,
        sanctioned_elsewhere: int = 0,
    ) -> None:
        """Impose a sanction; the cap holds per person (政务处分法 8), so the months of
        sanctions in force on the same civil servant from other records
        (``sanctioned_elsewhere``) count with this record's own."""
        require_role(actor, SOURCE)
        self._require_active("impose a sanction")
        if self.content.subject_type not in _SANCTIONS_FOR[order.kind]:
            raise ValidationError(f"{order.kind.value} does not apply to a "
                                  f"{self.content.subject_type.value}", field="kind")
        if MitigationKind.EXEMPTED in self.mitigations:
            raise LifecycleError("the subject was exempted from sanctions (免予处分)",
                                 field="kind")
        schedule.rules.check_sanction_period(
            order.months, self.sanction_months_total + sanctioned_elsewhere)
        starts = order.starts_on or self.content.decision_date
        if starts < self.content.decision_date:
            raise ValidationError("must not be before the decision date", field="starts_on")
        self.trigger(ev.SanctionImposed, actor, at, number=len(self.sanctions) + 1,
                     kind=order.kind, months=order.months, starts_on=starts,
                     ends_on=schedule.calendar.add_months(starts, order.months))

    def lift_sanction(self, actor: Actor, at: datetime, number: int) -> ev.SanctionLifted | None:
        require_role(actor, SYSTEM, SOURCE)
        sanction = self.sanctions.get(number)
        if sanction is None:
            raise ValidationError(f"no sanction number {number}", field="number")
        if sanction.lifted:
            return None
        if business_date(at) <= sanction.ends_on:
            raise LifecycleError(f"the sanction runs until {sanction.ends_on}", field="number")
        return self.trigger(ev.SanctionLifted, actor, at, number=number, reason="period_ended")

    def record_mitigation(
        self, actor: Actor, at: datetime, kind: MitigationKind, legal_basis: str
    ) -> None:
        require_role(actor, SOURCE)
        self._require_active("record a mitigation")
        self.trigger(ev.MitigationRecorded, actor, at, kind=kind, legal_basis=legal_basis)
        if kind is MitigationKind.EXEMPTED:
            self._lift_sanctions(actor, at, "exempted")

    # -- deadlines waiting for a calendar year --------------------------------------------------

    def trigger(self, event_class: type[E], actor: Actor, at: datetime, **fields: Any) -> E:
        """Trigger an event; a deadline it starts that waits for the calendar is also noted in
        a ``DeadlineAwaitsCalendar`` event, which publishing a year looks up."""
        event = super().trigger(event_class, actor, at, **fields)
        if isinstance(event, ev.DeadlineEvent) and event_class is not ev.DeadlineAwaitsCalendar:
            for deadline in event.started():
                if deadline.waiting:
                    super().trigger(ev.DeadlineAwaitsCalendar, SYSTEM_ACTOR, at, starts=deadline)
        return event

    def date_deadlines(self, actor: Actor, at: datetime, schedule: Schedule) -> (
        list[ev.DeadlineEvent]
    ):
        """Count every waiting deadline again with ``schedule``'s calendar: record the due date
        of each it now covers (``DeadlineDated``), and the years one still waits for when they
        changed. Nothing to do when nothing changed, so publishing twice records nothing twice.
        """
        require_role(actor, SYSTEM, Role.ADMINISTRATOR)
        events: list[ev.DeadlineEvent] = []
        for deadline in [d for d in self.deadlines.values() if d.waiting]:
            counted = schedule.recount(deadline)
            if not counted.waiting:
                events.append(self.trigger(ev.DeadlineDated, actor, at, starts=counted))
            elif counted.awaiting != deadline.awaiting:
                events.append(self.trigger(ev.DeadlineAwaitsCalendar, actor, at, starts=counted))
        return events

    # -- reminders, overdue, urging, escalation (the system's steps) ----------------------------

    def _deadline(self, key: str) -> Deadline | None:
        return self.deadlines.get(key)

    def remind(self, actor: Actor, at: datetime, key: str, working_days_before: int) -> (
        ev.ReminderSent | None
    ):
        require_role(actor, SYSTEM)
        if self._deadline(key) is None:
            return None
        return self.trigger(ev.ReminderSent, actor, at, key=key,
                            working_days_before=working_days_before)

    def miss(self, actor: Actor, at: datetime, key: str) -> ev.DeadlineMissed | None:
        require_role(actor, SYSTEM)
        deadline = self._deadline(key)
        if deadline is None or deadline.overdue:
            return None
        if deadline.due is None:
            raise LifecycleError(f"deadline {key} waits for the {_years(deadline)} calendar",
                                 field="key")
        if business_date(at) <= deadline.due:
            raise LifecycleError(f"deadline {key} is due on {deadline.due}", field="key")
        return self.trigger(ev.DeadlineMissed, actor, at, key=key)

    def urge(self, actor: Actor, at: datetime, key: str) -> ev.DeadlineUrged | None:
        require_role(actor, SYSTEM)
        deadline = self._deadline(key)
        if deadline is None or deadline.urged:
            return None
        if not deadline.overdue:
            raise LifecycleError(f"deadline {key} is not overdue", field="key")
        return self.trigger(ev.DeadlineUrged, actor, at, key=key)

    def escalate(self, actor: Actor, at: datetime, key: str, to: str) -> (
        ev.DeadlineEscalated | None
    ):
        require_role(actor, SYSTEM)
        deadline = self._deadline(key)
        if deadline is None or deadline.escalated:
            return None
        if not deadline.urged:
            raise LifecycleError(f"deadline {key} has not been urged", field="key")
        return self.trigger(ev.DeadlineEscalated, actor, at, key=key, to=to)


ev.RecordFiled.aggregate_class = CreditRecord
