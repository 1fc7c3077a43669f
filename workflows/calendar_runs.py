"""What the workflows on the calendar share: wait for the run that is due, have its activity
take its Beijing day, continue as new for the next run, and start the workflow once under its
fixed id.

A timer that fires while the worker is down fires when it is back, so a run is taken late
rather than not at all; the activities record nothing twice, so a retried one is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, Generic, NoReturn, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows.inputs import business_day

Input = TypeVar("Input", bound=BaseModel)
Outcome = TypeVar("Outcome", bound=BaseModel)
Taken = TypeVar("Taken")


async def take_when_due(activity: str, due: datetime, input: BaseModel,
                        outcome_type: type[Outcome]) -> Outcome:
    """Sleep until ``due``, then run ``activity`` with ``input`` until it succeeds."""
    await workflow.sleep(due - workflow.now())
    outcome: Outcome = await workflow.execute_activity(
        activity, input, result_type=outcome_type, start_to_close_timeout=timedelta(hours=1),
        retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
    )
    return outcome


async def take_day_and_go_on(activity: str, due: datetime, input_type: type[Input],
                             outcome_type: type[Outcome]) -> NoReturn:
    """Sleep until ``due``, have ``activity`` take its Beijing day (the input's ``on``), then
    continue as new with an empty input, which waits for the run after."""
    await take_when_due(activity, due, input_type(on=business_day(due)), outcome_type)
    workflow.continue_as_new(input_type())


class DayTaker(Generic[Taken]):
    """Base of the calendar workflows' activities: holds the work that takes a day, given by
    whoever runs the worker."""

    def __init__(self, take: Callable[[date], Taken]) -> None:
        self.take = take


async def start_once(client: Client, run: Callable[[Any, Any], Awaitable[Any]],
                     input: BaseModel, *, id: str, task_queue: str) -> bool:
    """Start the workflow unless it runs; True when it was started now."""
    try:
        await client.start_workflow(run, input, id=id, task_queue=task_queue)
    except WorkflowAlreadyStartedError:
        return False
    return True
