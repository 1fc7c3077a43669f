"""The deadline workflow on the time-skipping server, with fake activities recorded by name.

Dates are set relative to the server's clock, so each rung of the ladder can be checked to
fire at 00:00 Asia/Shanghai of its day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.support.fake_activities import (
    RECORD,
    FakeLedger,
    close,
    dated,
    deadline,
    sleep_until,
    start,
    started,
    unplanned,
)
from workflows.deadline import DeadlineWorkflow
from workflows.inputs import (
    DeadlineExtension,
    DeadlineOutcome,
    DeadlineState,
    start_of_day,
)

pytestmark = pytest.mark.timeout(120)


async def test_a_deadline_met_before_it_is_due_takes_no_step(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    _, handle = await started(env, due_in=20)

    await env.sleep(timedelta(days=5))
    await close(handle, fake, f"{RECORD}/4")
    outcome = await handle.result()

    assert fake.names() == ["check"]  # the signal, checked against the ledger
    assert outcome == DeadlineOutcome(state=DeadlineState.CLOSED, closed_by=f"{RECORD}/4",
                                      events=(f"{RECORD}/3", f"{RECORD}/4"), recorded=())


async def test_reminders_are_sent_on_their_days_before_the_due_date(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=20, reminders=(3, 1))

    await sleep_until(env, input.ladder.due)
    await close(handle, fake, f"{RECORD}/9")
    await handle.result()

    due = input.ladder.due
    assert fake.names() == ["remind", "remind", "check"]
    assert fake.when("remind") == [start_of_day(due - timedelta(days=3)),
                                   start_of_day(due - timedelta(days=1))]
    assert [arg.working_days_before for name, _, arg in fake.calls if name == "remind"] == [3, 1]


async def test_a_missed_deadline_is_missed_urged_then_escalated_to_the_superior(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=10)

    await sleep_until(env, input.ladder.escalate_on + timedelta(days=10))
    # an escalated deadline stays open, without timers, until the fact that closes it
    assert await handle.query(DeadlineWorkflow.state) == DeadlineState.ESCALATED
    await close(handle, fake, f"{RECORD}/20")
    outcome = await handle.result()

    due = input.ladder.due
    # before each step the ledger is asked whether the deadline is still open
    assert fake.names() == ["check", "miss", "check", "urge", "check", "escalate", "check"]
    assert fake.when("check")[:3] == fake.when("miss") + fake.when("urge") + fake.when("escalate")
    assert fake.when("miss") == [start_of_day(due + timedelta(days=1))]
    assert fake.when("urge") == [start_of_day(input.ladder.urge_on)]
    assert fake.when("escalate") == [start_of_day(input.ladder.escalate_on)]
    assert fake.calls[-2][2].to == "11350100MB0000200X"
    assert outcome.recorded == (f"{RECORD}/11", f"{RECORD}/12", f"{RECORD}/13")


async def test_an_approved_extension_moves_the_due_date(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=10)
    await env.sleep(timedelta(days=5))
    later = deadline(input.ladder.due, due_in=10).ladder

    await handle.execute_update(DeadlineWorkflow.extended,
                                DeadlineExtension(ladder=later, event_id=f"{RECORD}/5"))
    # the same extension delivered again (a dispatcher replay) changes nothing
    await handle.execute_update(DeadlineWorkflow.extended,
                                DeadlineExtension(ladder=later, event_id=f"{RECORD}/5"))
    await sleep_until(env, later.due + timedelta(days=1))
    assert await handle.query(DeadlineWorkflow.state) == DeadlineState.OVERDUE
    await close(handle, fake, f"{RECORD}/30")
    await handle.result()

    assert fake.when("miss") == [start_of_day(later.due + timedelta(days=1))]


async def test_an_extension_to_an_earlier_or_equal_date_is_refused(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    _, handle = await started(env, due_in=10)
    earlier = (await dated(env, due_in=9)).ladder

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(DeadlineWorkflow.extended,
                                    DeadlineExtension(ladder=earlier, event_id=f"{RECORD}/5"))
    assert "must be later" in str(refused.value.cause)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(DeadlineWorkflow.extended, DeadlineExtension(
            ladder=(await dated(env, due_in=30)).ladder, event_id=f"{RECORD}/2"))

    await close(handle, fake, f"{RECORD}/6")
    assert (await handle.result()).events == (f"{RECORD}/3", f"{RECORD}/6")


async def test_a_fact_that_makes_the_deadline_moot_ends_the_ladder(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=10)

    await sleep_until(env, input.ladder.urge_on)  # missed, then urged
    await close(handle, fake, f"{RECORD}/15")  # e.g. the record is withdrawn
    outcome = await handle.result()

    assert fake.names() == ["check", "miss", "check", "urge", "check"]
    assert outcome.closed_by == f"{RECORD}/15"


async def test_a_step_the_ledger_refuses_is_passed_over_and_the_ladder_goes_on(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    fake.refusals.add("miss")  # e.g. an extension the ledger recorded reset the deadline
    input, handle = await started(env, due_in=10)

    await sleep_until(env, input.ladder.urge_on)
    assert await handle.query(DeadlineWorkflow.state) == DeadlineState.URGED
    await close(handle, fake, f"{RECORD}/20")
    outcome = await handle.result()

    assert fake.names() == ["check", "miss", "check", "urge", "check"]
    assert outcome.recorded == (f"{RECORD}/11",)


async def test_a_deadline_the_ledger_closed_without_a_signal_is_not_escalated(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=10)
    await sleep_until(env, input.ladder.urge_on)  # missed, then urged

    # the explanation comes in late, but its close signal never reaches the workflow
    fake.closed_by = f"{RECORD}/14"
    await sleep_until(env, input.ladder.escalate_on)
    outcome = await handle.result()

    assert fake.names() == ["check", "miss", "check", "urge", "check"]
    assert fake.when("check")[-1] == start_of_day(input.ladder.escalate_on)
    assert outcome == DeadlineOutcome(
        state=DeadlineState.CLOSED, closed_by=f"{RECORD}/14",
        events=(f"{RECORD}/3", f"{RECORD}/14"), recorded=(f"{RECORD}/11", f"{RECORD}/12"),
    )


async def test_a_close_signal_older_than_the_deadline_is_ignored(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    _, handle = await started(env, due_in=10)

    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/2")  # a replay from an earlier use
    await close(handle, fake, f"{RECORD}/7")
    outcome = await handle.result()

    assert outcome.closed_by == f"{RECORD}/7"
    assert fake.names() == ["check"]  # for the second signal only


async def test_days_the_calendar_lacked_at_the_start_are_asked_of_the_ledger_after_the_miss(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    # due late in December, before next year's holiday notice is published
    complete = await dated(env, due_in=10)
    input = unplanned(complete)
    fake.failures["plan"] = 1  # still unpublished at the first ask
    fake.ladder = complete.ladder
    handle = await start(env, input)

    await sleep_until(env, complete.ladder.escalate_on + timedelta(days=1))
    await close(handle, fake, f"{RECORD}/20")
    await handle.result()

    assert fake.names() == ["check", "miss", "check", "plan", "plan", "check", "urge", "check",
                            "escalate", "check"]
    assert fake.when("urge") == [start_of_day(complete.ladder.urge_on or date.min)]
    assert fake.when("escalate") == [start_of_day(complete.ladder.escalate_on or date.min)]


async def test_closing_a_deadline_cancels_a_step_that_keeps_failing(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    fake.failures["miss"] = 10_000  # the ledger's database is away
    input, handle = await started(env, due_in=1)
    await sleep_until(env, input.ladder.due + timedelta(days=1), hours=1)

    await close(handle, fake, f"{RECORD}/8")
    outcome = await handle.result()

    assert outcome.closed_by == f"{RECORD}/8" and outcome.recorded == ()
    assert fake.names()[0] == "check" and fake.names()[-1] == "check"
    assert set(fake.names()[1:-1]) == {"miss"}


async def test_a_close_signal_the_ledger_does_not_confirm_leaves_the_deadline_running(
    env: WorkflowEnvironment, fake: FakeLedger,
) -> None:
    input, handle = await started(env, due_in=10)
    await env.sleep(timedelta(days=2))

    # nothing in the ledger closes the deadline: the signal is forged (or sent in error)
    await handle.signal(DeadlineWorkflow.closed, f"{RECORD}/99")
    await handle.signal(DeadlineWorkflow.closed, "not an event")
    await sleep_until(env, input.ladder.urge_on)
    assert await handle.query(DeadlineWorkflow.state) == DeadlineState.URGED
    await close(handle, fake, f"{RECORD}/14")
    outcome = await handle.result()

    assert fake.names() == ["check", "check", "miss", "check", "urge", "check"]
    assert outcome.closed_by == f"{RECORD}/14"
    assert outcome.events == (f"{RECORD}/3", f"{RECORD}/14")
