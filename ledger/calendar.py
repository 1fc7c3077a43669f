"""Working days: the State Council's holidays and make-up working days (调休), year by year.

Years 2004–2026 come from the ``chinesecalendar`` package. Later years, and corrections of earlier
ones, are published into the ledger by an administrator as ``PublishedYear`` values. A count that
needs a year with neither raises ``CalendarUnavailableError`` naming the year, and is never
guessed: a weekends-only guess would miss the Spring Festival week and the make-up working
weekends, and a wrong legal deadline is worse than none. The ledger then records the deadline as
waiting for that year (``ledger.record.Schedule``); the fact that started it is never refused.

Periods follow the Civil Code: the first day is not counted (art. 201), and a period in days that
ends on a non-working day ends on the next working day (art. 203).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ledger.errors import CalendarUnavailableError, ValidationError

__all__ = ["PublishedYear", "WorkingCalendar"]

_ONE_DAY = timedelta(days=1)


class PublishedYear(BaseModel):
    """One calendar year's holidays and make-up working days, from a State Council notice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=date.min.year, le=date.max.year)
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    notice: str
    revision: int = Field(default=1, ge=1)

    @field_validator("holidays", "workdays")
    @classmethod
    def _in_the_year(cls, value: tuple[date, ...], info: ValidationInfo) -> tuple[date, ...]:
        year = info.data.get("year")
        if year is not None:
            strays = sorted(day.isoformat() for day in value if day.year != year)
            if strays:
                raise ValueError(f"dates outside {year}: {', '.join(strays)}")
        # Sorted and without repeats, so equal notices compare equal however they were typed in.
        return tuple(sorted(set(value)))

    @field_validator("workdays")
    @classmethod
    def _no_day_is_both(cls, value: tuple[date, ...], info: ValidationInfo) -> tuple[date, ...]:
        both = sorted(set(value) & set(info.data.get("holidays", ())))
        if both:
            days = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"days listed both as holidays and as working days: {days}")
        return value

    @field_validator("notice")
    @classmethod
    def _notice_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the State Council notice number is required")
        return value.strip()


@dataclass(frozen=True, slots=True)
class _Year:
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _package_years() -> dict[int, _Year]:
    # The package's own lookup scans all its data on every call; one table per year keeps a
    # property test over seven years, or a long "days left" count, fast.
    holidays: set[date] = set(chinese_calendar.holidays)
    workdays: set[date] = set(chinese_calendar.workdays)
    first, last = min(holidays).year, max(holidays).year
    return {
        year: _Year(
            holidays=frozenset(day for day in holidays if day.year == year),
            workdays=frozenset(day for day in workdays if day.year == year),
        )
        for year in range(first, last + 1)
    }


_PACKAGE_YEARS = _package_years()
_PACKAGE_VERSION = f"chinesecalendar-{chinese_calendar.__version__}"


def _latest_revisions(published: Iterable[PublishedYear]) -> dict[int, PublishedYear]:
    latest: dict[int, PublishedYear] = {}
    for candidate in published:
        current = latest.get(candidate.year)
        if current is None or candidate.revision > current.revision:
            latest[candidate.year] = candidate
        elif candidate.revision == current.revision and candidate != current:
            # The version string names a year by its revision, so one revision must mean one list.
            raise ValidationError(
                f"{candidate.year} revision {candidate.revision} was published twice with "
                "different days; publish the correction as a new revision",
                field="revision",
            )
    return dict(sorted(latest.items()))


