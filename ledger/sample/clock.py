"""The sample's span of time, and the clock it moves on working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.calendar import WorkingCalendar
from ledger.errors import CalendarUnavailableError

SAMPLE_START = datetime(2023, 5, 15, 1, 0, tzinfo=UTC)
SAMPLE_END = date(2026, 11, 20)
_CALENDAR = WorkingCalendar()


def working_on_or_after(day: date) -> date:
    try:
        return day if _CALENDAR.is_working_day(day) else _CALENDAR.next_working_day(day)
    except CalendarUnavailableError:
        return date.max


def working_days_after(day: date, n: int) -> date:
    try:
        return _CALENDAR.add_working_days(day, n)
    except CalendarUnavailableError:
        return date.max


class SampleClock:
    """The clock the sample moves; the ledger reads it for every event."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
