"""Commitments' due dates and leads' verification periods are enforced like records'
deadlines: the dispatcher starts ``commitment-<id>-due`` and ``lead-<id>-verification``, the
workflow reminds, marks overdue, urges and escalates through the ledger, and the fact that ends
the commitment or the lead closes it.

Runs on the time-skipping server with the real activities and an in-memory ledger.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from ledger import held_deadlines as hd
from ledger import register_commands as rc
from ledger.commitment_events import CommitmentFulfilled, CommitmentState
from ledger.lead_events import LeadFoundUnfounded, LeadHandedOver, LeadReceived
from tests.support.engines import World, eid, handle, sleep_until_day, today
from tests.support.engines import world_on_the_server as world_fixture  # noqa: F401
from tests.support.registers import OTHER_CODE, OTHER_DEPT, commitment, lead
from tests.support.world import DEPT, REVIEWER
from workflows.deadline import DeadlineWorkflow
from workflows.dispatcher import Dispatcher
from workflows.inputs import DeadlineState, business_day

pytestmark = pytest.mark.timeout(120)


async def a_lead_received_today(world: World) -> tuple[UUID, Dispatcher]:
    """A lead received today, and the dispatcher caught up on it (its workflow started)."""
    lid = world.ledger.receive_lead(lead(received_on=today(world)), REVIEWER).id
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    return lid, dispatcher


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
    lid, dispatcher = await a_lead_received_today(world)
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
    lid, dispatcher = await a_lead_received_today(world)
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
