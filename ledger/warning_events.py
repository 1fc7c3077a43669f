"""Events of an early warning (预警) the evaluation formula raised on a body or a region.

Stored topics are ``ledger.warning_events:<Name>``; decided once, never renamed. The
acknowledgement deadline's reminders, overdue (the warning escalates to the region above),
urging and escalation are ``ledger.held_deadlines`` events.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from ledger.held_deadlines import HeldDeadlineEvent

if TYPE_CHECKING:
    from ledger.warning import EarlyWarning

ACKNOWLEDGEMENT = "acknowledgement"
"""The key of a warning's deadline (workflow ``warning-<id>-acknowledgement``)."""


class FollowUp(StrEnum):
    """What the region did about a warning (the plan's supervision measures)."""

    INTERVIEW = "interview"  # 约谈
    SUPERVISION = "supervision"  # 督导
    CIRCULAR = "circular"  # 通报
    NONE = "none"  # 不采取措施 (reasons required)


class WarningState(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    """Its result is recorded."""


class WarningRaised(HeldDeadlineEvent):
    """The formula ``formula_id``'s rule ``rule_id`` was crossed on ``raised_on``, with the
    metric values it read; ``region_code`` is the region that answers for it and ``above`` the
    region it escalates to. ``starts`` is the acknowledgement deadline."""

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
    """The how-many-th warning of this rule on this body or region."""

    def apply(self, warning: EarlyWarning) -> None:
        self.set_own_fields(warning)
        warning.escalated = False
        warning.acknowledged_on = warning.follow_up = warning.reasons = warning.result = None
        warning.deadlines = {}
        super().apply(warning)


class WarningAcknowledged(HeldDeadlineEvent):
    """The region's operator took note; ``closes`` the acknowledgement deadline."""

    acknowledged_on: date
    note: str | None = None

    def apply(self, warning: EarlyWarning) -> None:
        super().apply(warning)
        warning.acknowledged_on = self.acknowledged_on


class FollowUpRecorded(HeldDeadlineEvent):
    """The measure taken (约谈, 督导, 通报) or none, with the reasons."""

    follow_up: FollowUp
    reasons: str
    recorded_on: date

    def apply(self, warning: EarlyWarning) -> None:
        super().apply(warning)
        warning.follow_up, warning.reasons = self.follow_up, self.reasons


class ResultRecorded(HeldDeadlineEvent):
    """What the follow-up achieved; the warning is closed."""

    result: str
    recorded_on: date

    def apply(self, warning: EarlyWarning) -> None:
        super().apply(warning)
        warning.result = self.result
