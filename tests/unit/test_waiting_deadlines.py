"""A deadline counted before its calendar year was published ends exactly where it would have
ended had the year been known from the start (property-based, over start days, lengths,
extensions and units)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.record import Schedule, earliest_due
from ledger.rules import RuleBook
from ledger.values import DeadlineKind, PeriodUnit

LAST = WorkingCalendar().package_years[1]
NEXT = LAST + 1
# TEST DATA: a year with a Spring-Festival-like week off and a make-up working Sunday.
NOTICE = PublishedYear(
    year=NEXT, holidays=(date(NEXT, 1, 1), *(date(NEXT, 2, 8) + timedelta(days=n)
                                             for n in range(7))),
    workdays=(date(NEXT, 2, 7),) if date(NEXT, 2, 7).weekday() >= 5 else (),
    notice=f"TEST DATA {NEXT}, not a State Council notice",
)
RULES = RuleBook(()).in_force(date(LAST, 12, 1))
BEFORE = Schedule(RULES, WorkingCalendar())
AFTER = Schedule(RULES, WorkingCalendar([NOTICE]))

starts = st.dates(min_value=date(LAST, 10, 1), max_value=date(LAST, 12, 31))
units = st.sampled_from(list(PeriodUnit))


@given(starts, st.integers(1, 40), units)
def test_a_waiting_deadline_is_dated_as_if_the_year_had_been_known(
    start: date, n: int, unit: PeriodUnit,
) -> None:
    counted = BEFORE.period("k", DeadlineKind.EXPLANATION, start, n, unit, "p")
    known = AFTER.period("k", DeadlineKind.EXPLANATION, start, n, unit, "p")
    assert not known.waiting
    if counted.waiting:
        assert counted.awaiting == (NEXT,) and known.due is not None and known.due.year == NEXT
        assert earliest_due(counted) <= known.due
        assert AFTER.recount(counted).due == known.due
    else:
        assert counted.due == known.due


@given(starts, st.integers(1, 20), st.integers(1, 20))
def test_an_extension_of_a_waiting_deadline_ends_where_the_extended_known_one_does(
    start: date, n: int, more: int,
) -> None:
    counted = BEFORE.extend(
        BEFORE.period("k", DeadlineKind.OBJECTION_DECISION, start, n,
                      PeriodUnit.WORKING_DAYS, "p"), more)
    known = AFTER.extend(
        AFTER.period("k", DeadlineKind.OBJECTION_DECISION, start, n,
                     PeriodUnit.WORKING_DAYS, "p"), more)
    final = AFTER.recount(counted) if counted.waiting else counted
    assert final.due == known.due


@given(st.dates(min_value=date(LAST, 1, 1), max_value=date(LAST + 3, 12, 31)),
       st.integers(1, 400), st.booleans())
def test_the_years_a_count_waits_for_are_exactly_the_unpublished_years_it_reaches_first(
    start: date, n: int, working: bool,
) -> None:
    calendar = WorkingCalendar()
    end, missing = calendar.reach(start, n, working)
    assert all(not calendar.covers(year) for year in missing)
    assert missing == tuple(sorted(missing))
    if not missing:
        assert end == (calendar.add_working_days(start, n) if working
                       else calendar.add_days(start, n))
