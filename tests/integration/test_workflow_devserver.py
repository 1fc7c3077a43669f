"""End to end on real engines: the Temporal dev server, a worker, the dispatcher and PostgreSQL.

A record is filed with the ledger's clock set back, so its explanation deadline has already
passed in real time; the dispatcher starts the workflow, its timer fires at once and the
overdue fact lands in the ledger. Operators then find it with the visibility query.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from api.cli import deadlines as cli_deadlines
from ledger import record_events as ev
from ledger.application import Ledger
from tests.support import world
from workflows.devserver import start_dev_server
from workflows.dispatcher import Dispatcher
from workflows.horizons import PostgresHorizons
from workflows.inputs import DeadlineState, workflow_id
from workflows.positions import PostgresPositions
from workflows.search_attributes import deadlines_query, list_deadlines, register_search_attributes
from workflows.sweep import SCHEDULE_ID, ensure_sweep_schedule
from workflows.worker import deadline_worker

pytestmark = pytest.mark.timeout(240)
T = TypeVar("T")


async def eventually(probe: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    """Poll ``probe`` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@dataclass
class Engines:
    env: WorkflowEnvironment
    ledger: Ledger
    url: str
    address: str

    @property
    def client(self) -> Client:
        return self.env.client


@pytest.fixture
async def engines(pg_url: str, clock: world.FakeClock) -> AsyncIterator[Engines]:
    ledger = world.postgres_world(pg_url, clock)
    async with await start_dev_server(persistent=False, port=None, ui=False) as env:
        added = await register_search_attributes(env.client)
        assert "DeadlineAt" in added and "RegionCode" in added
        assert await register_search_attributes(env.client) == []  # registering is idempotent
        address = env.client.service_client.config.target_host
        with ThreadPoolExecutor(4) as pool:
            async with deadline_worker(env.client, ledger, pool, threads=4,
                                       horizons=PostgresHorizons(pg_url)):
                yield Engines(env, ledger, pg_url, address)
    ledger.close()


def system_facts(ledger: Ledger, rid: UUID) -> list[type[Any]]:
    steps = (ev.ReminderSent, ev.DeadlineMissed, ev.DeadlineUrged, ev.DeadlineEscalated)
    return [type(e) for e in ledger.timeline(rid) if isinstance(e, steps)]


async def test_an_explanation_deadline_that_passed_is_recorded_overdue_in_the_ledger(
    engines: Engines, clock: world.FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = engines.ledger
    # filed on 2026-05-06 (the clock set back); 15 working days to explain, long gone by now
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    due = ledger.record(rid).deadlines["explanation"].due
    assert due < datetime.now(UTC).date()
    clock.now = datetime.now(UTC)  # the worker's steps happen now

    stop = asyncio.Event()
    dispatcher = Dispatcher(ledger, engines.client, PostgresPositions(engines.url))
    following = asyncio.create_task(dispatcher.run(stop, poll_interval=0.5,
                                                   listen_url=engines.url))
    try:
        facts = await eventually(
            lambda: len(system_facts(ledger, rid)) == 3 and system_facts(ledger, rid),
            "the overdue, urged and escalated facts",
        )
    finally:
        stop.set()
        await following

    # the reminders were due long ago: not sent; the ladder ran to the end
    assert facts == [ev.DeadlineMissed, ev.DeadlineUrged, ev.DeadlineEscalated]
    missed = next(e for e in ledger.timeline(rid) if isinstance(e, ev.DeadlineMissed))
    assert missed.key == "explanation" and missed.timestamp == clock.now
    assert ledger.record(rid).deadlines["explanation"].escalated
    with psycopg.connect(engines.url) as conn:
        row = conn.execute("SELECT position FROM workflows.dispatcher_position "
                           "WHERE name = 'deadlines'").fetchone()
    assert row is not None and row[0] > 0

    # operators find it: open, escalated, overdue, in Gulou district (350102)
    handle = engines.client.get_workflow_handle(workflow_id(rid, "explanation"))

    async def escalated() -> bool:
        # The ledger holds the fact once the activity ran; the workflow's own state follows
        # when it has taken the activity's result.
        return bool(await handle.query("state") == DeadlineState.ESCALATED)

    await eventually(escalated, "the workflow's state to be escalated", timeout=30)
    query = deadlines_query(region="350102", kind="explanation",
                            overdue_at=datetime.now(UTC))
    rows = await eventually(
        lambda: _escalated(list_deadlines(engines.client, query)), "the visibility index"
    )
    assert [r.record_id for r in rows] == [rid]
    assert rows[0].subject_code == ledger.record(rid).content.subject_code
    assert await list_deadlines(engines.client, deadlines_query(region="350200")) == []

    monkeypatch.setenv("TEMPORAL_ADDRESS", engines.address)
    result = await asyncio.to_thread(
        CliRunner().invoke, cli_deadlines.app, ["list", "--region", "350102", "--overdue"]
    )
    assert result.exit_code == 0, result.output
    assert f"{due.isoformat()}\texplanation\tescalated\tOVERDUE\t350102" in result.output
    assert str(rid) in result.output


async def _escalated(rows: Any) -> Any:
    found = await rows
    return [r for r in found if r.state == "escalated"]


async def test_the_daily_schedule_sweeps_ended_publicity_windows_and_sanctions(
    engines: Engines, clock: world.FakeClock,
) -> None:
    ledger = engines.ledger
    # filed 2026-05-06: a minor record, public for 3 months at most, and a 6-month sanction
    rid = ledger.file_record(world.filing(severity="minor", request_explanation=False, sanctions=[
        {"kind": "public_criticism", "months": 6}]), world.DEPT).record_id
    record = ledger.record(rid)
    assert record.publicity_max_end < record.sanctions[1].ends_on < datetime.now(UTC).date()
    clock.now = datetime.now(UTC)
    horizons = PostgresHorizons(engines.url)
    dispatcher = Dispatcher(ledger, engines.client, PostgresPositions(engines.url),
                            horizons=horizons)
    await dispatcher.catch_up()
    assert {h.what for h in horizons.ended_before(clock.now.date(), 10)} == {
        "publicity", "sanction-1"}

    assert await ensure_sweep_schedule(engines.client) is True
    assert await ensure_sweep_schedule(engines.client) is False  # already there
    schedule = engines.client.get_schedule_handle(SCHEDULE_ID)
    description = await schedule.describe()
    assert description.schedule.spec.time_zone_name == "Asia/Shanghai"
    await schedule.trigger()  # as if it were 00:05 in Fuzhou

    def swept() -> bool:
        kinds = [type(e) for e in ledger.timeline(rid)]
        return ev.PublicityExpired in kinds and ev.SanctionLifted in kinds

    await eventually(swept, "the expiry and the lifted sanction")
    assert ledger.record(rid).status.value == "expired"
    await eventually(lambda: not horizons.ended_before(clock.now.date(), 10),
                     "the swept horizons to be forgotten")
