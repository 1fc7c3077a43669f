"""Killing the dispatcher and the worker mid-stream loses and duplicates nothing.

1,000 records are filed while the deadline engine (``python -m workflows.worker``: worker and
dispatcher in one process) is killed with SIGKILL twice and started again. One record in ten is
filed with the clock set back, so its explanation deadline has already passed and its whole
ladder runs. Afterwards every record has exactly one workflow for its deadline, and the overdue
records have each fact exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.clock import business_date
from tests.calendar_data import publish_test_years
from tests.support.world import ADMIN, DEPT, FakeClock, filing, postgres_ledger, uscc
from workflows.devserver import start_dev_server
from workflows.inputs import workflow_id

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[2]
RECORDS = 1000
BODIES = [uscc(f"1135010{n:02d}MB0000") for n in range(20)]
SYSTEM_STEPS = (ev.ReminderSent, ev.DeadlineMissed, ev.DeadlineUrged, ev.DeadlineEscalated)


class Engine:
    """``python -m workflows.worker`` in its own process, killed without warning."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "workflows.worker"],
                                            cwd=ROOT, env=self.env, stdout=out, stderr=out)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_dev_server(persistent=False, port=None, ui=False) as env:
        yield env


@pytest.fixture
def engine(dev_server: WorkflowEnvironment, pg_url: str, tmp_path: Path) -> Iterator[Engine]:
    env = dict(os.environ, TEMPORAL_ADDRESS=dev_server.client.service_client.config.target_host,
               LEDGER_DATABASE_URL=pg_url, LEDGER_HOME=str(tmp_path))
    running = Engine(env, tmp_path / "engine.log")
    yield running
    running.stop()


def prepare(ledger: Ledger, clock: FakeClock) -> None:
    for n, code in enumerate(BODIES):
        ledger.register_body(c.RegisterBody(credit_code=code, name=f"测试机关{n}",
                                            region_code="350102"), ADMIN)
    today = business_date(datetime.now(UTC))
    publish_test_years(ledger, today.year, today.year + 1)


def file(ledger: Ledger, clock: FakeClock, numbers: range) -> list[UUID]:
    """File records; one in ten with the clock set back to 2026-05-06 (long overdue now)."""
    ids = []
    for n in numbers:
        if n % 10 == 0:
            clock.set_date(date(2026, 5, 6))
        else:
            clock.now = datetime.now(UTC)
        cmd = filing(n, subject_code=BODIES[n % len(BODIES)], decision_date=date(2026, 4, 20))
        ids.append(ledger.file_record(cmd, DEPT).record_id)
    return ids


async def count(client: Client, query: str, at_least: int) -> bool:
    return (await client.count_workflows(query)).count >= at_least


async def eventually(probe: Callable[[], Awaitable[bool]], what: str, timeout: float = 150,
                     log: Path | None = None) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await probe():
        if loop.time() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        await asyncio.sleep(0.25)


async def test_killing_the_engine_mid_stream_loses_and_duplicates_nothing(
    dev_server: WorkflowEnvironment, engine: Engine, pg_url: str, clock: FakeClock,
) -> None:
    ledger = postgres_ledger(pg_url, clock)
    prepare(ledger, clock)
    client = dev_server.client
    query = "WorkflowType = 'DeadlineWorkflow'"
    ids = await asyncio.to_thread(file, ledger, clock, range(0, 300))
    engine.start()
    await eventually(lambda: count(client, query, at_least=100), "the engine to get going")
    ids += await asyncio.to_thread(file, ledger, clock, range(300, 600))
    engine.kill()  # in the middle of dispatching and of ladders
    assert (await client.count_workflows(query)).count < 600
    ids += await asyncio.to_thread(file, ledger, clock, range(600, 800))
    engine.start()
    await asyncio.sleep(3)
    engine.kill()
    ids += await asyncio.to_thread(file, ledger, clock, range(800, RECORDS))
    engine.start()

    overdue = {ids[n] for n in range(0, RECORDS, 10)}

    async def settled() -> bool:
        return await count(client, query, at_least=RECORDS) and all(
            isinstance(ledger.timeline(rid)[-1], ev.DeadlineEscalated) for rid in overdue)

    await eventually(settled, "the engine to catch up", log=engine.log)

    # exactly one workflow (one run) per deadline, and none for anything else
    runs = Counter([execution.id async for execution in client.list_workflows(query)])
    assert set(runs) == {workflow_id(rid, "explanation") for rid in ids}
    assert set(runs.values()) == {1}
    # each overdue record has each fact once; the others have none yet
    for rid in ids:
        facts = Counter(type(e).__name__ for e in ledger.timeline(rid)
                        if isinstance(e, SYSTEM_STEPS))
        expected = ({"DeadlineMissed": 1, "DeadlineUrged": 1, "DeadlineEscalated": 1}
                    if rid in overdue else {})
        assert facts == expected, rid
    ledger.close()
