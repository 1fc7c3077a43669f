"""Running deadline workflows must survive code changes: recorded histories replay on the code.

``workflows/histories/deadline-<version>-<scenario>.json`` are histories recorded from released
versions of ``DeadlineWorkflow``; they are never rewritten. A change that would make one of them
fail belongs behind ``workflow.patched()`` (see ``workflows/deadline.py``). To add the current
version's histories under a new version number (files already there are kept)::

    .venv/bin/python -m tests.unit.test_workflow_replay v3

v1 is the first release; v2 added ``CHECK_LEDGER_FIRST``; v3 added ``CHECK_CLOSE_SIGNALS``.
Besides replaying every history, the tests show that the histories can fail: each change without
its guard breaks the histories recorded before it, and the code before a change cannot run the
histories recorded after it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from tests.support.fake_activities import (
    RECORD,
    FakeLedger,
    close,
    dated,
    deadline,
    fake_worker,
    sleep_until,
    start,
    started,
    unplanned,
)
from tests.unit.deadline_variants import (
    DeprecatedPatchDeadlineWorkflow,
    ReleasedV1DeadlineWorkflow,
    ReleasedV2DeadlineWorkflow,
    UnguardedCloseCheckDeadlineWorkflow,
    UnguardedDeadlineWorkflow,
)
from workflows.deadline import (
    CHECK_CLOSE_SIGNALS,
    CHECK_LEDGER_FIRST,
    PATCHES,
    DeadlineWorkflow,
)
from workflows.devserver import start_test_server
from workflows.inputs import DeadlineExtension

HISTORIES = Path(__file__).resolve().parents[2] / "workflows" / "histories"
pytestmark = pytest.mark.timeout(120)
Scenario = Callable[[WorkflowEnvironment, FakeLedger], Awaitable[WorkflowHistory]]


async def ladder_extended_escalated_closed(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """Reminders, an extension that restarts them, the whole ladder, then the late fact."""
    first, handle = await started(env, due_in=10, reminders=(3, 1))
    await sleep_until(env, first.ladder.due - timedelta(days=2))
    later = deadline(first.ladder.due, due_in=10, reminders=(3, 1)).ladder
    await handle.execute_update(DeadlineWorkflow.extended,
                                DeadlineExtension(ladder=later, event_id=f"{RECORD}/6"))
    await sleep_until(env, (later.escalate_on or later.due) + timedelta(days=1))
    await close(handle, fake, f"{RECORD}/30")
    await handle.result()
    return await handle.fetch_history()


async def planned_then_moot(env: WorkflowEnvironment, fake: FakeLedger) -> WorkflowHistory:
    """Urge and escalation days asked of the ledger after the miss; made moot after the urge."""
    complete = await dated(env, due_in=5)
    input = unplanned(complete).model_copy(update={"key": "rectification"})
    fake.ladder = complete.ladder
    handle = await start(env, input)
    await sleep_until(env, complete.ladder.urge_on or complete.ladder.due)
    await close(handle, fake, f"{RECORD}/40")
    await handle.result()
    return await handle.fetch_history()


async def step_cancelled_by_close(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """The overdue step keeps failing (the database is away) until the close cancels it."""
    fake.failures["miss"] = 10_000
    input, handle = await started(env, due_in=1)
    await sleep_until(env, input.ladder.due + timedelta(days=1), hours=1)
    await close(handle, fake, f"{RECORD}/50")
    await handle.result()
    fake.failures.clear()
    return await handle.fetch_history()


async def step_refused_then_closed(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """The ledger refuses the overdue step; the ladder goes on to the urge and escalation."""
    fake.refusals.add("miss")
    input, handle = await started(env, due_in=3)
    await sleep_until(env, (input.ladder.escalate_on or input.ladder.due) + timedelta(days=1))
    await close(handle, fake, f"{RECORD}/60")
    await handle.result()
    fake.refusals.clear()
    return await handle.fetch_history()


async def overdue_when_deployed(env: WorkflowEnvironment, fake: FakeLedger) -> WorkflowHistory:
    """Still running: missed, waiting for the urge (a deadline in flight at a deployment)."""
    input, handle = await started(env, due_in=3)
    await sleep_until(env, input.ladder.due + timedelta(days=1))
    history = await handle.fetch_history()
    for _ in range(100):
        if history.events[-1].event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            break
        await asyncio.sleep(0.05)
        history = await handle.fetch_history()
    await close(handle, fake, f"{RECORD}/70")
    await handle.result()
    return history


async def closed_in_the_ledger_without_a_signal(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """Missed and urged; the fact that closes it is in the ledger but its signal never comes,
    so the check before the escalation ends the deadline (since v2)."""
    input, handle = await started(env, due_in=3)
    await sleep_until(env, input.ladder.urge_on or input.ladder.due)
    fake.closed_by = f"{RECORD}/80"
    await handle.result()
    return await handle.fetch_history()


async def forged_close_then_missed(env: WorkflowEnvironment, fake: FakeLedger) -> (
    WorkflowHistory
):
    """A close signal the ledger does not confirm is logged and the deadline is missed all the
    same; the genuine one ends it (since v3)."""
    input, handle = await started(env, due_in=3)
    await env.sleep(timedelta(days=1))
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/85")
    await sleep_until(env, input.ladder.due + timedelta(days=1))
    await close(handle, fake, f"{RECORD}/86")
    await handle.result()
    return await handle.fetch_history()


SCENARIOS: dict[str, Scenario] = {
    "ladder-extended-escalated-closed": ladder_extended_escalated_closed,
    "planned-then-moot": planned_then_moot,
    "step-cancelled-by-close": step_cancelled_by_close,
    "step-refused-then-closed": step_refused_then_closed,
    "overdue-when-deployed": overdue_when_deployed,
    "closed-in-the-ledger-without-a-signal": closed_in_the_ledger_without_a_signal,
    "forged-close-then-missed": forged_close_then_missed,
}
RELEASES = {
    "v1": set(SCENARIOS) - {"closed-in-the-ledger-without-a-signal",
                            "forged-close-then-missed"},
    "v2": set(SCENARIOS) - {"forged-close-then-missed"},  # + CHECK_LEDGER_FIRST
    "v3": set(SCENARIOS),  # + CHECK_CLOSE_SIGNALS
}


async def record_histories(env: WorkflowEnvironment) -> dict[str, WorkflowHistory]:
    """Every scenario, run on the current code with fake activities."""
    fake = FakeLedger()
    histories = {}
    async with fake_worker(env, fake):
        for name, scenario in SCENARIOS.items():
            fake.closed_by = None  # the ledger of each scenario starts with its deadline open
            histories[name] = await scenario(env, fake)
    return histories


def replayer(code: type = DeadlineWorkflow) -> Replayer:
    return Replayer(workflows=[code], data_converter=pydantic_data_converter)


async def breaks_on(code: type, history: WorkflowHistory, match: str | None = None) -> None:
    """Replaying ``history`` on ``code`` fails: the code would not carry that run on."""
    with pytest.raises(workflow.NondeterminismError, match=match):
        await replayer(code).replay_workflow(history)


def stored_histories(version: str = "*") -> list[Path]:
    return sorted(HISTORIES.glob(f"deadline-{version}-*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


def patches(history: WorkflowHistory) -> set[str]:
    """The patch ids a run recorded markers for."""
    found = set()
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and (
            marker.marker_name == "core_patch"
        ):
            found.add(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return found


def activities(history: WorkflowHistory) -> list[str]:
    return [event.activity_task_scheduled_event_attributes.activity_type.name
            for event in history.events
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_a_recorded_history_replays_on_the_current_code(path: Path) -> None:
    await replayer().replay_workflow(load(path))


async def test_todays_runs_replay_deterministically() -> None:
    async with await start_test_server() as env:
        histories = await record_histories(env)
    for history in histories.values():
        await replayer().replay_workflow(history)
    for name, history in histories.items():
        # a run records a patch's marker only once it reaches the changed code (the close
        # check once a close signal comes; histories of running deadlines stop before it)
        expected = set(PATCHES) if signalled(history) else {CHECK_LEDGER_FIRST}
        assert patches(history) == expected, name


def test_histories_of_every_released_version_are_kept() -> None:
    stored = {path.stem for path in stored_histories()}
    for version, scenarios in RELEASES.items():
        assert {f"deadline-{version}-{name}" for name in scenarios} <= stored


@pytest.mark.parametrize("path", stored_histories("v1"), ids=lambda p: p.stem)
async def test_the_ledger_check_without_its_patch_guard_would_break_running_deadlines(
    path: Path,
) -> None:
    history = load(path)
    assert "miss" in activities(history) and not patches(history)  # reaches the changed step

    await breaks_on(UnguardedDeadlineWorkflow, history,
                    r"scheduled event 'miss' does not match .* command 'check'")


@pytest.mark.parametrize("path", stored_histories("v2"), ids=lambda p: p.stem)
async def test_histories_since_the_ledger_check_take_its_branch(path: Path) -> None:
    history = load(path)
    assert patches(history) == {CHECK_LEDGER_FIRST} and "check" in activities(history)

    # so once a run has taken the new branch, v1's code could not carry it on
    await breaks_on(ReleasedV1DeadlineWorkflow, history,
                    f"patch marker encountered for change {CHECK_LEDGER_FIRST}")


def signalled(history: WorkflowHistory) -> bool:
    return any(event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
               for event in history.events)


def cancelled_a_step(history: WorkflowHistory) -> bool:
    return any(event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
               for event in history.events)


# A history whose close signal cancelled a running step is left out: the replayer does not
# compare the commands that follow the cancellation in the run's last task.
@pytest.mark.parametrize(
    "path", [path for path in stored_histories("v[12]")
             if signalled(load(path)) and not cancelled_a_step(load(path))],
    ids=lambda p: p.stem)
async def test_the_close_check_without_its_patch_guard_would_break_running_deadlines(
    path: Path,
) -> None:
    history = load(path)
    assert CHECK_CLOSE_SIGNALS not in patches(history)  # ended on the signal as it came

    await breaks_on(UnguardedCloseCheckDeadlineWorkflow, history,
                    r"Activity machine does not handle .*WorkflowExecutionCompleted")


@pytest.mark.parametrize("path", stored_histories("v3"), ids=lambda p: p.stem)
async def test_histories_since_the_close_check_take_its_branch(path: Path) -> None:
    history = load(path)
    if not signalled(history):  # still running, or ended by the ledger: not at the change
        assert CHECK_CLOSE_SIGNALS not in patches(history)
        return
    assert patches(history) == set(PATCHES)

    # so once a run has checked a close signal, v2's code could not carry it on
    await breaks_on(ReleasedV2DeadlineWorkflow, history,
                    f"patch marker encountered for change {CHECK_CLOSE_SIGNALS}")


def test_a_forged_close_signal_left_the_recorded_deadline_to_be_missed() -> None:
    history = load(HISTORIES / "deadline-v3-forged-close-then-missed.json")

    # the forged signal's check, then the miss and its check, then the genuine signal's
    assert activities(history) == ["check", "check", "miss", "check"]


async def test_deprecating_the_patch_later_keeps_the_runs_that_took_it() -> None:
    for path in stored_histories():
        history = load(path)
        if patches(history):
            await replayer(DeprecatedPatchDeadlineWorkflow).replay_workflow(history)
        else:  # runs from before the patch must be gone first, and their histories deleted
            await breaks_on(DeprecatedPatchDeadlineWorkflow, history)


async def test_deadlines_running_at_a_deployment_carry_on_under_the_new_code() -> None:
    async with await start_test_server() as env:
        fake = FakeLedger()
        overdue = await dated(env, due_in=2)
        not_due = (await dated(env, due_in=20)).model_copy(
            update={"key": "rectification"})

        # v1 runs both deadlines until the first has been missed (caching nothing, so no task
        # waits on the queue of a worker that is gone)
        async with fake_worker(env, fake, ReleasedV1DeadlineWorkflow, max_cached_workflows=0):
            first, second = await start(env, overdue), await start(env, not_due)
            await sleep_until(env, overdue.ladder.due + timedelta(days=1))
            assert await first.query(DeadlineWorkflow.state) == "overdue"

        # the new code takes over with nothing cached: it replays both histories, then goes on
        async with fake_worker(env, fake, workflow_failure_exception_types=[
                workflow.NondeterminismError]):
            await sleep_until(env, (not_due.ladder.escalate_on or not_due.ladder.due)
                              + timedelta(days=1))
            # both signalled before either result is awaited: the server skips time while
            # a test waits, and the other workflow would run into its execution timeout
            fake.closed_by = f"{RECORD}/90"
            for handle in (first, second):
                await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/90")
            for handle in (first, second):
                assert (await handle.result()).closed_by == f"{RECORD}/90"
        histories = [await handle.fetch_history() for handle in (first, second)]

    def steps(key: str) -> list[str]:
        return [name for name, _, arg in fake.calls if arg.key == key]

    # the deadline already past its due date keeps v1's sequence of steps; the other one
    # checks before each; both check the close signal, which came after the deployment
    assert steps("explanation") == ["miss", "urge", "escalate", "check"]
    assert steps("rectification") == ["check", "miss", "check", "urge", "check", "escalate",
                                      "check"]
    assert patches(histories[0]) == {CHECK_CLOSE_SIGNALS}
    assert patches(histories[1]) == set(PATCHES)
    for history in histories:
        await replayer().replay_workflow(history)


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
    if len(sys.argv) != 2 or not sys.argv[1].startswith("v"):
        sys.exit("usage: python -m tests.unit.test_workflow_replay v<N>")
    asyncio.run(_write(sys.argv[1]))
