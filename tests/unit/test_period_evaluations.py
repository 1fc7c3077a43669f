"""Which ended periods an operator is offered to record by hand."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ledger.ratings import period_end
from projections.period_evaluations import due_periods, ended_periods


def test_on_the_first_working_day_of_2027_the_last_four_quarters_and_2026_are_offered() -> None:
    assert ended_periods(date(2027, 1, 4)) == ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2026"]
    assert ended_periods(date(2026, 12, 4), quarters=2) == ["2026-Q3", "2026-Q2", "2025"]


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_every_period_offered_has_ended_and_includes_the_ones_due_that_day(on: date) -> None:
    offered = ended_periods(on)
    assert all(period_end(p) < on for p in offered)
    assert len(set(offered)) == len(offered) == 5
    assert set(due_periods(on)) <= set(offered)
