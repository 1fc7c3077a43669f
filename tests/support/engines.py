"""The engines behind deadlines as the tests start them: the time-skipping Temporal server with
the ledger's clock on its day, a worker running deadline workflows with the real activities,
and a dispatcher following the ledger from where the test found it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ledger import record_events as ev
from ledger.application import Ledger
from tests.calendar_data import publish_test_years
from tests.support.world import DEPT, FakeClock, filing, memory_world
from workflows.activities import DeadlineActivities
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_test_server
from workflows.dispatcher import Dispatcher
from workflows.inputs import DeadlineOutcome, business_day, start_of_day, workflow_id
from workflows.positions import MemoryPositions

SYSTEM_STEPS = (ev.ReminderSent, ev.DeadlineMissed, ev.DeadlineUrged, ev.DeadlineEscalated)


class ServerClock(FakeClock):
    """The test's clock outside activities; the server's (skipped) clock inside them."""

    def __call__(self) -> datetime:
        if activity.in_activity():
            return activity.info().current_attempt_scheduled_time
        return self.now


@asynccontextmanager
async def server_on_its_day(ledger: Ledger, clock: ServerClock, years: int = 0) -> (
    AsyncIterator[WorkflowEnvironment]
):
    """The time-skipping server, with the ledger's clock starting on the server's day (today's)
    so deadlines lie ahead of it, and the test calendar published for ``years`` years from then
    so it covers the years those deadlines reach."""
    async with await start_test_server() as env:
        await move_to_the_servers_day(env, ledger, clock, years)
        yield env


async def move_to_the_servers_day(env: WorkflowEnvironment, ledger: Ledger, clock: ServerClock,
                                  years: int = 2) -> date:
    """Set the ledger's clock to the server's time and publish the test calendar for ``years``
    years from then; the server's business day is returned."""
    clock.now = await env.get_current_time()
    today = business_day(clock.now)
    publish_test_years(ledger, *range(today.year, today.year + years))
    return today


@asynccontextmanager
async def deadline_worker(env: WorkflowEnvironment, ledger: Ledger) -> AsyncIterator[Worker]:
    """A worker on queue ``tq`` running deadline workflows with the ledger's real activities."""
    with ThreadPoolExecutor(4) as pool:
        async with Worker(env.client, task_queue="tq", workflows=[DeadlineWorkflow],
                          activities=DeadlineActivities(ledger).all(),
                          activity_executor=pool) as worker:
            yield worker


class World:
    """A ledger, the server and its worker; the log as the test found it is already followed."""

    def __init__(self, env: WorkflowEnvironment, ledger: Ledger, clock: ServerClock) -> None:
        self.env, self.ledger, self.clock = env, ledger, clock
        self.positions = MemoryPositions()
        # The log as the test found it (subjects, the test calendar years): already followed.
        self.start = ledger.recorder.max_notification_id() or 0
        self.positions.set("deadlines", self.start)

    def dispatcher(self, page_size: int = 500) -> Dispatcher:
        return Dispatcher(self.ledger, self.env.client, self.positions, task_queue="tq",
                          page_size=page_size, search_attributes=False)

    def handle(self, rid: UUID, key: str) -> WorkflowHandle[Any, DeadlineOutcome]:
        return self.env.client.get_workflow_handle(workflow_id(rid, key),
                                                   result_type=DeadlineOutcome)

    async def outcome(self, rid: UUID, key: str) -> DeadlineOutcome:
        return await asyncio.wait_for(self.handle(rid, key).result(), timeout=60)

    async def run_id(self, rid: UUID, key: str) -> str | None:
        return (await self.handle(rid, key).describe()).run_id

    def eid(self, rid: UUID, event_type: type[ev.DomainEvent]) -> str:
        event = next(e for e in self.ledger.timeline(rid) if isinstance(e, event_type))
        return f"{rid}/{event.originator_version}"


@asynccontextmanager
async def deadline_world() -> AsyncIterator[World]:
    """An in-memory ledger with the province registered, on the server's day, with a worker."""
    clock = ServerClock()
    ledger = memory_world(clock)
    async with server_on_its_day(ledger, clock, years=2) as env, deadline_worker(env, ledger):
        yield World(env, ledger, clock)


@pytest.fixture(name="world")
async def world_on_the_server() -> AsyncIterator[World]:
    """The deadline tests' ``world``: a test module that imports this fixture has it."""
    async with deadline_world() as found:
        yield found


def today(world: World) -> date:
    return business_day(world.clock())


def file(world: World, number: int = 1, **fields: Any) -> UUID:
    cmd = filing(number, decision_date=today(world) - timedelta(days=5), **fields)
    return world.ledger.file_record(cmd, DEPT).record_id


def handle(world: World, wid: str) -> WorkflowHandle[Any, DeadlineOutcome]:
    return world.env.client.get_workflow_handle(wid, result_type=DeadlineOutcome)


def eid(world: World, holder: UUID, event_type: type[Any]) -> str:
    event = next(e for e in world.ledger.timeline(holder) if isinstance(e, event_type))
    return f"{holder}/{event.originator_version}"


async def sleep_until_day(world: World, day: Any) -> None:
    await world.env.sleep(start_of_day(day) + timedelta(hours=12)
                          - await world.env.get_current_time())
    world.clock.now = await world.env.get_current_time()


def system_steps(ledger: Ledger, record_id: Any) -> list[tuple[str, str, datetime]]:
    """The system's facts on a record: (event, deadline key, when), in log order."""
    return [(type(e).__name__, getattr(e, "key", ""), e.timestamp)
            for e in ledger.timeline(record_id) if isinstance(e, SYSTEM_STEPS)]
