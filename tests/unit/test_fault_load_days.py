"""The fault tests' load runs on the wall clock (a real Temporal server), so its days are
counted back from the day it runs: on any day, a record filed with the clock set back is already
overdue, and the calendar it publishes covers every day its filings reach."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledger.calendar import WorkingCalendar
from tests.calendar_data import weekends_only_year
from tests.support.load import DECIDED, SET_BACK, set_back, years_reached

EXPLANATION_WORKING_DAYS = 15  # both built-in rule sets
LONGEST_HOLIDAY = timedelta(days=9)  # the Spring Festival with its joined weekends


@given(on=st.dates(min_value=date(2024, 1, 1), max_value=date(2060, 12, 31)))
def test_on_any_day_a_record_filed_set_back_is_overdue_and_every_day_it_reaches_is_published(
    on: date,
) -> None:
    back = set_back(on)
    known = WorkingCalendar()  # as publish_test_years leaves the years the package knows
    calendar = WorkingCalendar(weekends_only_year(y) for y in years_reached(on)
                               if not known.covers(y))

    assert back.weekday() < 5 and on - back >= SET_BACK
    overdue_on = calendar.add_working_days(back, EXPLANATION_WORKING_DAYS) + LONGEST_HOLIDAY
    assert overdue_on < on
    assert calendar.covers((back - DECIDED).year)
    assert calendar.add_working_days(on, EXPLANATION_WORKING_DAYS) >= on
