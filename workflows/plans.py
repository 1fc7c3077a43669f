"""From the facts in the log to the dates a deadline workflow waits for, and to whether a
deadline is still open (the ledger side).

The due date is the one recorded in the event that started the deadline; it is never
recomputed. The reminder, urge and escalation days around it follow the record's rule set and
the ledger's working-day calendar, and are computed here, outside the workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from ledger.calendar import WorkingCalendar
from ledger.errors import CalendarUnavailableError
from ledger.events import Aggregate, DomainEvent
from ledger.held_deadlines import DeadlineHolder, HeldDeadlineEvent
from ledger.record import CreditRecord
from ledger.record_events import DeadlineEvent, ObjectionDecided, ReviewDecided, Withdrawn
from ledger.rules import RuleSet
from ledger.values import Deadline, ObjectionOutcome
from workflows.inputs import Ladder, Reminder


def started_deadlines(event: DomainEvent) -> list[Deadline]:
    """Every deadline an event starts (``starts``, and e.g. a repair's answer deadline), of a
    record, a commitment or a lead."""
    return event.started() if isinstance(event, DeadlineEvent | HeldDeadlineEvent) else []


def closes_every_deadline(event: DomainEvent) -> bool:
    """Facts that clear all of a record's deadlines: withdrawal, and deletion on objection
    (decided, or on review)."""
    if isinstance(event, Withdrawn):
        return True
    return isinstance(event, ObjectionDecided | ReviewDecided) and (
        event.outcome is ObjectionOutcome.DELETED)


def closed_by(events: Sequence[DomainEvent], key: str, since: int) -> DomainEvent | None:
    """The fact after version ``since`` with which a record stopped holding deadline ``key``
    open (met, closed, or cleared by a withdrawal or deletion); ``None`` while it is open.

    Judged by the record's own state as each fact is applied, not by which events name the
    deadline, so no way of ending a deadline is overlooked.
    """
    record: Aggregate | None = None
    closer = None
    for event in events:
        record = event.mutate(record)
        if event.originator_version <= since or not isinstance(
                record, CreditRecord | DeadlineHolder):
            continue
        if key in record.deadlines:
            closer = None  # started again under the same key
        elif closer is None:
            closer = event
    return closer


def working_days_before(calendar: WorkingCalendar, day: date, n: int) -> date:
    """The ``n``-th working day before ``day`` (``day`` itself not counted)."""
    found = 0
    while found < n:
        day = date.fromordinal(day.toordinal() - 1)
        found += calendar.is_working_day(day)
    return day


def ladder(deadline: Deadline, rules: RuleSet, calendar: WorkingCalendar,
           dated_on: date | None = None) -> Ladder:
    """The dates around a deadline: reminders (only those after the day it started), the urge
    so many working days after the first overdue day, and the escalation after the urge.

    Dates the calendar cannot give yet are left out (reminders) or ``None`` (urge, escalation).
    A deadline whose due date was fixed late, on ``dated_on`` (it waited for a calendar year),
    has missed the reminders before that day: the latest of them goes out on that day instead.
    """
    due = deadline.due
    if due is None:
        raise ValueError(f"deadline {deadline.key} waits for the calendar; it has no dates yet")
    reminders = []
    try:
        for n in sorted(set(rules.reminder_working_days_before), reverse=True):
            on = working_days_before(calendar, due, n)
            if on > deadline.starts_on:
                reminders.append(Reminder(on=on, working_days_before=n))
    except CalendarUnavailableError:
        reminders = []
    if dated_on is not None and dated_on <= due:
        missed = [r for r in reminders if r.on < dated_on]
        reminders = [r for r in reminders if r.on >= dated_on]
        if missed and not any(r.on == dated_on for r in reminders):
            reminders.insert(0, Reminder(on=dated_on,
                                         working_days_before=missed[-1].working_days_before))
    urge_on = escalate_on = None
    try:
        # Overdue from the day after the due date; urged so many working days after that day.
        overdue_on = due + timedelta(days=1)
        urge_on = calendar.add_working_days(overdue_on, rules.urge_after_working_days)
        escalate_on = calendar.add_working_days(urge_on, rules.escalate_after_working_days)
    except CalendarUnavailableError:
        pass
    return Ladder(due=due, reminders=tuple(reminders), urge_on=urge_on,
                  escalate_on=escalate_on)
