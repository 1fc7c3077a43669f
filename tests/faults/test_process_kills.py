"""The followers and the worker are killed under filing load and started again: they resume.

Each part runs in its own process, as in production: the followers (``credit-ledger projections
run``), the worker (``credit-ledger deadlines serve --no-dispatcher``) and the dispatcher
(``--no-worker``). While departments file, the followers and the worker are killed with SIGKILL,
twice, and started again; the dispatcher keeps starting workflows meanwhile. One record in ten
is filed with the clock set back, so its explanation deadline has passed and the worker runs its
whole ladder (missed, urged, escalated).

Afterwards the views equal the same views rebuilt from the whole log (no event missed or applied
twice), every record has exactly one workflow per deadline it calls for, and each overdue record
has each fact in the ledger exactly once. The test prints what was lost (goal: nothing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ledger import record_events as ev
from projections.log import LogTable, log_table_of
from projections.positions import ViewStatus, view_status
from tests.support.load import Load, count
from tests.support.processes import DevServer, Process, cli, eventually
from tests.support.tally import (
    DEADLINE_WORKFLOWS,
    ladder_facts,
    tally_overdue_facts,
    tally_views,
    tally_workflows,
)

pytestmark = pytest.mark.timeout(180)
KILLS = 2
DOWN_FOR = 1.5
PAGE = 10


@pytest.fixture
def followers(settings: dict[str, str], tmp_path: Path) -> Iterator[Process]:
    # small pages, so that a follower behind the log is most likely in the middle of one
    running = cli("followers", ["projections", "run", "--poll", "0.2", "--page-size",
                                str(PAGE)], settings, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def worker(settings: dict[str, str], tmp_path: Path) -> Iterator[Process]:
    running = cli("worker", ["deadlines", "serve", "--no-dispatcher"], settings, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def dispatcher(settings: dict[str, str], tmp_path: Path) -> Iterator[Process]:
    running = cli("dispatcher", ["deadlines", "serve", "--no-worker"], settings, tmp_path)
    yield running
    running.stop()


def views(url: str, log: LogTable) -> list[ViewStatus]:
    with psycopg.connect(url) as conn:
        return view_status(conn, log)


def head(status: list[ViewStatus]) -> int:
    return status[0].position + status[0].lag


async def kill_at_work(followers: Process, worker: Process, url: str, log: LogTable) -> str:
    """Kill the followers and the worker once both are at work (the followers past where they
    were and behind the log, the worker past where it was and part-way up some ladders); start
    them again a little later, the departments filing all along. Say where they were."""
    applied = sum(v.position for v in views(url, log))
    climbed = ladder_facts(url, log)[0]

    async def working() -> bool:
        now, (recorded, part_way) = views(url, log), ladder_facts(url, log)
        return (sum(v.position for v in now) > applied and any(v.lag > PAGE for v in now)
                and recorded > climbed and part_way > 0)

    await eventually(working, "the followers and the worker to be at work", followers, worker)
    followers.kill()
    worker.kill()
    stopped = views(url, log)
    recorded, part_way = ladder_facts(url, log)
    await asyncio.sleep(DOWN_FOR)
    behind = max(v.lag for v in views(url, log))
    assert behind > 0
    followers.start()
    worker.start()
    return (f"views at positions {min(v.position for v in stopped)}.."
            f"{max(v.position for v in stopped)} of {head(stopped)}, {behind} events behind "
            f"when restarted; {recorded} ladder facts, {part_way} ladders part-way")


async def test_followers_and_worker_killed_under_load_resume_where_they_were(
    server: DevServer, followers: Process, worker: Process, dispatcher: Process, load: Load,
    pg_url: str,
) -> None:
    began = time.monotonic()
    client = await server.start_and_connect()
    ledger = load.ledger
    log = log_table_of(ledger)
    for process in (followers, worker, dispatcher):
        process.start()
    load.start()

    at_kills = [await kill_at_work(followers, worker, pg_url, log) for _ in range(KILLS)]
    await asyncio.sleep(DOWN_FOR)
    ids = load.stop()
    assert load.error is None, load.error  # filing never waits for followers or the worker
    overdue = load.overdue

    async def ladders_done() -> bool:
        return await count(client, DEADLINE_WORKFLOWS, at_least=len(ids)) and all(
            isinstance(ledger.timeline(rid)[-1], ev.DeadlineEscalated) for rid in overdue)

    async def views_caught_up() -> bool:
        return all(v.lag == 0 for v in views(pg_url, log))

    await eventually(ladders_done, "the ladders to finish", worker, dispatcher, timeout=120)
    await eventually(views_caught_up, "the views to catch up", followers)

    workflows = await tally_workflows(client, ledger, ids)
    facts = tally_overdue_facts(ledger, ids, overdue)
    rows = tally_views(pg_url, log)
    print(f"\nfollowers and worker killed (SIGKILL) {len(at_kills)} times while {len(ids)} "
          f"records were filed ({len(overdue)} overdue):\n"
          + "".join(f"  kill {n}: {line}\n" for n, line in enumerate(at_kills, start=1))
          + f"  {workflows}\n  {facts}\n  {rows}\n  took {time.monotonic() - began:.0f} s")
    assert workflows.lost == workflows.extra == 0, workflows
    assert facts.lost == facts.extra == 0, facts
    assert rows.lost == rows.extra == 0, rows
    assert all(v.healthy for v in views(pg_url, log))
    assert followers.running and worker.running and dispatcher.running
