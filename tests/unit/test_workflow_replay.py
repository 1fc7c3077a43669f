"""Running deadline workflows must survive code changes: recorded histories replay on the code.

``workflows/histories/deadline-<version>-<scenario>.json`` are histories recorded from released
versions of ``DeadlineWorkflow``; they are never rewritten. A change that would make one of them
fail belongs behind ``workflow.patched()``. To add the current version's histories (after a
release; files already there are kept)::

    .venv/bin/python -m tests.unit.test_workflow_replay v1
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from tests.unit.test_workflow_deadline import (
    RECORD,
    FakeLedger,
    deadline,
    sleep_until,
    start,
    today,
)
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_test_server
from workflows.inputs import DeadlineExtension

HISTORIES = Path(__file__).resolve().parents[2] / "workflows" / "histories"
pytestmark = pytest.mark.timeout(120)
Scenario = Callable[[WorkflowEnvironment, FakeLedger], Awaitable[WorkflowHistory]]


async def ladder_extended_escalated_closed(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """Reminders, an extension that restarts them, the whole ladder, then the late fact."""
    first = deadline(await today(env), due_in=10, reminders=(3, 1))
    handle = await start(env, first)
    await sleep_until(env, first.ladder.due - timedelta(days=2))
    later = deadline(first.ladder.due, due_in=10, reminders=(3, 1)).ladder
    await handle.execute_update(DeadlineWorkflow.extended,
                                DeadlineExtension(ladder=later, event_id=f"{RECORD}/6"))
    await sleep_until(env, (later.escalate_on or later.due) + timedelta(days=1))
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/30")
    await handle.result()
    return await handle.fetch_history()


async def planned_then_moot(env: WorkflowEnvironment, fake: FakeLedger) -> WorkflowHistory:
    """Urge and escalation days asked of the ledger after the miss; made moot after the urge."""
    complete = deadline(await today(env), due_in=5)
    input = complete.model_copy(update={"key": "rectification", "ladder": (
        complete.ladder.model_copy(update={"urge_on": None, "escalate_on": None}))})
    fake.ladder = complete.ladder
    handle = await start(env, input)
    await sleep_until(env, complete.ladder.urge_on or complete.ladder.due)
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/40")
    await handle.result()
    return await handle.fetch_history()


async def step_cancelled_by_close(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """The overdue step keeps failing (the database is away) until the close cancels it."""
    input = deadline(await today(env), due_in=1)
    fake.failures["miss"] = 10_000
    handle = await start(env, input)
    await sleep_until(env, input.ladder.due + timedelta(days=1), hours=1)
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/50")
    await handle.result()
    fake.failures.clear()
    return await handle.fetch_history()


async def step_refused_then_closed(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """The ledger refuses the overdue step; the ladder goes on to the urge and escalation."""
    input = deadline(await today(env), due_in=3)
    fake.refusals.add("miss")
    handle = await start(env, input)
    await sleep_until(env, (input.ladder.escalate_on or input.ladder.due) + timedelta(days=1))
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/60")
    await handle.result()
    fake.refusals.clear()
    return await handle.fetch_history()


async def overdue_when_deployed(env: WorkflowEnvironment, fake: FakeLedger) -> WorkflowHistory:
    """Still running: missed, waiting for the urge (a deadline in flight at a deployment)."""
    input = deadline(await today(env), due_in=3)
    handle = await start(env, input)
    await sleep_until(env, input.ladder.due + timedelta(days=1))
    history = await handle.fetch_history()
    for _ in range(100):
        if history.events[-1].event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            break
        await asyncio.sleep(0.05)
        history = await handle.fetch_history()
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/70")
    await handle.result()
    return history


SCENARIOS: dict[str, Scenario] = {
    "ladder-extended-escalated-closed": ladder_extended_escalated_closed,
    "planned-then-moot": planned_then_moot,
    "step-cancelled-by-close": step_cancelled_by_close,
    "step-refused-then-closed": step_refused_then_closed,
    "overdue-when-deployed": overdue_when_deployed,
}


async def record_histories(env: WorkflowEnvironment) -> dict[str, WorkflowHistory]:
    """Every scenario, run on the current code with fake activities."""
    fake = FakeLedger()
    async with Worker(env.client, task_queue="tq", workflows=[DeadlineWorkflow],
                      activities=fake.activities()):
        return {name: await scenario(env, fake) for name, scenario in SCENARIOS.items()}


def replayer() -> Replayer:
    return Replayer(workflows=[DeadlineWorkflow], data_converter=pydantic_data_converter)


def stored_histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_a_recorded_history_replays_on_the_current_code(path: Path) -> None:
    await replayer().replay_workflow(load(path))


async def test_todays_runs_replay_deterministically() -> None:
    async with await start_test_server() as env:
        histories = await record_histories(env)
    for history in histories.values():
        await replayer().replay_workflow(history)


def test_histories_of_the_released_version_are_kept() -> None:
    stored = {path.stem for path in stored_histories()}
    assert {f"deadline-v1-{name}" for name in SCENARIOS} <= stored


async def _write(version: str) -> None:
    async with await start_test_server() as env:
        histories = await record_histories(env)
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        path = HISTORIES / f"deadline-{version}-{name}.json"
        if not path.exists():  # a released version's histories are never rewritten
            path.write_text(history.to_json())
            print(f"recorded {path.name}")


if __name__ == "__main__":
    asyncio.run(_write(sys.argv[1]))
