"""Deadline workflows with the real activities, against an in-memory ledger.

The dispatcher turns the ledger's facts into workflow starts and signals; the time-skipping
server runs the timers; the ledger's clock follows the server's clock inside activities, so the
facts that reach the ledger carry the moment their timer fired.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.calendar import WorkingCalendar
from ledger.values import DeadlineKind
from tests.calendar_data import publish_test_years
from tests.support.engines import (
    ServerClock,
    deadline_worker,
    move_to_the_servers_day,
    system_steps,
)
from tests.support.world import (
    BODY_CODE,
    DEPT,
    PARENT_CODE,
    filing,
    memory_world,
    official,
)
from workflows.activities import DeadlineActivities
from workflows.deadline import DeadlineWorkflow
from workflows.dispatcher import Dispatcher
from workflows.inputs import (
    CheckInput,
    DeadlineOutcome,
    DeadlineState,
    PlanInput,
    ReminderInput,
    StepInput,
    start_of_day,
    workflow_id,
)
from workflows.plans import started_deadlines
from workflows.positions import MemoryPositions

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server_clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def ledger(server_clock: ServerClock) -> Ledger:
    return memory_world(server_clock)


@pytest.fixture
async def dispatcher(env: WorkflowEnvironment, ledger: Ledger) -> AsyncIterator[Dispatcher]:
    async with deadline_worker(env, ledger):
        yield Dispatcher(ledger, env.client, MemoryPositions(), task_queue="tq",
                         search_attributes=False)


async def test_a_missed_explanation_reaches_the_ledger_as_missed_urged_escalated(
    env: WorkflowEnvironment, ledger: Ledger, server_clock: ServerClock, dispatcher: Dispatcher,
) -> None:
    # the source department files today (on the server's clock); 15 working days to explain
    today = await move_to_the_servers_day(env, ledger, server_clock)
    await dispatcher.catch_up()
    rid = ledger.file_record(filing(decision_date=today - timedelta(days=3)), DEPT).record_id
    deadline = ledger.record(rid).deadlines["explanation"]
    calendar = ledger.settings().calendar()
    assert deadline.due == calendar.add_working_days(today, 15)
    assert await dispatcher.catch_up() == 2  # filed, explanation requested

    # nobody explains; a month passes on the server
    await env.sleep(start_of_day(deadline.due + timedelta(days=30)) - await env.get_current_time())

    overdue_on = deadline.due + timedelta(days=1)
    urge_on = calendar.add_working_days(overdue_on, 1)
    escalate_on = calendar.add_working_days(urge_on, 5)
    steps = system_steps(ledger, rid)
    assert [(name, key) for name, key, _ in steps] == [
        ("ReminderSent", "explanation"), ("ReminderSent", "explanation"),
        ("DeadlineMissed", "explanation"), ("DeadlineUrged", "explanation"),
        ("DeadlineEscalated", "explanation"),
    ]
    assert [when.replace(second=0, microsecond=0) for _, _, when in steps] == [
        start_of_day(day) for day in (
            _working_days_before(calendar, deadline.due, 3),
            _working_days_before(calendar, deadline.due, 1),
            overdue_on, urge_on, escalate_on,
        )
    ]
    reminders = [e for e in ledger.timeline(rid) if isinstance(e, ev.ReminderSent)]
    assert [r.working_days_before for r in reminders] == [3, 1]
    escalated = ledger.timeline(rid)[-1]
    assert isinstance(escalated, ev.DeadlineEscalated) and escalated.to == PARENT_CODE
    assert ledger.record(rid).deadlines["explanation"].escalated

    # the explanation comes in late; it closes the deadline and ends the workflow
    server_clock.now = await env.get_current_time()
    ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="情况说明"),
                              official(BODY_CODE))
    assert await dispatcher.catch_up() == 1
    handle = env.client.get_workflow_handle(workflow_id(rid, "explanation"),
                                            result_type=DeadlineOutcome)
    outcome = await handle.result()
    assert outcome.state is DeadlineState.CLOSED
    assert outcome.closed_by == f"{rid}/{ledger.record(rid).version}"
    assert len(outcome.recorded) == 5


async def test_an_explanation_due_across_the_spring_festival_counts_the_make_up_days(
    env: WorkflowEnvironment, ledger: Ledger, server_clock: ServerClock, dispatcher: Dispatcher,
) -> None:
    # Filed Friday 2026-01-30. The 15 working days skip the Spring Festival holiday
    # (15–23 February) and count the make-up working Saturday 14 February.
    server_clock.set_date(date(2026, 1, 30))
    rid = ledger.file_record(filing(decision_date=date(2026, 1, 20)), DEPT).record_id
    deadline = ledger.record(rid).deadlines["explanation"]
    assert deadline.kind is DeadlineKind.EXPLANATION
    assert deadline.rule_set_id == "ndrc-order-58"
    assert deadline.due == date(2026, 2, 27)  # weekends alone would give 20 February
    calendar = WorkingCalendar()
    assert calendar.working_days_between(date(2026, 1, 30), deadline.due) == 15
    assert calendar.is_working_day(date(2026, 2, 14))
    assert not calendar.is_working_day(date(2026, 2, 23))

    input = dispatcher.deadline_input(rid, deadline, f"{rid}/3")
    ladder = input.ladder
    assert [(r.on, r.working_days_before) for r in ladder.reminders] == [
        (date(2026, 2, 24), 3), (date(2026, 2, 26), 1)]
    # overdue on Saturday 28 February, itself a make-up working day: urged on Monday 2 March
    assert ladder.urge_on == date(2026, 3, 2)
    assert ladder.escalate_on == date(2026, 3, 9)
    assert input.superior == PARENT_CODE

    # The server's clock is months later, so the dispatcher is "catching up": the stale
    # reminders are skipped and the ladder runs at once.
    await dispatcher.catch_up()
    handle = env.client.get_workflow_handle(workflow_id(rid, "explanation"))
    for _ in range(400):
        if await handle.query(DeadlineWorkflow.state) is DeadlineState.ESCALATED:
            break
        await asyncio.sleep(0.05)
    steps = [(name, key) for name, key, _ in system_steps(ledger, rid)]
    assert steps == [("DeadlineMissed", "explanation"), ("DeadlineUrged", "explanation"),
                     ("DeadlineEscalated", "explanation")]


def started_by(ledger: Ledger, record_id: Any, key: str) -> str:
    """Id of the event that started a deadline of a record."""
    return next(f"{record_id}/{e.originator_version}" for e in ledger.timeline(record_id)
                if any(d.key == key for d in started_deadlines(e)))


async def test_a_deadline_met_without_its_close_signal_ends_without_a_miss(
    env: WorkflowEnvironment, ledger: Ledger, server_clock: ServerClock, dispatcher: Dispatcher,
) -> None:
    today = await move_to_the_servers_day(env, ledger, server_clock)
    rid = ledger.file_record(filing(decision_date=today - timedelta(days=3)), DEPT).record_id
    due = ledger.record(rid).deadlines["explanation"].due
    await dispatcher.catch_up()

    # reminded twice, the official explains on the due date; the dispatcher never passes it
    # on (say its position was moved past it while restoring a backup)
    await env.sleep(start_of_day(due) + timedelta(hours=12) - await env.get_current_time())
    server_clock.now = await env.get_current_time()
    ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="情况说明"),
                              official(BODY_CODE))
    explained = f"{rid}/{ledger.record(rid).version}"
    await env.sleep(start_of_day(due + timedelta(days=2)) - await env.get_current_time())

    handle = env.client.get_workflow_handle(workflow_id(rid, "explanation"),
                                            result_type=DeadlineOutcome)
    outcome = await handle.result()
    assert outcome.state is DeadlineState.CLOSED and outcome.closed_by == explained
    assert [name for name, _, _ in system_steps(ledger, rid)] == ["ReminderSent"] * 2


def test_the_ledger_names_the_fact_that_ended_a_deadline(
    ledger: Ledger, server_clock: ServerClock,
) -> None:
    activities = DeadlineActivities(ledger)
    met = ledger.file_record(filing(), DEPT).record_id
    ask = CheckInput(record_id=met, key="explanation", since=started_by(ledger, met, "explanation"))
    assert activities.check(ask) is None  # still open

    ledger.submit_explanation(c.SubmitExplanation(record_id=met, text="情况说明"),
                              official(BODY_CODE))
    assert activities.check(ask) == f"{met}/{ledger.record(met).version}"

    withdrawn = ledger.file_record(filing(2), DEPT).record_id
    ledger.withdraw_record(c.WithdrawRecord(record_id=withdrawn, reasons="决定已撤销"), DEPT)
    assert activities.check(CheckInput(
        record_id=withdrawn, key="explanation",
        since=started_by(ledger, withdrawn, "explanation"),
    )) == f"{withdrawn}/{ledger.record(withdrawn).version}"


def test_an_activity_retried_after_it_succeeded_records_nothing_twice(
    ledger: Ledger, server_clock: ServerClock,
) -> None:
    rid = ledger.file_record(filing(), DEPT).record_id
    due = ledger.record(rid).deadlines["explanation"].due
    activities = DeadlineActivities(ledger)

    server_clock.set_date(due - timedelta(days=1))
    first = activities.remind(ReminderInput(record_id=rid, key="explanation",
                                            working_days_before=1))
    again = activities.remind(ReminderInput(record_id=rid, key="explanation",
                                            working_days_before=1))
    server_clock.set_date(due + timedelta(days=1))
    missed = activities.miss(StepInput(record_id=rid, key="explanation"))
    missed_again = activities.miss(StepInput(record_id=rid, key="explanation"))

    assert first == f"{rid}/4" and again is None
    assert missed == f"{rid}/5" and missed_again is None
    assert [type(e) for e in ledger.timeline(rid)][3:] == [ev.ReminderSent, ev.DeadlineMissed]


def test_a_step_the_ledger_refuses_is_a_non_retryable_error(
    ledger: Ledger, server_clock: ServerClock,
) -> None:
    rid = ledger.file_record(filing(), DEPT).record_id
    activities = DeadlineActivities(ledger)

    with pytest.raises(ApplicationError) as refused:
        activities.miss(StepInput(record_id=rid, key="explanation"))  # not yet due

    assert refused.value.non_retryable and refused.value.type == "LifecycleError"
    assert "is due on" in refused.value.message


def _working_days_before(calendar: WorkingCalendar, day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day



def test_urge_and_escalation_days_wait_for_next_years_calendar(
    ledger: Ledger, server_clock: ServerClock,
) -> None:
    # A rectification due on 30 December of the last year the calendar knows: its escalation
    # falls in a year no holiday notice covers yet.
    last = max(year for year in range(2004, 2100) if WorkingCalendar().covers(year))
    server_clock.set_date(date(last, 12, 1))
    rid = ledger.file_record(filing(decision_date=date(last, 11, 20), request_explanation=False,
                                    rectification={"requirement": "整改",
                                                   "due": date(last, 12, 30)}), DEPT).record_id
    activities = DeadlineActivities(ledger)
    ask = PlanInput(record_id=rid, key="rectification", due=date(last, 12, 30))

    with pytest.raises(ApplicationError) as unknown:
        activities.plan(ask)
    assert not unknown.value.non_retryable and unknown.value.type == "CalendarUnavailableError"

    publish_test_years(ledger, last + 1)
    ladder = activities.plan(ask)

    assert ladder is not None and ladder.due == date(last, 12, 30)
    assert ladder.urge_on is not None and ladder.escalate_on is not None
    assert ladder.escalate_on.year == last + 1