class WorkingCalendar:
    """Working days from the package, overridden year by year by the published years."""

    def __init__(self, published: Iterable[PublishedYear] = ()) -> None:
        self._published = _latest_revisions(published)
        self._sums: dict[tuple[date, int], date] = {}
        self._years = dict(_PACKAGE_YEARS)
        for year, notice in self._published.items():
            self._years[year] = _Year(frozenset(notice.holidays), frozenset(notice.workdays))
        self._version = _PACKAGE_VERSION + "".join(
            f"+{year}r{notice.revision}" for year, notice in self._published.items()
        )

    @property
    def version(self) -> str:
        """Names exactly the data in use; every computed deadline records it."""
        return self._version

    @property
    def published(self) -> tuple[PublishedYear, ...]:
        """The published years in force (the latest revision of each), in year order."""
        return tuple(self._published.values())

    @property
    def package_years(self) -> tuple[int, int]:
        """The first and last year the ``chinesecalendar`` package covers."""
        return min(_PACKAGE_YEARS), max(_PACKAGE_YEARS)

    def covers(self, year: int) -> bool:
        """Whether working days of ``year`` are known."""
        return year in self._years

    def computable_until(self, day: date) -> date:
        """The last day of the unbroken run of known years from ``day``'s year on: how far a
        deadline starting on ``day`` can be counted before it must wait."""
        year = day.year
        while year + 1 in self._years:
            year += 1
        if year not in self._years:
            return day - _ONE_DAY
        return date(year, 12, 31)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day, counting make-up working weekends."""
        known = self._years.get(day.year)
        if known is None:
            raise CalendarUnavailableError(
                f"no working-day calendar for {day.year}: publish the State Council holiday "
                f"notice for {day.year} first",
                field="calendar_year", year=day.year,
            )
        return known.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day = self._day_after(day)
        while not self.is_working_day(day):
            day = self._day_after(day)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start``; ``start`` itself is not counted."""
        _require_at_least(n, 1, "working_days")
        # Every filing of a day asks the same few questions; the calendar never changes.
        cached = self._sums.get((start, n))
        if cached is not None:
            return cached
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        if len(self._sums) > 100_000:
            self._sums.clear()
        self._sums[(start, n)] = day
        return day

    def add_days(self, start: date, n: int) -> date:
        """End of an ``n``-day period from ``start``, moved to the next working day if need be."""
        _require_at_least(n, 1, "days")
        end = start + timedelta(days=n)
        return end if self.is_working_day(end) else self.next_working_day(end)

    def add_months(self, start: date, months: int) -> date:
        """The same day ``months`` later, clamped to the month's end; never shifted.

        Publicity windows and sanction periods are calendar horizons, so they need no working-day
        data and work for any year.
        """
        _require_at_least(months, 0, "months")
        year, month_index = divmod(start.month - 1 + months, 12)
        year += start.year
        if year > date.max.year:
            raise ValidationError(
                f"{months} months after {start} is beyond {date.max}", field="months"
            )
        month = month_index + 1
        return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))

    def missing_years(self, start: date, n: int, working: bool) -> tuple[int, ...]:
        """The unpublished years an ``n``-day period from ``start`` reaches, as far as can be
        told without them (see ``reach``): every year named is certainly needed, and the count
        may need later ones as well, found once these are published."""
        return self.reach(start, n, working)[1]

    def reach(self, start: date, n: int, working: bool = True) -> tuple[date, tuple[int, ...]]:
        """Where an ``n``-day period from ``start`` would end if every weekday of the
        unpublished years worked, and those years. No notice can end it sooner, so this is
        never a due date; it bounds one from below (and filters the deadline board)."""
        missing: set[int] = set()
        counted = 0
        # A period in calendar days needs only its last day and the days it may move to.
        end = None if working else start + timedelta(days=n)
        day = start if end is None else end - _ONE_DAY
        while True:
            day = self._day_after(day)
            known = self._years.get(day.year)
            if known is None:
                missing.add(day.year)
            works = known.is_working_day(day) if known else day.weekday() < 5
            counted += works
            if (end is None and counted >= n) or (end is not None and day >= end and works):
                return day, tuple(sorted(missing))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; counted back, as a negative, when ``end`` < ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count

    def _day_after(self, day: date) -> date:
        if day == date.max:
            raise CalendarUnavailableError(
                f"no working-day calendar after {date.max}", field="calendar_year",
                year=date.max.year + 1,
            )
        return day + _ONE_DAY


def _require_at_least(value: int, minimum: int, field: str) -> None:
    if value < minimum:
        raise ValidationError(f"must be at least {minimum}, got {value}", field=field)
