"""Deadlines held by aggregates other than a record: a commitment's due date, a lead's
verification period.

They are enforced like a record's (``workflows.deadline``): reminders before the due date, then
missed, urged and escalated. The events here only change the holder's ``deadlines``; the steps
return ``None`` when the fact is already there, so a retried activity records nothing twice.
Stored topics are ``ledger.held_deadlines:<Name>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeVar

from ledger.clock import business_date
from ledger.errors import LifecycleError
from ledger.events import Actor, Aggregate, DomainEvent, E, Role
from ledger.record import Schedule, require_role
from ledger.record_events import close_and_start
from ledger.values import Deadline


class HeldDeadlineEvent(DomainEvent):
    """A step that may start one deadline and close others (as ``record_events.DeadlineEvent``)."""

    starts: Deadline | None = None
    closes: tuple[str, ...] = ()

    def apply(self, holder: Any) -> None:
        """Typed as ``Any`` so a lead's or commitment's events narrow it to their aggregate."""
        close_and_start(holder.deadlines, self.closes, self.started())

    def started(self) -> list[Deadline]:
        return [] if self.starts is None or self.starts.historical else [self.starts]


class ReminderSent(DomainEvent):
    key: str
    working_days_before: int


class DeadlineAwaitsCalendar(HeldDeadlineEvent):
    """A deadline whose count reaches a calendar year not yet published."""


class DeadlineDated(HeldDeadlineEvent):
    """A waiting deadline counted once its years were published."""


class _Flag(DomainEvent):
    key: str
    flag: ClassVar[str]

    def apply(self, holder: DeadlineHolder) -> None:
        deadline = holder.deadlines.get(self.key)
        if deadline is not None:
            holder.deadlines[self.key] = deadline.model_copy(update={self.flag: True})
        holder.deadline_flagged(self.key, self.flag)


F = TypeVar("F", bound=_Flag)


class DeadlineMissed(_Flag):
    flag = "overdue"


class DeadlineUrged(_Flag):
    flag = "urged"


class DeadlineEscalated(_Flag):
    flag = "escalated"
    to: str


class DeadlineHolder(Aggregate):
    """An aggregate with deadlines the system enforces (see the module docstring)."""

    deadlines: dict[str, Deadline]

    def deadline_flagged(self, key: str, flag: str) -> None:
        """A deadline was marked overdue, urged or escalated; holders may change state."""

    def trigger(self, event_class: type[E], actor: Actor, at: datetime, **fields: Any) -> E:
        """A deadline that waits for the calendar is also noted in ``DeadlineAwaitsCalendar``."""
        event = super().trigger(event_class, actor, at, **fields)
        if isinstance(event, HeldDeadlineEvent) and event_class not in (
            DeadlineAwaitsCalendar, DeadlineDated
        ):
            for deadline in event.started():
                if deadline.waiting:
                    super().trigger(DeadlineAwaitsCalendar, actor, at, starts=deadline)
        return event

    def date_deadlines(self, actor: Actor, at: datetime, schedule: Schedule) -> int:
        """Date the waiting deadlines the calendar now covers; returns how many."""
        dated = 0
        for deadline in [d for d in self.deadlines.values() if d.waiting]:
            counted = schedule.recount(deadline)
            if not counted.waiting:
                self.trigger(DeadlineDated, actor, at, starts=counted)
                dated += 1
        return dated

    def remind(self, actor: Actor, at: datetime, key: str, working_days_before: int) -> (
        ReminderSent | None
    ):
        require_role(actor, Role.SYSTEM)
        if key not in self.deadlines:
            return None
        return self.trigger(ReminderSent, actor, at, key=key,
                            working_days_before=working_days_before)

    def miss(self, actor: Actor, at: datetime, key: str) -> DeadlineMissed | None:
        require_role(actor, Role.SYSTEM)
        deadline = self.deadlines.get(key)
        if deadline is None or deadline.overdue:
            return None
        if deadline.due is None:
            raise LifecycleError(f"deadline {key} waits for the calendar", field="key")
        if business_date(at) <= deadline.due:
            raise LifecycleError(f"deadline {key} is due on {deadline.due}", field="key")
        return self.trigger(DeadlineMissed, actor, at, key=key)

    def urge(self, actor: Actor, at: datetime, key: str) -> DeadlineUrged | None:
        return self._climb(actor, at, key, DeadlineUrged, "overdue", "is not overdue")

    def escalate(self, actor: Actor, at: datetime, key: str, to: str) -> (
        DeadlineEscalated | None
    ):
        return self._climb(actor, at, key, DeadlineEscalated, "urged", "has not been urged",
                           to=to)

    def _climb(self, actor: Actor, at: datetime, key: str, step: type[F], after: str,
               refusal: str, **fields: Any) -> F | None:
        """Take the ladder's next step (urged, then escalated): once, and only once the
        deadline is ``after`` (the step before)."""
        require_role(actor, Role.SYSTEM)
        deadline = self.deadlines.get(key)
        if deadline is None or getattr(deadline, step.flag):
            return None
        if not getattr(deadline, after):
            raise LifecycleError(f"deadline {key} {refusal}", field="key")
        return self.trigger(step, actor, at, key=key, **fields)


HELD_DEADLINE_EVENTS: tuple[type[DomainEvent], ...] = (
    ReminderSent, DeadlineAwaitsCalendar, DeadlineDated, DeadlineMissed, DeadlineUrged,
    DeadlineEscalated,
)
