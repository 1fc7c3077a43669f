"""Running deadline workflows must survive code changes: recorded histories replay on the code.

``workflows/histories/*.json`` are histories recorded from earlier releases of
``DeadlineWorkflow``. A change that would make one of them fail belongs behind
``workflow.patched()``. To record the current version's histories (after a release)::

    .venv/bin/python -m tests.unit.test_workflow_replay
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
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


async def record_histories(env: WorkflowEnvironment) -> dict[str, WorkflowHistory]:
    """Two runs that take every path: reminders, an extension, the whole ladder, a close;
    a ladder finished by asking the ledger for its dates, then made moot."""
    fake = FakeLedger()
    async with Worker(env.client, task_queue="tq", workflows=[DeadlineWorkflow],
                      activities=fake.activities()):
        first = deadline(await today(env), due_in=10, reminders=(3, 1))
        handle = await start(env, first)
        await sleep_until(env, first.ladder.due - timedelta(days=2))
        later = deadline(first.ladder.due, due_in=10, reminders=(3, 1)).ladder
        await handle.execute_update(DeadlineWorkflow.extended,
                                    DeadlineExtension(ladder=later, event_id=f"{RECORD}/6"))
        await sleep_until(env, (later.escalate_on or later.due) + timedelta(days=1))
        await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/30")
        await handle.result()
        ladder = await handle.fetch_history()

        complete = deadline(await today(env), due_in=5)
        input = complete.model_copy(update={"key": "rectification", "ladder": (
            complete.ladder.model_copy(update={"urge_on": None, "escalate_on": None}))})
        fake.ladder = complete.ladder
        handle = await start(env, input)
        await sleep_until(env, complete.ladder.urge_on or complete.ladder.due)
        await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/40")
        await handle.result()
        moot = await handle.fetch_history()
    return {"ladder-extended-escalated-closed": ladder, "planned-then-moot": moot}


def replayer() -> Replayer:
    return Replayer(workflows=[DeadlineWorkflow], data_converter=pydantic_data_converter)


def stored_histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_a_recorded_history_replays_on_the_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
    await replayer().replay_workflow(history)


async def test_todays_runs_replay_deterministically() -> None:
    async with await start_test_server() as env:
        histories = await record_histories(env)
    for history in histories.values():
        await replayer().replay_workflow(history)


def test_histories_of_the_released_version_are_kept() -> None:
    assert len(stored_histories()) >= 2


async def _write() -> None:
    async with await start_test_server() as env:
        histories = await record_histories(env)
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        (HISTORIES / f"deadline-v1-{name}.json").write_text(history.to_json())


if __name__ == "__main__":
    asyncio.run(_write())
