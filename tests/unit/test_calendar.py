"""The working-day calendar: legal periods over holidays and make-up working days (调休)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.errors import CalendarUnavailableError, ValidationError

PACKAGE = f"chinesecalendar-{chinese_calendar.__version__}"

# Test data shaped like a State Council notice; not the real 2027 notice.
NOTICE_2027 = PublishedYear(
    year=2027,
    holidays=(date(2027, 1, 1), *(date(2027, 2, day) for day in range(5, 12))),
    workdays=(date(2027, 2, 20),),
    notice="国办发明电〔2026〕7号",
)


def package_year(year: int, notice: str, revision: int = 1) -> PublishedYear:
    """The package's own data for ``year``, as an administrator would publish it."""
    return PublishedYear(
        year=year,
        holidays=tuple(day for day in chinese_calendar.holidays if day.year == year),
        workdays=tuple(day for day in chinese_calendar.workdays if day.year == year),
        notice=notice,
        revision=revision,
    )


def days_in(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- deadlines in working days -------------------------------------------------------------------


def test_an_explanation_due_15_working_days_before_spring_festival_counts_make_up_sundays() -> None:
    calendar = WorkingCalendar()
    notified = date(2024, 2, 1)  # Thursday; Spring Festival 2024 is 10–17 Feb

    due = calendar.add_working_days(notified, 15)

    # 2 Feb, Sun 4 Feb (make-up), 5–9 Feb, Sun 18 Feb (make-up), 19–23 Feb, 26–27 Feb
    assert due == date(2024, 2, 27)


def test_an_objection_received_on_national_day_eve_is_marked_the_day_after_the_holiday() -> None:
    calendar = WorkingCalendar()

    assert calendar.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_the_day_a_notice_is_served_is_not_counted_even_when_it_is_a_working_day() -> None:
    calendar = WorkingCalendar()
    served_on_monday = date(2025, 3, 3)

    assert calendar.add_working_days(served_on_monday, 1) == date(2025, 3, 4)
    assert calendar.add_working_days(served_on_monday, 5) == date(2025, 3, 10)


def test_after_a_friday_the_next_working_day_is_a_make_up_saturday_if_the_notice_says_so() -> None:
    calendar = WorkingCalendar()

    assert calendar.next_working_day(date(2025, 10, 10)) == date(2025, 10, 11)
    assert calendar.next_working_day(date(2025, 3, 7)) == date(2025, 3, 10)


def test_a_deadline_of_zero_working_days_is_refused_naming_the_field() -> None:
    calendar = WorkingCalendar()

    with pytest.raises(ValidationError) as refused:
        calendar.add_working_days(date(2025, 3, 3), 0)

    assert refused.value.field == "working_days"


# --- periods in calendar days and months ---------------------------------------------------------


def test_a_15_day_review_window_ending_in_the_national_day_holiday_ends_the_day_after_it() -> None:
    calendar = WorkingCalendar()
    decided = date(2025, 9, 23)

    # 15 days after 23 Sep is 8 Oct, the last day of the holiday
    assert calendar.add_days(decided, 15) == date(2025, 10, 9)


def test_a_period_in_days_ending_on_a_make_up_saturday_ends_that_saturday() -> None:
    calendar = WorkingCalendar()

    assert calendar.add_days(date(2025, 9, 26), 15) == date(2025, 10, 11)


def test_a_period_of_zero_days_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        WorkingCalendar().add_days(date(2025, 3, 3), 0)

    assert refused.value.field == "days"


def test_a_six_month_sanction_from_the_last_of_august_ends_at_the_end_of_february() -> None:
    calendar = WorkingCalendar()

    assert calendar.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert calendar.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_a_publicity_window_ending_on_national_day_is_not_moved_to_a_working_day() -> None:
    calendar = WorkingCalendar()

    assert calendar.add_months(date(2025, 7, 1), 3) == date(2025, 10, 1)


def test_a_three_year_publicity_window_reaches_years_without_a_working_day_calendar() -> None:
    calendar = WorkingCalendar()

    assert calendar.add_months(date(2026, 4, 1), 36) == date(2029, 4, 1)
    assert calendar.add_months(date(2026, 4, 1), 0) == date(2026, 4, 1)


def test_a_negative_number_of_months_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        WorkingCalendar().add_months(date(2026, 4, 1), -1)

    assert refused.value.field == "months"


# --- working days left ---------------------------------------------------------------------------


def test_working_days_left_skip_the_spring_festival_and_count_its_make_up_sundays() -> None:
    calendar = WorkingCalendar()
    due = date(2024, 2, 27)

    assert calendar.working_days_between(date(2024, 2, 8), due) == 9
    assert calendar.working_days_between(due, due) == 0


def test_working_days_left_turn_negative_once_the_due_date_has_passed() -> None:
    calendar = WorkingCalendar()

    assert calendar.working_days_between(date(2024, 3, 1), date(2024, 2, 27)) == -3


# --- years without data --------------------------------------------------------------------------

TOUCHING_2027: dict[str, Callable[[WorkingCalendar], object]] = {
    "is_working_day": lambda c: c.is_working_day(date(2027, 1, 4)),
    "next_working_day": lambda c: c.next_working_day(date(2026, 12, 31)),
    "add_working_days": lambda c: c.add_working_days(date(2026, 12, 30), 15),
    "add_days": lambda c: c.add_days(date(2026, 12, 20), 15),
    "working_days_between": lambda c: c.working_days_between(date(2026, 12, 1), date(2027, 1, 8)),
}


@pytest.mark.parametrize("computation", TOUCHING_2027.values(), ids=TOUCHING_2027.keys())
def test_a_deadline_reaching_into_2027_is_refused_until_the_2027_notice_is_published(
    computation: Callable[[WorkingCalendar], object],
) -> None:
    before = WorkingCalendar()
    with pytest.raises(CalendarUnavailableError) as refused:
        computation(before)
    assert "no working-day calendar for 2027" in refused.value.reason
    assert "publish the State Council holiday notice for 2027" in refused.value.reason
    assert refused.value.field == "calendar_year"

    after = WorkingCalendar([NOTICE_2027])
    computation(after)

    assert not before.covers(2027)
    assert after.covers(2027)
    assert after.version == before.version + "+2027r1"


def test_an_explanation_requested_late_in_2026_is_due_after_the_published_2027_new_year() -> None:
    calendar = WorkingCalendar([NOTICE_2027])

    # 31 Dec; 1 Jan is a holiday; 4–8, 11–15, 18–21 Jan
    assert calendar.add_working_days(date(2026, 12, 30), 15) == date(2027, 1, 21)


def test_years_before_the_package_data_are_refused_too() -> None:
    calendar = WorkingCalendar()

    assert not calendar.covers(2003)
    with pytest.raises(CalendarUnavailableError):
        calendar.is_working_day(date(2003, 12, 31))


# --- published years and the version ------------------------------------------------------------


def test_a_corrected_notice_for_a_year_replaces_the_package_data_for_that_year_only() -> None:
    package = package_year(2024, "国办发明电〔2023〕7号")
    corrected = package.model_copy(
        update={
            "holidays": (*package.holidays, date(2024, 12, 31)),
            "workdays": tuple(day for day in package.workdays if day != date(2024, 2, 4)),
            "revision": 2,
        }
    )
    calendar = WorkingCalendar([corrected])

    assert not calendar.is_working_day(date(2024, 12, 31))
    assert not calendar.is_working_day(date(2024, 2, 4))
    assert calendar.is_working_day(date(2024, 2, 18))
    assert calendar.is_working_day(date(2025, 12, 31))
    assert calendar.version == f"{PACKAGE}+2024r2"


def test_the_latest_revision_of_a_year_wins_whatever_order_they_arrive_in() -> None:
    first = PublishedYear(year=2027, holidays=(), workdays=(), notice="国办发明电〔2026〕7号")
    second = NOTICE_2027.model_copy(update={"revision": 2})

    for published in ([first, second], [second, first]):
        calendar = WorkingCalendar(published)
        assert not calendar.is_working_day(date(2027, 1, 1))
        assert calendar.version == f"{PACKAGE}+2027r2"
        assert calendar.published == (second,)


def test_the_version_lists_published_years_in_year_order_whatever_order_they_arrive_in() -> None:
    notice_2028 = PublishedYear(year=2028, holidays=(), workdays=(), notice="国办发明电〔2027〕9号")

    forwards = WorkingCalendar([NOTICE_2027, notice_2028])
    backwards = WorkingCalendar([notice_2028, NOTICE_2027])

    assert WorkingCalendar().version == PACKAGE
    assert forwards.version == backwards.version == f"{PACKAGE}+2027r1+2028r1"


def test_two_different_notices_under_the_same_revision_are_refused() -> None:
    rival = NOTICE_2027.model_copy(update={"workdays": ()})

    with pytest.raises(ValidationError) as refused:
        WorkingCalendar([NOTICE_2027, rival])

    assert refused.value.field == "revision"


def test_the_same_notice_published_twice_is_accepted_once() -> None:
    calendar = WorkingCalendar([NOTICE_2027, NOTICE_2027])

    assert calendar.version == f"{PACKAGE}+2027r1"


# --- what a published year accepts ---------------------------------------------------------------


def _fields_in_error(**fields: object) -> set[object]:
    with pytest.raises(PydanticValidationError) as refused:
        PublishedYear.model_validate(
            {
                "year": 2027,
                "holidays": [],
                "workdays": [],
                "notice": "国办发明电〔2026〕7号",
                **fields,
            }
        )
    return {error["loc"][0] for error in refused.value.errors()}


def test_a_published_year_refuses_a_holiday_from_another_year() -> None:
    assert _fields_in_error(holidays=[date(2026, 12, 31)]) == {"holidays"}
    assert _fields_in_error(workdays=[date(2028, 1, 8)]) == {"workdays"}


def test_a_published_year_refuses_a_day_that_is_both_a_holiday_and_a_working_day() -> None:
    both = date(2027, 2, 6)

    assert _fields_in_error(holidays=[both], workdays=[both]) == {"workdays"}


def test_a_published_year_refuses_a_blank_notice_number() -> None:
    assert _fields_in_error(notice="  ") == {"notice"}


def test_a_published_year_refuses_unknown_fields_and_a_revision_below_one() -> None:
    assert _fields_in_error(source="guessed") == {"source"}
    assert _fields_in_error(revision=0) == {"revision"}


def test_a_published_year_keeps_its_days_sorted_so_equal_notices_compare_equal() -> None:
    shuffled = NOTICE_2027.model_copy(update={"holidays": NOTICE_2027.holidays[::-1]})
    revalidated = PublishedYear.model_validate(shuffled.model_dump())

    assert revalidated == NOTICE_2027


# --- properties ----------------------------------------------------------------------------------

PACKAGE_RANGE = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


def test_every_day_of_2020_to_2026_agrees_with_the_package_including_make_up_sundays() -> None:
    calendar = WorkingCalendar()
    days = days_in(date(2020, 1, 1), date(2026, 12, 31))

    disagreements = [
        d for d in days if calendar.is_working_day(d) != chinese_calendar.is_workday(d)
    ]

    assert disagreements == []
    make_up_sundays = {date(2024, 2, 4), date(2024, 2, 18)}
    assert make_up_sundays <= {d for d in days if d.weekday() == 6 and calendar.is_working_day(d)}


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 10, 31)), n=st.integers(1, 30)
)
def test_the_nth_working_day_after_a_date_is_a_working_day_with_exactly_n_working_days_up_to_it(
    start: date, n: int
) -> None:
    due = WorkingCalendar().add_working_days(start, n)

    assert chinese_calendar.is_workday(due)
    assert sum(chinese_calendar.is_workday(d) for d in days_in(start + timedelta(1), due)) == n


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 11, 30)), n=st.integers(1, 30)
)
def test_a_period_in_days_ends_on_the_first_working_day_on_or_after_its_last_calendar_day(
    start: date, n: int
) -> None:
    end = WorkingCalendar().add_days(start, n)

    last = start + timedelta(days=n)
    assert chinese_calendar.is_workday(end)
    assert not any(chinese_calendar.is_workday(d) for d in days_in(last, end - timedelta(1)))


