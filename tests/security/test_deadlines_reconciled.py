"""Deadlines cannot be silenced by ending their workflows: the reconciler finds every open, dated
deadline whose workflow was terminated or lost, starts it again and reports it, and leaves the
deadlines that wait for a calendar year alone.

Before the reconciler, a deadline whose workflow an operator terminated in the Temporal UI (or
that Temporal lost) was never enforced again: nothing in the log told the dispatcher, and these
tests failed (there was nothing to start it again).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from ledger import commands as c
from ledger.clock import business_date
from projections.deadlines import OpenDeadlines
from projections.follower import Follower
from projections.log import log_table_of
from tests.support.engines import ServerClock, World, deadline_worker, server_on_its_day
from tests.support.world import DEPT, filing, postgres_world
from workflows.inputs import start_of_day
from workflows.reconcile import Reconciler, Restart

pytestmark = pytest.mark.timeout(180)


class Scene(World):
    def __init__(self, world: World, url: str) -> None:
        super().__init__(world.env, world.ledger, world.clock)
        self.url = url
        self.view = Follower(url, OpenDeadlines(), log_table_of(world.ledger))

    def file(self, number: int, on: date, **fields: Any) -> UUID:
        cmd = filing(number, decision_date=on - timedelta(days=3), **fields)
        return self.ledger.file_record(cmd, DEPT).record_id

    async def status(self, rid: UUID, key: str) -> WorkflowExecutionStatus | None:
        try:
            return (await self.handle(rid, key).describe()).status
        except RPCError as error:
            assert error.status is RPCStatusCode.NOT_FOUND
            return None


@pytest.fixture
async def scene(pg_url: str) -> AsyncIterator[Scene]:
    clock = ServerClock()
    ledger = postgres_world(pg_url, clock)
    async with (server_on_its_day(ledger, clock, years=3) as env,
                deadline_worker(env, ledger)):
        found = Scene(World(env, ledger, clock), pg_url)
        yield found
        found.view.close()
    ledger.close()


async def test_a_terminated_and_a_lost_deadline_are_started_again_and_reported(
    scene: Scene, caplog: pytest.LogCaptureFixture,
) -> None:
    today = business_date(scene.clock.now)
    dispatcher = scene.dispatcher()

    # a record with two deadlines, dispatched as usual
    enforced = scene.file(1, today, rectification={"requirement": "限期支付货款"})
    # a record filed on 21 December two years on, whose next year has no calendar: it waits
    scene.clock.now = start_of_day(date(today.year + 2, 12, 21)) + timedelta(hours=10)
    waiting = scene.file(2, date(today.year + 2, 12, 21))
    scene.clock.now = await scene.env.get_current_time()
    assert scene.ledger.record(waiting).deadlines["explanation"].waiting
    await dispatcher.catch_up()
    # a record Temporal lost: its workflow was started and is gone (a restore from a backup)
    lost = scene.file(3, today)
    scene.positions.set("deadlines", scene.ledger.recorder.max_notification_id())
    scene.view.catch_up()

    # the attack: the explanation deadline is silenced from the Temporal UI
    silenced = scene.handle(enforced, "explanation")
    first_run = (await silenced.describe()).run_id
    await silenced.terminate("nobody needs reminding")

    caplog.set_level(logging.WARNING, logger="workflows.reconcile")
    reconciler = Reconciler(dispatcher, scene.url)
    restarts = await reconciler.reconcile_once()

    assert sorted(restarts, key=lambda r: r.found) == [
        Restart(lost, "explanation", "missing"),
        Restart(enforced, "explanation", "terminated"),
    ]
    assert reconciler.restarted == 2
    assert sum("started it again" in r.getMessage() for r in caplog.records) == 2
    again = await silenced.describe()
    assert again.status is WorkflowExecutionStatus.RUNNING
    assert again.run_id != first_run
    assert await scene.status(lost, "explanation") is WorkflowExecutionStatus.RUNNING
    assert await scene.status(enforced, "rectification") is WorkflowExecutionStatus.RUNNING
    assert await scene.status(waiting, "explanation") is None

    # a second pass finds every open deadline running
    assert await reconciler.reconcile_once() == []


async def test_a_deadline_closed_in_the_ledger_but_not_yet_in_the_view_is_not_started(
    scene: Scene,
) -> None:
    """The view lags the ledger: the ledger, asked first, says the deadline is closed."""
    today = business_date(scene.clock.now)
    dispatcher = scene.dispatcher()
    rid = scene.file(1, today)
    await dispatcher.catch_up()
    scene.view.catch_up()
    await scene.handle(rid, "explanation").terminate("ended by hand")
    withdrawal = c.WithdrawRecord(record_id=rid, reasons="决定已撤销")
    scene.ledger.withdraw_record(withdrawal, DEPT)  # the view has not seen it yet

    assert await Reconciler(dispatcher, scene.url).reconcile_once() == []
    assert await scene.status(rid, "explanation") is WorkflowExecutionStatus.TERMINATED

