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
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from ledger import record_events as ev
from tests.support.engines import SYSTEM_STEPS
from tests.support.load import count, file, prepare
from tests.support.processes import Process, eventually
from tests.support.world import FakeClock, postgres_ledger
from workflows.devserver import start_dev_server
from workflows.inputs import workflow_id

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[2]
RECORDS = 1000


@pytest.fixture
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_dev_server(persistent=False, port=None, ui=False) as env:
        yield env


@pytest.fixture
def engine(dev_server: WorkflowEnvironment, pg_url: str, tmp_path: Path) -> Iterator[Process]:
    """``python -m workflows.worker`` in its own process, killed without warning."""
    env = dict(os.environ, TEMPORAL_ADDRESS=dev_server.client.service_client.config.target_host,
               LEDGER_DATABASE_URL=pg_url, LEDGER_HOME=str(tmp_path))
    running = Process("engine", [sys.executable, "-m", "workflows.worker"], env, tmp_path)
    yield running
    running.stop()


async def test_killing_the_engine_mid_stream_loses_and_duplicates_nothing(
    dev_server: WorkflowEnvironment, engine: Process, pg_url: str, clock: FakeClock,
) -> None:
    ledger = postgres_ledger(pg_url, clock)
    prepare(ledger, clock)
    client = dev_server.client
    query = "WorkflowType = 'DeadlineWorkflow'"
    ids = await asyncio.to_thread(file, ledger, clock, range(0, 300))
    engine.start()
    await eventually(lambda: count(client, query, at_least=100), "the engine to get going",
                     timeout=150)
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

    await eventually(settled, "the engine to catch up", engine, timeout=150)

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
