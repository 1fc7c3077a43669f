"""The workflows that run on the calendar as the tests drive them: the time-skipping server with
a worker for one such workflow, its clock skipped a step at a time until something has happened,
and the workflow found still running when the test is over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.devserver import start_test_server


@asynccontextmanager
async def scheduled_worker(task_queue: str, workflow: type, activity: Callable[..., Any]) -> (
    AsyncIterator[tuple[WorkflowEnvironment, datetime]]
):
    """The time-skipping server with a worker for ``workflow`` and its one ``activity`` on
    ``task_queue``; the server's time when it started comes with it."""
    async with await start_test_server() as env:
        started = await env.get_current_time()
        async with Worker(env.client, task_queue=task_queue, workflows=[workflow],
                          activities=[activity], activity_executor=ThreadPoolExecutor(2)):
            yield env, started


async def skip_until(env: WorkflowEnvironment, done: Callable[[], bool], step: timedelta,
                     most: int) -> None:
    """Skip the server's clock a ``step`` at a time until ``done`` (at most ``most`` steps)."""
    for _ in range(most):
        if done():
            return
        await env.sleep(step)
        await asyncio.sleep(0.05)
    assert done()


async def stop_running(env: WorkflowEnvironment, workflow_id: str) -> None:
    """The workflow is still running, waiting for its next turn; the test ends it."""
    handle = env.client.get_workflow_handle(workflow_id)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    await handle.terminate("test over")
