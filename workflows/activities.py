"""The deadline workflow's activities: each records one system step in the ledger.

Activities are sync methods run on a thread pool (the ledger library is synchronous). Each is
idempotent: the record's own step returns ``None`` when the fact is already there (and a
reminder is looked up in the record's history), so Temporal's retries never duplicate a fact.
A refusal by the ledger's rules is a non-retryable ``ApplicationError``; anything else (the
database is away, a concurrent change) is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ledger.application import Ledger
from ledger.clock import business_date
from ledger.errors import (
    LifecycleError,
    NotFoundError,
    PermissionDeniedError,
    RecordNotFoundError,
    ValidationError,
)
from ledger.events import SYSTEM, DomainEvent
from ledger.held_deadlines import DeadlineHolder
from ledger.held_deadlines import ReminderSent as HeldReminderSent
from ledger.record import CreditRecord
from ledger.record_events import ReminderSent
from ledger.values import Deadline
from workflows.horizons import PUBLICITY, Change, Horizon, Horizons
from workflows.inputs import (
    CheckInput,
    EscalationInput,
    Ladder,
    PlanInput,
    ReminderInput,
    StepInput,
    SweepInput,
    SweepOutcome,
    event_id,
    event_version,
)
from workflows.plans import closed_by, ladder, started_deadlines

_REFUSALS = (LifecycleError, ValidationError, NotFoundError, PermissionDeniedError)
_SWEEP_BATCH = 200
log = logging.getLogger(__name__)


class DeadlineActivities:
    """The ledger steps a deadline workflow takes; holds the ledger it writes to."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def _record(self, record_id: UUID, step: Callable[[Any], DomainEvent | None]) -> (
        str | None
    ):
        """Take a system step on a record, or on a commitment or lead (same steps, same id)."""
        try:
            try:
                event = self.ledger.system_step(record_id, lambda r, s: step(r))
            except RecordNotFoundError:
                event = self.ledger.holder_step(record_id, lambda h, s: step(h))
        except _REFUSALS as error:
            raise ApplicationError(str(error), type=type(error).__name__,
                                   non_retryable=True) from error
        return None if event is None else event_id(event.originator_id,
                                                   event.originator_version)

    @activity.defn(name="remind")
    def remind(self, input: ReminderInput) -> str | None:
        """Record that a reminder was sent; once per deadline and number of days before."""
        def step(r: CreditRecord | DeadlineHolder) -> DomainEvent | None:
            if self._already_reminded(r, input.key, input.working_days_before):
                return None
            return r.remind(SYSTEM, self.ledger.clock(), input.key, input.working_days_before)

        return self._record(input.record_id, step)

    @activity.defn(name="miss")
    def miss(self, input: StepInput) -> str | None:
        """Record that the deadline passed without the fact that closes it."""
        return self._record(input.record_id,
                            lambda r: r.miss(SYSTEM, self.ledger.clock(), input.key))

    @activity.defn(name="urge")
    def urge(self, input: StepInput) -> str | None:
        """Record that the late party was urged."""
        return self._record(input.record_id,
                            lambda r: r.urge(SYSTEM, self.ledger.clock(), input.key))

    @activity.defn(name="escalate")
    def escalate(self, input: EscalationInput) -> str | None:
        """Record that the overdue deadline was escalated to the superior body."""
        return self._record(input.record_id, lambda r: r.escalate(
            SYSTEM, self.ledger.clock(), input.key, input.to))

    @activity.defn(name="check")
    def check(self, input: CheckInput) -> str | None:
        """The id of the fact with which the ledger stopped holding the deadline open, or
        ``None`` while it is open: the ledger, not the close signal, decides whether a
        deadline is still running."""
        try:
            events = self.ledger.timeline(input.record_id)
        except NotFoundError:
            return None  # the step that follows is refused, with the reason
        closer = closed_by(events, input.key, event_version(input.since))
        return None if closer is None else event_id(closer.originator_id,
                                                    closer.originator_version)

    @activity.defn(name="plan")
    def plan(self, input: PlanInput) -> Ladder | None:
        """The urge and escalation days the calendar could not give when the deadline started;
        retried until the calendar year they fall in is published."""
        try:
            deadline = self._deadlines(input.record_id).get(input.key)
        except NotFoundError as error:
            raise ApplicationError(str(error), type=type(error).__name__,
                                   non_retryable=True) from error
        if deadline is None:
            return None  # closed meanwhile; the signal is on its way
        settings = self.ledger.settings(fresh=True)
        found = ladder(deadline.model_copy(update={"due": input.due}),
                       settings.rule_book().get(deadline.rule_set_id), settings.calendar())
        if not found.complete:
            raise ApplicationError(
                f"no working-day calendar yet for the days after {input.due}: publish the "
                "State Council holiday notice for that year", type="CalendarUnavailableError",
            )
        return found

    def _deadlines(self, holder_id: UUID) -> dict[str, Deadline]:
        try:
            return self.ledger.record(holder_id).deadlines
        except RecordNotFoundError:
            return self.ledger.deadline_holder(holder_id).deadlines

    def all(self) -> list[Callable[..., Any]]:
        return [self.remind, self.check, self.miss, self.urge, self.escalate, self.plan]

    def _already_reminded(self, record: CreditRecord | DeadlineHolder, key: str,
                          working_days_before: int) -> (
        bool
    ):
        """Whether this reminder is in the record's history since the deadline last started.

        Reads only up to the loaded version: the save that follows fails on a concurrent
        change and the step is retried with fresh state.
        """
        events = self.ledger.timeline(record.id)[: record.version]
        for event in reversed(events):
            if isinstance(event, ReminderSent | HeldReminderSent) and event.key == key and (
                event.working_days_before == working_days_before
            ):
                return True
            if any(d.key == key for d in started_deadlines(event)):
                return False
        return False


class ExpiryActivities:
    """The sweep's activity; holds the ledger and the horizons it reads."""

    def __init__(self, ledger: Ledger, horizons: Horizons) -> None:
        self.ledger = ledger
        self.horizons = horizons

    @activity.defn(name="sweep_expiries")
    def sweep(self, input: SweepInput) -> SweepOutcome:
        """Record every ended horizon; each step is idempotent, so a retry repeats nothing."""
        today = input.on or business_date(self.ledger.clock())
        counts = {"expired": 0, "lifted": 0, "unchanged": 0, "refused": 0}
        after = None
        while batch := self.horizons.ended_before(today, _SWEEP_BATCH, after):
            done = []
            for horizon in batch:
                if activity.in_activity():
                    activity.heartbeat(str(horizon.record_id))
                result = self._end(horizon)
                counts[result] += 1
                if result != "refused":
                    done.append(Change(horizon.record_id, horizon.what, None))
            self.horizons.apply(done)
            after = batch[-1]
        return SweepOutcome(**counts)

    def _end(self, horizon: Horizon) -> str:
        expiry = horizon.what == PUBLICITY
        number = 0 if expiry else int(horizon.what.rsplit("-", 1)[1])
        try:
            event = self.ledger.system_step(horizon.record_id, lambda r, s: (
                r.expire_publicity(SYSTEM, self.ledger.clock()) if expiry
                else r.lift_sanction(SYSTEM, self.ledger.clock(), number)
            ))
        except NotFoundError:
            return "unchanged"
        except LifecycleError as refused:
            # kept for the next sweep: the ledger is the judge of when a period has ended
            log.warning("horizon %s of %s not ended: %s", horizon.what, horizon.record_id,
                        refused)
            return "refused"
        if event is None:
            return "unchanged"
        return "expired" if expiry else "lifted"
