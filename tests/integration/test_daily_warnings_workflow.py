"""Each day's warnings are raised on the calendar: a workflow the worker starts once wakes at
00:45 Beijing time, takes the day's evaluations from the views and records the warnings they
raise — once, however many days the rule stays crossed (time-skipping server)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from ledger.application import Ledger
from ledger.events import SYSTEM
from ledger.warning_events import WarningRaised
from projections.daily_evaluations import take_day
from tests.support.projections import Projections
from tests.support.schedules import scheduled_worker, skip_until, stop_running
from tests.support.world import DEPT, filing
from workflows.daily_inputs import SHANGHAI, WORKFLOW_ID, next_run
from workflows.daily_warnings import (
    DailyWarningsActivities,
    DailyWarningsWorkflow,
    ensure_daily_warnings,
)

pytestmark = pytest.mark.timeout(180)


def test_the_next_run_is_a_quarter_to_one_beijing_time_the_next_day_or_today() -> None:
    assert next_run(datetime(2026, 12, 4, 3, tzinfo=UTC)) == datetime(
        2026, 12, 5, 0, 45, tzinfo=SHANGHAI)
    # 00:30 in Beijing is still the day before in UTC: today's run is still to come
    assert next_run(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == datetime(
        2027, 1, 1, 0, 45, tzinfo=SHANGHAI)
    assert next_run(datetime(2027, 1, 1, 0, 45, tzinfo=SHANGHAI)) == datetime(
        2027, 1, 2, 0, 45, tzinfo=SHANGHAI)


async def test_the_worker_starts_the_daily_run_once_and_a_warning_is_recorded_once(
    app: Ledger, views: Projections, pg_url: str,
) -> None:
    for n in (1, 2):
        app.file_record(filing(n, severity="serious"), DEPT)
    views.catch_up()
    called: list[tuple[date, int]] = []

    def take(on: date) -> int:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            formula = app.formula_book().in_force(on)
            raised = len(take_day(app, conn, formula, on, SYSTEM).warnings)
        called.append((on, raised))
        return raised

    async with scheduled_worker("daily", DailyWarningsWorkflow,
                                DailyWarningsActivities(take).raise_warnings) as (env, started):
        assert await ensure_daily_warnings(env.client, task_queue="daily")
        assert not await ensure_daily_warnings(env.client, task_queue="daily")
        await skip_until(env, lambda: len(called) >= 3, timedelta(hours=1), most=24 * 4)
        await stop_running(env, WORKFLOW_ID)

    first = next_run(started).date()
    assert [on for on, _ in called[:3]] == [first + timedelta(days=d) for d in range(3)]
    assert [raised for _, raised in called[:3]] == [1, 0, 0]
    raised = [e for n in app.recorder.select_notifications(start=1, limit=10_000)
              if isinstance(e := app.mapper.to_domain_event(n), WarningRaised)]
    assert len(raised) == 1 and raised[0].raised_on == first
