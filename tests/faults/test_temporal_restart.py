"""The Temporal dev server dies under filing load and comes back: deadlines still fire.

Departments keep filing while the dev server is killed (SIGKILL) and started again on the same
port and SQLite file; the worker and the dispatcher (``credit-ledger deadlines serve``) keep
running and reconnect on their own. One record in ten is filed with the clock set back, so its
explanation deadline has passed and its whole ladder (missed, urged, escalated) runs; those
filed while the server was down or after it came back can only fire after the restart.

Afterwards every record has exactly one workflow per deadline it calls for, and each overdue
record has each fact in the ledger exactly once. The test prints what was lost (goal: nothing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger import record_events as ev
from projections.log import log_table_of
from tests.support.load import Load, count
from tests.support.processes import DevServer, Process, cli, eventually
from tests.support.tally import (
    DEADLINE_WORKFLOWS,
    ladder_facts,
    tally_overdue_facts,
    tally_workflows,
)

pytestmark = pytest.mark.timeout(180)
DOWN_FOR = 3.0
AFTER_RESTART = 3.0
ESCALATED = f"{DEADLINE_WORKFLOWS} AND DeadlineState = 'escalated'"


@pytest.fixture
def engine(settings: dict[str, str], tmp_path: Path) -> Iterator[Process]:
    """The worker and the dispatcher, in one process."""
    running = cli("deadlines", ["deadlines", "serve"], settings, tmp_path)
    yield running
    running.stop()


async def test_deadlines_still_fire_after_the_temporal_server_restarts(
    server: DevServer, engine: Process, load: Load, pg_url: str,
) -> None:
    began = time.monotonic()
    client = await server.start_and_connect()
    ledger = load.ledger
    log = log_table_of(ledger)
    load.start()
    engine.start()

    async def mid_stream() -> bool:
        # the dispatcher behind the filings, and ladders under way
        started = (await client.count_workflows(DEADLINE_WORKFLOWS)).count
        return 0 < started < len(load.ids) and ladder_facts(pg_url, log)[1] > 0

    await eventually(mid_stream, "the engine to be at work", engine, server)
    started_before_kill = (await client.count_workflows(DEADLINE_WORKFLOWS)).count
    server.kill()
    part_way = ladder_facts(pg_url, log)[1]
    filed_before_kill = len(load.ids)
    await asyncio.sleep(DOWN_FOR)  # filing needs no Temporal: it goes on
    filed_while_down = len(load.ids) - filed_before_kill
    restarted_at = datetime.now(UTC)
    client = await server.start_and_connect()
    await asyncio.sleep(AFTER_RESTART)
    ids = load.stop()
    assert load.error is None, load.error
    overdue = load.overdue

    async def settled() -> bool:
        return await count(client, DEADLINE_WORKFLOWS, at_least=len(ids)) and all(
            isinstance(ledger.timeline(rid)[-1], ev.DeadlineEscalated) for rid in overdue)

    await eventually(settled, "the deadlines to catch up after the restart", engine, server,
                     timeout=120)
    # operators still find every overdue deadline by its search attributes
    await eventually(lambda: count(client, ESCALATED, at_least=len(overdue)),
                     "the escalated deadlines in the visibility index", server)

    workflows = await tally_workflows(client, ledger, ids)
    facts = tally_overdue_facts(ledger, ids, overdue)
    fired_after = sum(
        next(e for e in ledger.timeline(rid) if isinstance(e, ev.DeadlineMissed)).timestamp
        > restarted_at for rid in overdue)
    filed_after_kill = len(overdue & set(ids[filed_before_kill + 1:]))
    report = [
        f"Temporal dev server killed (SIGKILL) with {started_before_kill} workflows started, "
        f"{filed_before_kill} records filed and {part_way} ladders part-way; down "
        f"{DOWN_FOR:.0f} s",
        f"{len(ids)} records filed in all ({len(overdue)} overdue), {filed_while_down} of them "
        "while it was down, none refused",
        str(workflows),
        str(facts),
        f"overdue deadlines that fired after the restart: {fired_after} (at least "
        f"{filed_after_kill} had to)",
        f"took {time.monotonic() - began:.0f} s",
    ]
    print("\n" + "\n  ".join(report))
    assert filed_while_down > 0
    assert workflows.lost == workflows.extra == 0, workflows
    assert facts.lost == facts.extra == 0, facts
    assert fired_after >= filed_after_kill > 0
    assert (await client.count_workflows(ESCALATED)).count == len(overdue)
    assert engine.running, engine.tail()
