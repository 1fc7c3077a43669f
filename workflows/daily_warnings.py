"""Each day's evaluations and the warnings they raise, on the calendar.

``DailyWarningsWorkflow`` sleeps until 00:45 Beijing time, has its activity take the day's
evaluations and record the warnings they raise (``projections.daily_evaluations``), then
continues as new for the next day. The worker starts it once under a fixed id
(``ledger-daily-warnings``); one already running is left as it is. A timer that fires while the
worker is down fires when it is back, so a day is taken late rather than not at all. Taking a
day again records nothing twice, so a retried activity is harmless.

The activity's work is given by whoever runs the worker: evaluating reads the views, which are
not ``workflows``'s to read.
"""

from __future__ import annotations

from temporalio import activity, workflow
from temporalio.client import Client

with workflow.unsafe.imports_passed_through():
    from workflows.calendar_runs import DayTaker, start_once, take_day_and_go_on
    from workflows.daily_inputs import (
        WORKFLOW_ID,
        DailyWarningsInput,
        DailyWarningsOutcome,
        next_run,
    )
    from workflows.inputs import TASK_QUEUE

ACTIVITY = "raise_daily_warnings"


@workflow.defn
class DailyWarningsWorkflow:
    """Wait for the next day's run, take it, and go on."""

    @workflow.run
    async def run(self, input: DailyWarningsInput) -> DailyWarningsOutcome:
        await take_day_and_go_on(ACTIVITY, next_run(workflow.now()), DailyWarningsInput,
                                 DailyWarningsOutcome)


class DailyWarningsActivities(DayTaker[int]):
    """The activity, with the work that takes a day's evaluations and raises its warnings."""

    @activity.defn(name=ACTIVITY)
    def raise_warnings(self, input: DailyWarningsInput) -> DailyWarningsOutcome:
        assert input.on is not None
        return DailyWarningsOutcome(raised=self.take(input.on))


async def ensure_daily_warnings(client: Client, *, task_queue: str = TASK_QUEUE) -> bool:
    """Start the workflow unless it runs; True when it was started now."""
    return await start_once(client, DailyWarningsWorkflow.run, DailyWarningsInput(),
                            id=WORKFLOW_ID, task_queue=task_queue)
