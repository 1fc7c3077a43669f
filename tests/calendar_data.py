"""TEST DATA ONLY: weekends-only calendar years, for tests whose clock is today's date.

The time-skipping Temporal server starts at the machine's own date, so a test running on it
reaches whatever years today's deadlines reach. Such a test publishes those years with this
helper. A year published here has no holidays and no make-up working days, and its notice says
it is test data: it is never a State Council notice, and nothing outside the tests uses it.
"""

from __future__ import annotations

from ledger import commands as c
from ledger.application import Ledger
from ledger.calendar import PublishedYear
from ledger.events import Actor, Role

TEST_ADMIN = Actor(id="test-calendar-admin", role=Role.ADMINISTRATOR)


def weekends_only_year(year: int) -> PublishedYear:
    """A weekends-only year, marked as test data."""
    return PublishedYear(year=year, holidays=(), workdays=(),
                         notice=f"TEST DATA weekends-only {year}, not a State Council notice")


def publish_test_years(ledger: Ledger, *years: int) -> None:
    """Publish a weekends-only test year for each of ``years`` the calendar does not cover."""
    for year in years:
        if not ledger.settings(fresh=True).calendar().covers(year):
            cmd = c.PublishCalendarYear(year=weekends_only_year(year))
            ledger.publish_calendar_year(cmd, TEST_ADMIN)
