"""The dispatcher follows the log and drives deadline workflows; replays change nothing.

Runs on the time-skipping server with the real activities and an in-memory ledger.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from temporalio.worker import Worker

from ledger import commands as c
from ledger import record_events as ev
from tests.support.engines import World, file
from tests.support.engines import world_on_the_server as world_fixture  # noqa: F401
from tests.support.world import (
    DEPT,
    REVIEWER,
    SOURCE,
    official,
)
from workflows.activities import ExpiryActivities
from workflows.deadline import DeadlineWorkflow
from workflows.dispatcher import Dispatcher
from workflows.horizons import MemoryHorizons
from workflows.inputs import (
    DeadlineState,
    SweepInput,
    SweepOutcome,
    business_day,
    start_of_day,
)
from workflows.sweep import ExpirySweepWorkflow

pytestmark = pytest.mark.timeout(120)


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
