"""Commitments' due dates and leads' verification periods are enforced like records'
deadlines: the dispatcher starts ``commitment-<id>-due`` and ``lead-<id>-verification``, the
workflow reminds, marks overdue, urges and escalates through the ledger, and the fact that ends
the commitment or the lead closes it.

Runs on the time-skipping server with the real activities and an in-memory ledger.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from ledger import held_deadlines as hd
from ledger import register_commands as rc
from ledger.commitment_events import CommitmentFulfilled, CommitmentState
from ledger.lead_events import LeadFoundUnfounded, LeadHandedOver, LeadReceived
from tests.calendar_data import publish_test_years
from tests.integration.test_dispatcher import ServerClock, World, today
from tests.support.registers import OTHER_CODE, OTHER_DEPT, commitment, lead
from tests.support.world import DEPT, REVIEWER, memory_ledger, register_world
from workflows.activities import DeadlineActivities
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_test_server
from workflows.inputs import DeadlineOutcome, DeadlineState, business_day, start_of_day

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """As in ``test_dispatcher``: the ledger's clock starts on the server's day, and the test
    calendar covers the years its deadlines reach."""
    clock = ServerClock()
    ledger = memory_ledger(clock)
    register_world(ledger)
    async with await start_test_server() as env:
        clock.now = await env.get_current_time()
        publish_test_years(ledger, business_day(clock.now).year, business_day(clock.now).year + 1)
        with ThreadPoolExecutor(4) as pool:
            async with Worker(env.client, task_queue="tq", workflows=[DeadlineWorkflow],
                              activities=DeadlineActivities(ledger).all(),
                              activity_executor=pool):
                yield World(env, ledger, clock)


def handle(world: World, wid: str) -> WorkflowHandle[Any, DeadlineOutcome]:
    return world.env.client.get_workflow_handle(wid, result_type=DeadlineOutcome)


def eid(world: World, holder: UUID, event_type: type[Any]) -> str:
    event = next(e for e in world.ledger.timeline(holder) if isinstance(e, event_type))
    return f"{holder}/{event.originator_version}"


async def sleep_until_day(world: World, day: Any) -> None:
    await world.env.sleep(start_of_day(day) + timedelta(hours=12)
                          - await world.env.get_current_time())
    world.clock.now = await world.env.get_current_time()


async def test_a_payment_commitment_left_unpaid_is_reminded_overdue_urged_escalated_then_closed(
    world: World,
) -> None:
    ledger = world.ledger
    due = today(world) + timedelta(days=10)
    cid = ledger.make_commitment(commitment(made_on=today(world), due=due), DEPT).id
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    workflow = handle(world, f"commitment-{cid}-due")
    assert await workflow.query(DeadlineWorkflow.state) is DeadlineState.OPEN

    await sleep_until_day(world, due + timedelta(days=20))

    events = ledger.timeline(cid)
    assert any(isinstance(e, hd.ReminderSent) for e in events)
    missed = [e for e in events if isinstance(e, hd.DeadlineMissed)]
    assert [business_day(e.timestamp) for e in missed] == [due + timedelta(days=1)]
    assert any(isinstance(e, hd.DeadlineEscalated) for e in events)
    assert ledger.commitment(cid).state is CommitmentState.OVERDUE
    assert await workflow.query(DeadlineWorkflow.state) is DeadlineState.ESCALATED

    # paid late after all: the fulfilment closes the workflow
    ledger.fulfil_commitment(rc.FulfilCommitment(commitment_id=cid, evidence="银行回单"), DEPT)
    await dispatcher.catch_up()
    outcome = await workflow.result()
    assert outcome.state is DeadlineState.CLOSED
    assert outcome.closed_by == eid(world, cid, CommitmentFulfilled)
    # replaying the log starts nothing again
    world.positions.set("deadlines", world.start)
    again = world.dispatcher()
    await again.catch_up()
    assert again.started == 0


async def test_a_lead_answered_in_time_closes_its_verification_workflow_without_overdue(
    world: World,
) -> None:
    ledger = world.ledger
    lid = ledger.receive_lead(lead(received_on=today(world)), REVIEWER).id
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    workflow = handle(world, f"lead-{lid}-verification")
    assert (await workflow.describe()).status is not None

    await sleep_until_day(world, today(world) + timedelta(days=5))
    ledger.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=lid, reasons="经核实不属实"), DEPT)
    await dispatcher.catch_up()

    outcome = await workflow.result()
    assert outcome.closed_by == eid(world, lid, LeadFoundUnfounded)
    assert not any(isinstance(e, hd.DeadlineMissed) for e in ledger.timeline(lid))


async def test_a_lead_handed_over_moves_its_verification_workflow_to_the_new_period(
    world: World,
) -> None:
    ledger = world.ledger
    lid = ledger.receive_lead(lead(received_on=today(world)), REVIEWER).id
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    first_due = ledger.lead(lid).deadlines["verification"].due
    assert first_due is not None

    await sleep_until_day(world, today(world) + timedelta(days=3))
    ledger.hand_over_lead(rc.HandOverLead(
        lead_id=lid, to={"name": "福建省财政厅", "code": OTHER_CODE}, reasons="属财政事项"), DEPT)
    await dispatcher.catch_up()
    new_due = ledger.lead(lid).deadlines["verification"].due
    assert new_due is not None and new_due > first_due

    # nothing is overdue on the first due date: the other department's period runs
    await sleep_until_day(world, first_due + timedelta(days=1))
    assert not any(isinstance(e, hd.DeadlineMissed) for e in ledger.timeline(lid))
    await sleep_until_day(world, new_due + timedelta(days=1))
    missed = [e for e in ledger.timeline(lid) if isinstance(e, hd.DeadlineMissed)]
    assert [business_day(e.timestamp) for e in missed] == [new_due + timedelta(days=1)]

    ledger.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=lid, reasons="不属实"), OTHER_DEPT)
    await dispatcher.catch_up()
    outcome = await handle(world, f"lead-{lid}-verification").result()
    assert outcome.events[:2] == (eid(world, lid, LeadReceived), eid(world, lid, LeadHandedOver))
