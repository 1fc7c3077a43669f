"""Time: instants are aware UTC datetimes; business dates are dates in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ledger.errors import ValidationError

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


def parse_instant(text: str, field: str = "as_of") -> datetime:
    """An instant typed by a person, read the one way every entry point reads it.

    ISO 8601: ``2026-05-06T09:30:00+08:00``, ``...Z``, ``2026-05-06 09:30`` or ``2026-05-06``.
    Without an offset it is Beijing time (the time every page shows), a date alone that day's
    midnight there. Anything else is refused naming ``field``, never guessed or dropped.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{text[:40]!r} is not a date or time: write e.g. 2026-05-06 09:30 (Beijing time), "
            "2026-05-06T01:30Z or 2026-05-06", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)
