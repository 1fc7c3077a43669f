"""Publishing calendar years, and the deadlines that wait for them.

A deadline whose count reaches a year with no working-day calendar is recorded as waiting, with
a ``DeadlineAwaitsCalendar`` event beside the step that started it. Publishing a year looks
those events up (one query by topic), counts every waiting deadline again with the new calendar,
and records what changed on each record, in the order the deadlines appear in the log:
``DeadlineDated`` with the due date and the calendar version that fixed it, or the later years
the deadline still waits for. Each record is one transaction, and counting again changes
nothing that is already dated, so publishing twice (or a dispatcher that repeats the work after
a crash half-way) records nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger import commands as c
from ledger import record_events as ev
from ledger.calendar import PublishedYear
from ledger.clock import business_date
from ledger.errors import ValidationError
from ledger.events import SYSTEM, Actor, DomainEvent, Role
from ledger.parts import LedgerPart
from ledger.record import require_role
from ledger.settings import LedgerSettings
from ledger.values import Deadline

_AWAITS = get_topic(ev.DeadlineAwaitsCalendar)
_PAGE = 1000
WARN_DAYS = 60
"""Operators are warned this many days before the last day deadlines can be counted to."""


@dataclass(frozen=True)
class CalendarStatus:
    """What an operator needs to see a missing calendar year coming."""

    today: date
    published: tuple[PublishedYear, ...]
    package_years: tuple[int, int]
    computable_until: date
    """The last day a deadline starting today can be counted to."""
    waiting: dict[int, int]
    """Deadlines waiting, by the first calendar year each waits for."""

    @property
    def days_left(self) -> int:
        return (self.computable_until - self.today).days

    @property
    def next_year(self) -> int:
        """The first year with no working-day calendar."""
        return self.computable_until.year + 1

    def warning(self, within_days: int = WARN_DAYS) -> str | None:
        """What to tell operators once the last countable day is near, else ``None``."""
        if self.days_left > within_days:
            return None
        waiting = sum(self.waiting.values())
        return (
            f"working days are known only until {self.computable_until} ({self.days_left} days "
            f"left): publish the State Council holiday notice for {self.next_year}; deadlines "
            f"reaching it wait for it ({waiting} waiting now)"
        )


class CalendarYears(LedgerPart):
    """Mixed into ``Ledger``: publishing years and dating the deadlines that wait for them."""

    def publish_calendar_year(self, cmd: c.PublishCalendarYear, actor: Actor) -> int:
        """Publish a year from the State Council's notice, then date every deadline that was
        waiting for it; returns how many were dated.

        The same revision published again records nothing new (it still dates whatever was
        left waiting); a correction is a higher revision, and applies to deadlines counted
        after it: dates already fixed are facts and stay.
        """
        require_role(actor, Role.ADMINISTRATOR)
        # Counted before and after: the dispatcher, woken by the publication, may date some of
        # them first, and they are dated by this publication all the same.
        before = {(rid, d.key) for rid, d in self.waiting_deadlines()}
        settings = self.settings(fresh=True)
        year = cmd.year
        current = settings.years.get(year.year)
        if current is not None and year.revision <= current.revision:
            if year.revision < current.revision or year != current:
                raise ValidationError(
                    f"{year.year} revision {current.revision} is published; publish a "
                    f"correction as revision {current.revision + 1}", field="revision",
                )
        else:
            settings.trigger(LedgerSettings.CalendarYearPublished, actor, self.clock(),
                             year=year)
            self._save(settings)
        self.date_waiting_deadlines()
        return len(before - {(rid, d.key) for rid, d in self.waiting_deadlines()})

    def date_waiting_deadlines(self) -> int:
        """Date every waiting deadline that the calendar now covers; returns how many."""
        calendar = self.settings(fresh=True).calendar()
        dated = 0
        for rid, waits in self._awaiting().items():
            if any(all(calendar.covers(year) for year in years) for years in waits):
                dated += self.date_deadlines(rid)
        return dated

    def date_deadlines(self, rid: UUID) -> int:
        """Count the record's waiting deadlines again (see ``CreditRecord.date_deadlines``)."""
        events = self.system_step(
            rid, lambda r, s: r.date_deadlines(SYSTEM, self.clock(), s)
        )
        return sum(isinstance(e, ev.DeadlineDated) for e in events)

    def waiting_deadlines(self) -> Iterator[tuple[UUID, Deadline]]:
        """Every deadline still waiting for the calendar, in log order."""
        for rid in self._awaiting():
            record = self.record(rid)
            for deadline in record.deadlines.values():
                if deadline.waiting:
                    yield rid, deadline

    def calendar_status(self, today: date | None = None) -> CalendarStatus:
        """Published years, the last day deadlines can be counted to, and who waits."""
        calendar = self.settings(fresh=True).calendar()
        day = today or business_date(self.clock())
        waiting = Counter(d.awaiting[0] for _, d in self.waiting_deadlines() if d.awaiting)
        return CalendarStatus(
            today=day, published=calendar.published, package_years=calendar.package_years,
            computable_until=calendar.computable_until(day), waiting=dict(sorted(waiting.items())),
        )

    def _awaiting(self) -> dict[UUID, list[tuple[int, ...]]]:
        """Records with a deadline that waited, and the years each wait named, in the order
        they first waited (one query over the log by topic, however long it is)."""
        found: dict[UUID, list[tuple[int, ...]]] = {}
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=_PAGE, topics=[_AWAITS])
            for notification in page:
                event: DomainEvent = self.mapper.to_domain_event(notification)
                if isinstance(event, ev.DeadlineAwaitsCalendar) and event.starts is not None:
                    found.setdefault(event.originator_id, []).append(event.starts.awaiting)
            if len(page) < _PAGE:
                return found
            start = page[-1].id + 1
