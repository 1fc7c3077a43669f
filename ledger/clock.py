"""Time: instants are aware UTC datetimes; business dates are dates in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def business_date(instant: datetime) -> date:
    """The calendar day in Asia/Shanghai on which an instant falls."""
    return instant.astimezone(SHANGHAI).date()


def start_of_business_day(day: date) -> datetime:
    """00:00 Asia/Shanghai of a day, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)
