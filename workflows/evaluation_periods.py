"""Quarterly and annual evaluations on the calendar.

``PeriodEvaluationWorkflow`` sleeps until 00:30 Beijing time on the next quarter's first day,
has its activity record the periods that ended (the quarter; on 1 January the year too), then
continues as new for the quarter after. The worker starts it once under a fixed id
(``ledger-period-evaluations``); one already running is left as it is. A timer that fires while
the worker is down fires when it is back, so a quarter is taken late rather than not at all.

The activity's work is given by whoever runs the worker: evaluating reads the views, which are
not ``workflows``'s to read (``projections.period_evaluations.period_taker``). A period is
recorded once, so a retried activity records nothing twice.
"""

from __future__ import annotations

from temporalio import activity, workflow
from temporalio.client import Client

with workflow.unsafe.imports_passed_through():
    from workflows.calendar_runs import DayTaker, start_once, take_day_and_go_on
    from workflows.inputs import TASK_QUEUE
    from workflows.period_inputs import (
        WORKFLOW_ID,
        PeriodEvaluationInput,
        PeriodEvaluationOutcome,
        next_quarter_start,
    )

ACTIVITY = "record_period_evaluations"


@workflow.defn
class PeriodEvaluationWorkflow:
    """Wait for the next quarter, record the periods that ended, and go on."""

    @workflow.run
    async def run(self, input: PeriodEvaluationInput) -> PeriodEvaluationOutcome:
        await take_day_and_go_on(ACTIVITY, next_quarter_start(workflow.now()),
                                 PeriodEvaluationInput, PeriodEvaluationOutcome)


class PeriodEvaluationActivities(DayTaker[list[str]]):
    """The activity, with the work that records the periods due on a day."""

    @activity.defn(name=ACTIVITY)
    def record(self, input: PeriodEvaluationInput) -> PeriodEvaluationOutcome:
        assert input.on is not None
        return PeriodEvaluationOutcome(recorded=self.take(input.on))


async def ensure_period_evaluations(client: Client, *, task_queue: str = TASK_QUEUE) -> bool:
    """Start the workflow unless it runs; True when it was started now."""
    return await start_once(client, PeriodEvaluationWorkflow.run, PeriodEvaluationInput(),
                            id=WORKFLOW_ID, task_queue=task_queue)
