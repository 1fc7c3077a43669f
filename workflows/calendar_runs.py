"""What the workflows on the calendar share: wait for the run that is due, have its activity
take it, and start the workflow once under its fixed id.

A timer that fires while the worker is down fires when it is back, so a run is taken late
rather than not at all; the activities record nothing twice, so a retried one is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

Outcome = TypeVar("Outcome", bound=BaseModel)


async def take_when_due(activity: str, due: datetime, input: BaseModel,
                        outcome_type: type[Outcome]) -> Outcome:
    """Sleep until ``due``, then run ``activity`` with ``input`` until it succeeds."""
    await workflow.sleep(due - workflow.now())
    outcome: Outcome = await workflow.execute_activity(
        activity, input, result_type=outcome_type, start_to_close_timeout=timedelta(hours=1),
        retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
    )
    return outcome


async def start_once(client: Client, run: Callable[[Any, Any], Awaitable[Any]],
                     input: BaseModel, *, id: str, task_queue: str) -> bool:
    """Start the workflow unless it runs; True when it was started now."""
    try:
        await client.start_workflow(run, input, id=id, task_queue=task_queue)
    except WorkflowAlreadyStartedError:
        return False
    return True
