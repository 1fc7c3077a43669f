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

from collections.abc import Callable
from datetime import date, timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows.inputs import TASK_QUEUE
    from workflows.period_inputs import (
        SHANGHAI,
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
        now = workflow.now()
        due = next_quarter_start(now)
        await workflow.sleep(due - now)
        outcome: PeriodEvaluationOutcome = await workflow.execute_activity(
            ACTIVITY, PeriodEvaluationInput(on=due.astimezone(SHANGHAI).date()),
            result_type=PeriodEvaluationOutcome, start_to_close_timeout=timedelta(hours=1),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
        )
        workflow.continue_as_new(PeriodEvaluationInput())
        return outcome  # not reached: the next quarter's run takes over


class PeriodEvaluationActivities:
    """The activity, with the work that records the periods due on a day."""

    def __init__(self, take: Callable[[date], list[str]]) -> None:
        self.take = take

    @activity.defn(name=ACTIVITY)
    def record(self, input: PeriodEvaluationInput) -> PeriodEvaluationOutcome:
        assert input.on is not None
        return PeriodEvaluationOutcome(recorded=self.take(input.on))


async def ensure_period_evaluations(client: Client, *, task_queue: str = TASK_QUEUE) -> bool:
    """Start the workflow unless it runs; True when it was started now."""
    try:
        await client.start_workflow(PeriodEvaluationWorkflow.run, PeriodEvaluationInput(),
                                    id=WORKFLOW_ID, task_queue=task_queue)
    except WorkflowAlreadyStartedError:
        return False
    return True
