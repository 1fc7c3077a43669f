"""One dispatcher is active at a time; a second copy stands by and takes over.

Runs on PostgreSQL (the lock and the NOTIFY are the database's) and the time-skipping server.
Before the dispatcher ran in the shared following loop, both copies dispatched at once and no
copy was ever idle, so ``active`` did not exist and these tests failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import psycopg
import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from ledger.application import Ledger
from ledger.clock import business_date
from tests.support.engines import ServerClock, server_on_its_day
from tests.support.world import DEPT, filing, postgres_world
from workflows.dispatcher import Dispatcher
from workflows.inputs import workflow_id
from workflows.positions import PostgresPositions

pytestmark = pytest.mark.timeout(120)


@dataclass
class Deployment:
    """The ledger on PostgreSQL and a Temporal server; each copy is a dispatcher of its own."""

    env: WorkflowEnvironment
    ledger: Ledger
    clock: ServerClock
    url: str

    def copy(self) -> Dispatcher:
        return Dispatcher(self.ledger, self.env.client, PostgresPositions(self.url),
                          task_queue="tq", search_attributes=False)

    def start(self, copy: Dispatcher, stop: asyncio.Event) -> asyncio.Task[None]:
        return asyncio.create_task(copy.run(stop, poll_interval=0.05, standby_interval=0.05,
                                            listen_url=self.url))

    def file(self, number: int) -> UUID:
        decided = business_date(self.clock.now) - timedelta(days=5)
        return self.ledger.file_record(filing(number, decision_date=decided), DEPT).record_id

    async def has_workflow(self, rid: UUID) -> bool:
        try:
            await self.env.client.get_workflow_handle(workflow_id(rid, "explanation")).describe()
        except RPCError:
            return False
        return True


@pytest.fixture
async def deployment(pg_url: str) -> AsyncIterator[Deployment]:
    clock = ServerClock()
    ledger = postgres_world(pg_url, clock)
    async with server_on_its_day(ledger, clock, years=2) as env:
        # what the log held before the test has been dispatched
        PostgresPositions(pg_url).set("deadlines", ledger.recorder.max_notification_id() or 0)
        yield Deployment(env, ledger, clock, pg_url)
    ledger.close()


async def eventually(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def workflow_of(deployment: Deployment, rid: UUID, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await deployment.has_workflow(rid):
        assert asyncio.get_running_loop().time() < deadline, f"no workflow for {rid}"
        await asyncio.sleep(0.05)


async def test_a_standby_dispatcher_takes_over_when_the_active_one_stops(
    deployment: Deployment,
) -> None:
    first, second = deployment.copy(), deployment.copy()
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_running = deployment.start(first, first_stop)
    await eventually(lambda: first.active, "the first copy to become active")
    second_running = deployment.start(second, second_stop)
    await asyncio.sleep(0.3)
    assert first.active and not second.active

    # the active copy dispatches; the standby does nothing
    filed_first = deployment.file(1)
    await workflow_of(deployment, filed_first)
    await asyncio.sleep(0.2)
    assert (first.started, second.started) == (1, 0)

    # the active copy is stopped (a deployment, a crash): the standby takes over
    first_stop.set()
    await first_running
    await eventually(lambda: second.active, "the standby to take over")
    filed_second = deployment.file(2)
    await workflow_of(deployment, filed_second)
    second_stop.set()
    await second_running

    # each fact was dispatched once, by whichever copy was active then
    assert (first.started, second.started) == (1, 1)


async def test_a_dispatcher_that_loses_its_database_gives_way_to_the_standby(
    deployment: Deployment,
) -> None:
    first, second = deployment.copy(), deployment.copy()
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    running = [deployment.start(first, first_stop)]
    await eventually(lambda: first.active, "the first copy to become active")
    running.append(deployment.start(second, second_stop))
    await asyncio.sleep(0.3)

    # the database ends the active copy's session, and with it the copy's lock
    with psycopg.connect(deployment.url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks "
                     "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()")
    await eventually(lambda: second.active, "the standby to take over")
    await eventually(lambda: not first.active, "the first copy to notice")
    rid = deployment.file(1)
    await workflow_of(deployment, rid)
    assert second.started == 1

    first_stop.set()
    second_stop.set()
    await asyncio.gather(*running)
