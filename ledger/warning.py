"""Early warnings (预警) as facts: raised by the evaluation formula, acknowledged by the region's
operator, followed up (约谈, 督导, 通报, or none with reasons) and closed with a result.

A warning is raised when an evaluation is taken (``ledger.warning_steps``) and recorded with
what raised it: the formula, the rule, the metric values read, the body or region and the day.
The same rule crossed again by the same body or region while its warning is open is that
warning, not a new one; only after a result closes it does a later crossing raise the next
(``number``). A warning left unacknowledged for the rule set's
``warning_acknowledgement_working_days`` is overdue, and an overdue warning is escalated to the
region above (``above``); the deadline workflow then urges and escalates as for any deadline.

Only an operator may act on a warning: one bound to its region or to a region above it, or one
bound to no region (the province's).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID, uuid5

from ledger import warning_events as ev
from ledger.clock import business_date
from ledger.errors import LifecycleError, PermissionDeniedError, ValidationError
from ledger.events import Actor, Role
from ledger.held_deadlines import DeadlineHolder
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.record import Schedule, require_role
from ledger.values import DeadlineKind
from ledger.warning_events import ACKNOWLEDGEMENT, FollowUp, WarningState


def warning_id(rule_id: str, kind: str, code: str, number: int) -> UUID:
    """The ``number``-th warning of a rule on a body or region."""
    return uuid5(LEDGER_NAMESPACE, f"warning/{rule_id}/{kind}/{code}/{number}")


class EarlyWarning(DeadlineHolder):
    """One warning, its inputs, and what the region did about it."""

    rule_id: str
    formula_id: str
    kind: Literal["body", "region"]
    code: str
    name: str
    region_code: str
    above: str
    raised_on: date
    metric: str
    value: Decimal
    message: str
    metrics: dict[str, int]
    score: Decimal
    number: int
    escalated: bool
    acknowledged_on: date | None
    follow_up: ev.FollowUp | None
    reasons: str | None
    result: str | None

    @classmethod
    def raise_(cls, *, actor: Actor, at: datetime, schedule: Schedule, number: int,
               rule_id: str, formula_id: str, kind: Literal["body", "region"], code: str,
               name: str, region_code: str, above: str, raised_on: date, metric: str,
               value: Decimal, message: str, metrics: dict[str, int],
               score: Decimal) -> EarlyWarning:
        """Record a warning the formula raised on ``raised_on``."""
        require_role(actor, Role.SYSTEM, Role.OPERATOR, Role.ADMINISTRATOR)
        starts = schedule.working(ACKNOWLEDGEMENT, DeadlineKind.WARNING_ACKNOWLEDGEMENT,
                                  raised_on, schedule.rules.warning_acknowledgement_working_days,
                                  region_code)
        return cls.create(
            ev.WarningRaised, warning_id(rule_id, kind, code, number), actor, at,
            rule_id=rule_id, formula_id=formula_id, kind=kind, code=code, name=name,
            region_code=region_code, above=above, raised_on=raised_on, metric=metric,
            value=value, message=message, metrics=metrics, score=score, number=number,
            starts=starts)

    @property
    def state(self) -> WarningState:
        if self.result is not None:
            return WarningState.CLOSED
        if self.follow_up is not None:
            return WarningState.FOLLOWED_UP
        if self.acknowledged_on is not None:
            return WarningState.ACKNOWLEDGED
        return WarningState.ESCALATED if self.escalated else WarningState.OPEN

    @property
    def open(self) -> bool:
        return self.result is None

    def deadline_flagged(self, key: str, flag: str) -> None:
        if key == ACKNOWLEDGEMENT and flag in ("overdue", "escalated"):
            self.escalated = True

    def require_operator(self, actor: Actor, chain: list[str]) -> None:
        """An operator of the warning's region or of one above it (``chain``: the region and
        every region it reports to)."""
        require_role(actor, Role.OPERATOR)
        if actor.subject is not None and actor.subject not in chain:
            raise PermissionDeniedError("only an operator of the warning's region or of a "
                                        "region above it may act on it", field="warning_id")

    def acknowledge(self, actor: Actor, at: datetime, chain: list[str],
                    note: str | None = None) -> None:
        self.require_operator(actor, chain)
        if self.acknowledged_on is not None:
            raise LifecycleError("the warning was acknowledged already", field="warning_id")
        self.trigger(ev.WarningAcknowledged, actor, at, acknowledged_on=business_date(at),
                     note=note, closes=tuple(self.deadlines))

    def record_follow_up(self, actor: Actor, at: datetime, chain: list[str],
                         follow_up: FollowUp, reasons: str) -> None:
        self.require_operator(actor, chain)
        if self.acknowledged_on is None:
            raise LifecycleError("acknowledge the warning first", field="warning_id")
        if self.follow_up is not None:
            raise LifecycleError(f"the follow-up was recorded already ({self.follow_up})",
                                 field="follow_up")
        if not reasons.strip():
            raise ValidationError("must say what was done, or why nothing", field="reasons")
        self.trigger(ev.FollowUpRecorded, actor, at, follow_up=follow_up, reasons=reasons,
                     recorded_on=business_date(at))

    def record_result(self, actor: Actor, at: datetime, chain: list[str], result: str) -> None:
        self.require_operator(actor, chain)
        if self.follow_up is None:
            raise LifecycleError("record the follow-up first", field="warning_id")
        if self.result is not None:
            raise LifecycleError("the result was recorded already", field="result")
        if not result.strip():
            raise ValidationError("must not be blank", field="result")
        self.trigger(ev.ResultRecorded, actor, at, result=result,
                     recorded_on=business_date(at))


ev.WarningRaised.aggregate_class = EarlyWarning
