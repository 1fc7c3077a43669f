"""The quarterly evaluations run on the calendar: a workflow the worker starts once waits for
each quarter's first day and records the periods that ended (time-skipping server)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from ledger.application import Ledger
from ledger.events import SYSTEM
from projections.period_evaluations import due_periods, take_due
from tests.support.projections import Projections
from tests.support.schedules import scheduled_worker, skip_until, stop_running
from tests.support.world import DEPT, filing
from workflows.evaluation_periods import (
    PeriodEvaluationActivities,
    PeriodEvaluationWorkflow,
    ensure_period_evaluations,
)
from workflows.period_inputs import SHANGHAI, WORKFLOW_ID, next_quarter_start

pytestmark = pytest.mark.timeout(180)


def test_the_next_run_is_half_past_midnight_beijing_time_on_a_quarters_first_day() -> None:
    def beijing(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)

    assert next_quarter_start(datetime(2026, 12, 4, 3, tzinfo=UTC)) == beijing(2027, 1, 1, 0, 30)
    # 00:29 on New Year's Day in Beijing is still 2026 in UTC
    assert next_quarter_start(datetime(2026, 12, 31, 16, 29, tzinfo=UTC)) == beijing(
        2027, 1, 1, 0, 30)
    assert next_quarter_start(beijing(2027, 1, 1, 0, 30)) == beijing(2027, 4, 1, 0, 30)
    assert next_quarter_start(beijing(2027, 9, 30, 23, 0)) == beijing(2027, 10, 1, 0, 30)
    assert [due_periods(day) for day in (date(2027, 1, 1), date(2027, 4, 1), date(2027, 10, 3))
            ] == [["2026-Q4", "2026"], ["2027-Q1"], ["2027-Q3"]]


async def test_the_worker_starts_the_workflow_once_and_it_records_each_quarter_as_it_comes(
    app: Ledger, views: Projections, pg_url: str,
) -> None:
    app.file_record(filing(1), DEPT)
    views.catch_up()
    called: list[date] = []

    def take(on: date) -> list[str]:
        called.append(on)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            return take_due(app, conn, on, SYSTEM)

    async with scheduled_worker("periods", PeriodEvaluationWorkflow,
                                PeriodEvaluationActivities(take).record) as (env, started):
        assert await ensure_period_evaluations(env.client, task_queue="periods")
        assert not await ensure_period_evaluations(env.client, task_queue="periods")
        await skip_until(env, lambda: len(called) >= 1, timedelta(days=1), most=95)
        first = called[0]
        assert first == next_quarter_start(started).date()
        assert first.day == 1 and first.month in (1, 4, 7, 10)
        await skip_until(env, lambda: len(called) >= 2, timedelta(days=1), most=95)
        assert called[1] == next_quarter_start(
            datetime(first.year, first.month, first.day, 1, tzinfo=SHANGHAI)).date()
        await stop_running(env, WORKFLOW_ID)

    for day in called:
        for period in due_periods(day):
            recorded = app.evaluation_period(period)
            assert recorded is not None and recorded.taken_on == day, period
