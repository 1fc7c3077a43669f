"""The dispatcher follows the log and drives deadline workflows; replays change nothing.

Runs on the time-skipping server with the real activities and an in-memory ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from tests.calendar_data import publish_test_years
from tests.support.world import (
    DEPT,
    REVIEWER,
    SOURCE_CODE,
    FakeClock,
    filing,
    memory_ledger,
    official,
    register_world,
)
from workflows.activities import DeadlineActivities, ExpiryActivities
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_test_server
from workflows.dispatcher import Dispatcher
from workflows.horizons import MemoryHorizons
from workflows.inputs import (
    DeadlineOutcome,
    DeadlineState,
    SweepInput,
    SweepOutcome,
    business_day,
    start_of_day,
    workflow_id,
)
from workflows.positions import MemoryPositions
from workflows.sweep import ExpirySweepWorkflow

pytestmark = pytest.mark.timeout(120)
SOURCE = {"name": "福建省纪委监委", "code": SOURCE_CODE}


class ServerClock(FakeClock):
    """The test's clock outside activities; the server's (skipped) clock inside them."""

    def __call__(self) -> datetime:
        if activity.in_activity():
            return activity.info().current_attempt_scheduled_time
        return self.now


class World:
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


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = ServerClock()
    ledger = memory_ledger(clock)
    register_world(ledger)
    async with await start_test_server() as env:
        # the ledger's clock starts on the server's day, so deadlines lie ahead of it; the
        # server's day is today's, so the test calendar covers the years its deadlines reach
        clock.now = await env.get_current_time()
        publish_test_years(ledger, business_day(clock.now).year, business_day(clock.now).year + 1)
        with ThreadPoolExecutor(4) as pool:
            async with Worker(env.client, task_queue="tq", workflows=[DeadlineWorkflow],
                              activities=DeadlineActivities(ledger).all(),
                              activity_executor=pool):
                yield World(env, ledger, clock)


def today(world: World) -> date:
    return business_day(world.clock())


def file(world: World, number: int = 1, **fields: Any) -> UUID:
    cmd = filing(number, decision_date=today(world) - timedelta(days=5), **fields)
    return world.ledger.file_record(cmd, DEPT).record_id


async def test_a_filing_starts_one_workflow_per_deadline_and_a_replay_starts_none(
    world: World,
) -> None:
    rid = file(world, rectification={"requirement": "限期支付货款"})
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    runs = (await world.run_id(rid, "explanation"), await world.run_id(rid, "rectification"))
    assert dispatcher.started == 2

    # the dispatcher crashed before saving its position: the next one replays the log
    world.positions.set("deadlines", world.start)
    again = world.dispatcher()
    assert await again.catch_up() == 3

    assert again.started == 0
    assert (await world.run_id(rid, "explanation"),
            await world.run_id(rid, "rectification")) == runs


async def test_the_dispatcher_resumes_from_its_saved_position_page_by_page(
    world: World,
) -> None:
    rids = [file(world, n) for n in range(1, 4)]
    first = world.dispatcher(page_size=2)
    assert await first.dispatch_once() == 2
    assert world.positions.get("deadlines") > 0

    second = world.dispatcher(page_size=2)  # a restart
    await second.catch_up()

    assert first.started + second.started == 3
    for rid in rids:
        assert await world.run_id(rid, "explanation") is not None


async def test_each_step_of_an_objection_closes_its_deadline_and_starts_the_next(
    world: World,
) -> None:
    rid = file(world)
    ledger, dispatcher = world.ledger, world.dispatcher()
    n = ledger.file_objection(c.FileObjection(record_id=rid, grounds="罚款金额有误"), official())
    ledger.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
    ledger.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)
    await dispatcher.catch_up()

    assert (await world.outcome(rid, "objection-1-mark")).closed_by == world.eid(
        rid, ev.ObjectionMarked)
    assert (await world.outcome(rid, "objection-1-acceptance")).closed_by == world.eid(
        rid, ev.ObjectionAccepted)
    forwarding = world.handle(rid, "objection-1-forwarding")
    assert await forwarding.query(DeadlineWorkflow.state) is DeadlineState.OPEN

    ledger.forward_objection(c.ForwardObjection(record_id=rid, number=n, to=SOURCE), REVIEWER)
    ledger.decide_objection(c.DecideObjection(record_id=rid, number=n, outcome="upheld",
                                              reasons="维持原决定"), DEPT)
    await dispatcher.catch_up()

    assert (await world.outcome(rid, "objection-1-forwarding")).closed_by == world.eid(
        rid, ev.ObjectionForwarded)
    assert (await world.outcome(rid, "objection-1-decision")).closed_by == world.eid(
        rid, ev.ObjectionDecided)


async def test_a_withdrawal_ends_every_open_deadline_of_the_record(world: World) -> None:
    rid = file(world, rectification={"requirement": "限期支付货款"})
    ledger, dispatcher = world.ledger, world.dispatcher()
    ledger.file_objection(c.FileObjection(record_id=rid, grounds="事实不清"), official())
    await dispatcher.catch_up()

    ledger.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="原处罚决定被撤销"), DEPT)
    await dispatcher.catch_up()

    withdrawn = world.eid(rid, ev.Withdrawn)
    for key in ("explanation", "rectification", "objection-1-mark"):
        outcome = await world.outcome(rid, key)
        assert outcome.state is DeadlineState.CLOSED and outcome.closed_by == withdrawn
    assert not any(isinstance(e, ev.DeadlineMissed) for e in ledger.timeline(rid))


async def test_an_approved_extension_reaches_the_running_workflow_as_an_update(
    world: World,
) -> None:
    rid = file(world, request_explanation=False, rectification={"requirement": "整改"})
    ledger, dispatcher = world.ledger, world.dispatcher()
    await dispatcher.catch_up()
    first_due = ledger.record(rid).deadlines["rectification"].due
    new_due = first_due + timedelta(days=20)
    ledger.extend_rectification(c.ExtendRectification(
        record_id=rid, new_due=new_due, reasons="汛期施工受阻"), DEPT)
    await dispatcher.catch_up()
    world.positions.set("deadlines", world.start)
    await world.dispatcher().catch_up()  # the extension replayed: still one update

    await world.env.sleep(start_of_day(new_due + timedelta(days=1)) + timedelta(hours=12)
                          - await world.env.get_current_time())

    missed = [e for e in ledger.timeline(rid) if isinstance(e, ev.DeadlineMissed)]
    assert [business_day(e.timestamp) for e in missed] == [new_due + timedelta(days=1)]
    handle = world.handle(rid, "rectification")
    assert await handle.query(DeadlineWorkflow.state) is DeadlineState.OVERDUE

    # rectified late after all: verification closes the deadline
    world.clock.now = await world.env.get_current_time()
    ledger.submit_rectification_plan(c.SubmitRectificationPlan(record_id=rid, plan="方案"),
                                     official())
    ledger.report_rectification_completion(c.ReportRectificationCompletion(
        record_id=rid, report="已支付"), official())
    ledger.verify_rectification(c.VerifyRectification(record_id=rid), DEPT)
    await dispatcher.catch_up()
    outcome = await world.outcome(rid, "rectification")
    assert outcome.events == (world.eid(rid, ev.RectificationOrdered),
                              world.eid(rid, ev.RectificationExtended),
                              world.eid(rid, ev.RectificationVerified))



async def test_the_daily_sweep_expires_ended_publicity_and_lifts_ended_sanctions(
    world: World,
) -> None:
    server_now = world.clock.now
    world.clock.now = server_now - timedelta(days=200)  # filed over half a year ago
    old = file(world, 3, severity="minor", request_explanation=False)  # 3 months at most
    rid = file(world, severity="general", request_explanation=False,  # a year at most
               sanctions=[{"kind": "public_criticism", "months": 6}])
    world.clock.now = server_now
    recent = file(world, 2, request_explanation=False)  # its window is still open
    horizons = MemoryHorizons()
    dispatcher = Dispatcher(world.ledger, world.env.client, world.positions, task_queue="tq",
                            search_attributes=False, horizons=horizons)
    await dispatcher.catch_up()
    assert set(horizons.rows) == {(old, "publicity"), (rid, "publicity"), (rid, "sanction-1"),
                                  (recent, "publicity")}

    # today's sweep (pinned: the time-skipping server may run its clock ahead while it waits)
    sweep = SweepInput(on=business_day(server_now))
    async with Worker(world.env.client, task_queue="sweep",
                      workflows=[ExpirySweepWorkflow],
                      activities=[ExpiryActivities(world.ledger, horizons).sweep],
                      activity_executor=ThreadPoolExecutor(2)):
        outcome = await world.env.client.execute_workflow(
            ExpirySweepWorkflow.run, sweep, id="sweep-1", task_queue="sweep")
        again = await world.env.client.execute_workflow(
            ExpirySweepWorkflow.run, sweep, id="sweep-2", task_queue="sweep")

    assert outcome == SweepOutcome(expired=1, lifted=1)
    assert again == SweepOutcome()
    assert type(world.ledger.timeline(old)[-1]) is ev.PublicityExpired
    assert type(world.ledger.timeline(rid)[-1]) is ev.SanctionLifted
    assert world.ledger.record(old).status.value == "expired"
    assert world.ledger.record(rid).status.value == "in_force"
    assert world.ledger.record(recent).status.value == "in_force"

    # the dispatcher reads the facts the sweep recorded and forgets those horizons for good
    horizons.rows[old, "publicity"] = date(2000, 1, 1)  # as if a replay had put it back
    await dispatcher.catch_up()
    assert set(horizons.rows) == {(rid, "publicity"), (recent, "publicity")}
