"""A deadline cannot be silenced by signalling its workflow: a ``closed`` signal is checked
against the ledger, and while the ledger holds the deadline open the workflow keeps enforcing it.

Anyone who can reach Temporal (its web UI with signals enabled, ``temporal workflow signal``, a
worker's credentials) could send ``closed`` with a made-up event id. On the code before the
check, the workflow ended on it: the deadline was never missed, urged or escalated, and the
operators' board lost it; a signal naming no event at all failed every workflow task from then
on, so the deadline stalled. The first two tests failed there (no miss was recorded); a genuine
close still ends the workflow.

The time-skipping server starts at the machine's date, so the ledger's clock follows the
server's and the years the deadline reaches are published as test data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from ledger import commands as c
from ledger.application import Ledger
from tests.calendar_data import publish_test_years
from tests.support import world
from tests.support.engines import ServerClock, deadline_worker, system_steps
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_test_server
from workflows.dispatcher import Dispatcher
from workflows.inputs import (
    DeadlineOutcome,
    DeadlineState,
    business_day,
    start_of_day,
    workflow_id,
)
from workflows.positions import MemoryPositions

pytestmark = pytest.mark.timeout(120)


class Scene:
    """A ledger, the deadline workflows its dispatcher starts, and the server's clock."""

    def __init__(self, env: WorkflowEnvironment, ledger: Ledger, clock: ServerClock,
                 dispatcher: Dispatcher) -> None:
        self.env, self.ledger, self.clock, self.dispatcher = env, ledger, clock, dispatcher

    async def file(self) -> UUID:
        """A department files a record today; its explanation deadline starts."""
        self.clock.now = await self.env.get_current_time()
        today = business_day(self.clock.now)
        publish_test_years(self.ledger, today.year, today.year + 1)
        cmd = world.filing(decision_date=today - timedelta(days=3))
        rid = self.ledger.file_record(cmd, world.DEPT).record_id
        await self.dispatcher.catch_up()
        return rid

    def workflow(self, rid: UUID) -> WorkflowHandle[DeadlineWorkflow, DeadlineOutcome]:
        return self.env.client.get_workflow_handle_for(
            DeadlineWorkflow.run, workflow_id(rid, "explanation"))

    async def sleep_until_days_after_due(self, rid: UUID, days: int) -> None:
        due = self.ledger.record(rid).deadlines["explanation"].due
        await self.env.sleep(start_of_day(due + timedelta(days=days)) + timedelta(hours=12)
                             - await self.env.get_current_time())

    async def explain(self, rid: UUID) -> str:
        """The official explains; the dispatcher passes the fact on. The fact's event id."""
        self.clock.now = await self.env.get_current_time()
        self.ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="情况说明"),
                                       world.official(world.BODY_CODE))
        await self.dispatcher.catch_up()
        return f"{rid}/{self.ledger.record(rid).version}"


@pytest.fixture
async def scene() -> AsyncIterator[Scene]:
    clock = ServerClock()
    ledger = world.memory_world(clock)
    async with await start_test_server() as env, deadline_worker(env, ledger):
        yield Scene(env, ledger, clock, Dispatcher(ledger, env.client, MemoryPositions(),
                                                   task_queue="tq", search_attributes=False))


async def test_a_forged_close_signal_does_not_stop_the_deadline_from_being_missed(
    scene: Scene,
) -> None:
    rid = await scene.file()
    handle = scene.workflow(rid)
    forged = f"{rid}/{scene.ledger.record(rid).version + 50}"

    # someone with access to Temporal signals the deadline closed; nothing in the ledger is
    await handle.signal(DeadlineWorkflow.closed, forged)
    await scene.sleep_until_days_after_due(rid, 3)

    assert "explanation" in scene.ledger.record(rid).deadlines
    assert ("DeadlineMissed", "explanation") in [
        (name, key) for name, key, _ in system_steps(scene.ledger, rid)]
    assert await handle.query(DeadlineWorkflow.state) in {
        DeadlineState.OVERDUE, DeadlineState.URGED}

    # the explanation comes in late; its signal is confirmed by the ledger and ends it
    explained = await scene.explain(rid)
    outcome = await handle.result()
    assert outcome.closed_by == explained
    assert forged not in outcome.events


async def test_a_close_signal_naming_no_event_neither_ends_nor_stalls_the_deadline(
    scene: Scene,
) -> None:
    rid = await scene.file()
    handle = scene.workflow(rid)

    await handle.signal(DeadlineWorkflow.closed, "explained")
    await scene.sleep_until_days_after_due(rid, 1)

    assert [(name, key) for name, key, _ in system_steps(scene.ledger, rid)][-1] == (
        "DeadlineMissed", "explanation")
    explained = await scene.explain(rid)
    assert (await handle.result()).closed_by == explained


async def test_the_genuine_close_signal_still_ends_the_deadline_before_it_is_due(
    scene: Scene,
) -> None:
    rid = await scene.file()
    handle = scene.workflow(rid)

    explained = await scene.explain(rid)
    outcome = await handle.result()

    assert outcome.state is DeadlineState.CLOSED and outcome.closed_by == explained
    assert [name for name, _, _ in system_steps(scene.ledger, rid)] == []
