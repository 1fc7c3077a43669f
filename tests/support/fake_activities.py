"""The deadline workflow's activities faked by name, and the steps a workflow test takes: a
deadline dated from the server's day, started, slept to a day, closed by its fact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ledger.values import DeadlineKind
from workflows.deadline import DeadlineWorkflow
from workflows.inputs import (
    CheckInput,
    DeadlineInput,
    EscalationInput,
    Ladder,
    PlanInput,
    Reminder,
    ReminderInput,
    StepInput,
    business_day,
    start_of_day,
)

RECORD = uuid.UUID("5f0c6a4e-1d2b-4c3d-8e9f-0a1b2c3d4e5f")


class FakeLedger:
    """Fake activities by name: each call is kept with the (skipped) time it was scheduled."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime, Any]] = []
        self._version = 10
        self.failures: dict[str, int] = {}
        """Activity name → how many more calls fail (as if the database were away)."""
        self.refusals: set[str] = set()
        """Activity names whose step the ledger's rules refuse (a non-retryable error)."""
        self.ladder: Ladder | None = None
        self.closed_by: str | None = None
        """What ``check`` answers: the fact that closed the deadline in the ledger, if any."""

    def _record(self, name: str, arg: Any) -> str:
        self.calls.append((name, activity.info().scheduled_time, arg))
        if self.failures.get(name, 0) > 0:
            self.failures[name] -= 1
            raise ApplicationError(f"{name} failed", type="OperationalError")
        if name in self.refusals:
            raise ApplicationError(f"the ledger refused {name}", type="LifecycleError",
                                   non_retryable=True)
        self._version += 1
        return f"{RECORD}/{self._version}"

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="remind")
        async def remind(input: ReminderInput) -> str | None:
            return self._record("remind", input)

        @activity.defn(name="check")
        async def check(input: CheckInput) -> str | None:
            self.calls.append(("check", activity.info().scheduled_time, input))
            return self.closed_by

        @activity.defn(name="miss")
        async def miss(input: StepInput) -> str | None:
            return self._record("miss", input)

        @activity.defn(name="urge")
        async def urge(input: StepInput) -> str | None:
            return self._record("urge", input)

        @activity.defn(name="escalate")
        async def escalate(input: EscalationInput) -> str | None:
            return self._record("escalate", input)

        @activity.defn(name="plan")
        async def plan(input: PlanInput) -> Ladder | None:
            self._record("plan", input)
            return self.ladder

        return [remind, check, miss, urge, escalate, plan]

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    def when(self, name: str) -> list[datetime]:
        """When each call of an activity was scheduled, to the minute (timers fire a few ms
        after their moment)."""
        return [at.replace(second=0, microsecond=0) for n, at, _ in self.calls if n == name]


@asynccontextmanager
async def fake_worker(env: WorkflowEnvironment, fake: FakeLedger, workflow: type = DeadlineWorkflow,
                      **options: Any) -> AsyncIterator[Worker]:
    """A worker on queue ``tq`` running ``workflow`` with the fake's activities."""
    async with Worker(env.client, task_queue="tq", workflows=[workflow],
                      activities=fake.activities(), **options) as worker:
        yield worker


async def today(env: WorkflowEnvironment) -> date:
    return business_day(await env.get_current_time())


def deadline(start: date, due_in: int, reminders: tuple[int, ...] = ()) -> DeadlineInput:
    """A deadline due ``due_in`` days after ``start``: overdue the day after, urged the day after
    that, escalated 5 days later."""
    due = start + timedelta(days=due_in)
    return DeadlineInput(
        record_id=RECORD, key="explanation", kind=DeadlineKind.EXPLANATION,
        ladder=Ladder(
            due=due,
            reminders=tuple(Reminder(on=due - timedelta(days=n), working_days_before=n)
                            for n in reminders),
            urge_on=due + timedelta(days=2), escalate_on=due + timedelta(days=7),
        ),
        superior="11350100MB0000200X", started_by=f"{RECORD}/3",
    )


async def dated(env: WorkflowEnvironment, due_in: int, reminders: tuple[int, ...] = ()) -> (
    DeadlineInput
):
    """A deadline due ``due_in`` days after the server's day, not started yet."""
    return deadline(await today(env), due_in, reminders)


def unplanned(input: DeadlineInput) -> DeadlineInput:
    """The same deadline with its urge and escalation days left for the ledger to plan."""
    return input.model_copy(update={"ladder": input.ladder.model_copy(
        update={"urge_on": None, "escalate_on": None})})


async def sleep_until(env: WorkflowEnvironment, day: date, hours: int = 12) -> None:
    """Let the server's clock run to a time of a business day (noon by default)."""
    await env.sleep(start_of_day(day) + timedelta(hours=hours) - await env.get_current_time())


async def close(handle: WorkflowHandle[Any, Any], fake: FakeLedger, event_id: str) -> None:
    """The fact that closes the deadline is in the ledger, and its close signal is sent."""
    fake.closed_by = event_id
    await handle.signal(DeadlineWorkflow.closed, event_id)


async def start(env: WorkflowEnvironment, input: DeadlineInput) -> WorkflowHandle[Any, Any]:
    return await env.client.start_workflow(
        DeadlineWorkflow.run, input, id=f"record-{RECORD}-{input.key}", task_queue="tq"
    )


async def started(env: WorkflowEnvironment, due_in: int, reminders: tuple[int, ...] = ()) -> (
    tuple[DeadlineInput, WorkflowHandle[Any, Any]]
):
    """A deadline due ``due_in`` days after the server's day, started on the server."""
    input = await dated(env, due_in, reminders)
    return input, await start(env, input)