@given(a=PACKAGE_RANGE, b=PACKAGE_RANGE)
def test_working_days_between_two_dates_is_the_same_count_either_way_round(
    a: date, b: date
) -> None:
    calendar = WorkingCalendar()

    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)


@st.composite
def year_2024_notices(draw: st.DrawFn) -> PublishedYear:
    days = days_in(date(2024, 1, 1), date(2024, 12, 31))
    holidays = draw(st.sets(st.sampled_from(days), max_size=30))
    weekends = [d for d in days if d.weekday() >= 5 and d not in holidays]
    workdays = draw(st.sets(st.sampled_from(weekends), max_size=10))
    return PublishedYear(
        year=2024,
        holidays=tuple(holidays),
        workdays=tuple(workdays),
        notice="国办发明电〔2023〕7号",
        revision=draw(st.integers(1, 9)),
    )


@settings(max_examples=30)
@given(notice=year_2024_notices())
def test_a_published_year_decides_every_day_of_its_year_and_no_other(notice: PublishedYear) -> None:
    calendar = WorkingCalendar([notice])

    for day in days_in(date(2024, 1, 1), date(2024, 12, 31)):
        expected = day in notice.workdays or (day.weekday() < 5 and day not in notice.holidays)
        assert calendar.is_working_day(day) == expected
    for day in days_in(date(2023, 12, 1), date(2023, 12, 31)) + days_in(
        date(2025, 1, 1), date(2025, 2, 28)
    ):
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day)
    assert calendar.version == f"{PACKAGE}+2024r{notice.revision}"
