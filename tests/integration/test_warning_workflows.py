"""A warning's acknowledgement is enforced like any deadline: the dispatcher starts
``warning-<id>-acknowledgement``; left unacknowledged past the rule set's working days the
warning is marked overdue, which escalates it to the region above, and the workflow urges and
escalates to that region; the acknowledgement closes the workflow.

Runs on the time-skipping server with the real activities and an in-memory ledger.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger import held_deadlines as hd
from ledger.events import SYSTEM
from ledger.warning_events import WarningAcknowledged, WarningState
from tests.support.engines import World, eid, handle, sleep_until_day, today
from tests.support.engines import world_on_the_server as world_fixture  # noqa: F401
from tests.support.registers import CITY_OPERATOR, overdue_body
from workflows.deadline import DeadlineWorkflow
from workflows.inputs import DeadlineState, business_day

pytestmark = pytest.mark.timeout(120)


async def test_a_warning_nobody_acknowledges_is_escalated_to_the_region_above(
    world: World,
) -> None:
    ledger = world.ledger
    [wid] = ledger.raise_warnings(today(world), "integrity-2026-v2", [overdue_body()], SYSTEM)
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()
    workflow = handle(world, f"warning-{wid}-acknowledgement")
    assert await workflow.query(DeadlineWorkflow.state) is DeadlineState.OPEN
    due = ledger.early_warning(wid).deadlines["acknowledgement"].due
    assert due is not None

    await sleep_until_day(world, due)
    assert ledger.early_warning(wid).state is WarningState.OPEN
    await sleep_until_day(world, due + timedelta(days=20))

    events = ledger.timeline(wid)
    missed = [e for e in events if isinstance(e, hd.DeadlineMissed)]
    assert [business_day(e.timestamp) for e in missed] == [due + timedelta(days=1)]
    [escalated] = [e for e in events if isinstance(e, hd.DeadlineEscalated)]
    assert escalated.to == "350100"  # Fuzhou, above Gulou
    assert ledger.early_warning(wid).state is WarningState.ESCALATED

    # the city acknowledges it late: the workflow is closed by that fact
    ledger.acknowledge_warning(wid, CITY_OPERATOR)
    await dispatcher.catch_up()
    outcome = await workflow.result()
    assert outcome.state is DeadlineState.CLOSED
    assert outcome.closed_by == eid(world, wid, WarningAcknowledged)


async def test_a_warning_acknowledged_in_time_is_never_overdue(world: World) -> None:
    ledger = world.ledger
    [wid] = ledger.raise_warnings(today(world), "integrity-2026-v2", [overdue_body()], SYSTEM)
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()

    await sleep_until_day(world, today(world) + timedelta(days=2))
    ledger.acknowledge_warning(wid, CITY_OPERATOR)
    await dispatcher.catch_up()

    outcome = await handle(world, f"warning-{wid}-acknowledgement").result()
    assert outcome.closed_by == eid(world, wid, WarningAcknowledged)
    assert not any(isinstance(e, hd.DeadlineMissed) for e in ledger.timeline(wid))
