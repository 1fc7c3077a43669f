"""Deadline workflows: the dispatcher's start rate, and the dev server's memory when loaded.

Measures, in one run, on one embedded PostgreSQL and one dev server (SQLite file, WAL pragmas):
1. bare ``client.start_workflow`` calls for N deadline workflows (64 in flight);
2. the dispatcher following a log of N filings (one explanation deadline each) and starting
   their workflows: reading the log, computing the ladders, search attributes, position;
3. the ratio of the two rates (goal >= 0.8);
4. the dev server's resident memory with 10,000 open deadlines waiting on their timers
   (goal <= 600 MB).

    .venv/bin/python -m benchmarks.workflows_dispatch --records 2000 --open 10000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from benchmarks.common import ADMIN, DEPT, Server, filing_fields, register_bodies
from ledger import commands as c
from ledger.application import Ledger
from ledger.calendar import PublishedYear
from ledger.clock import business_date
from ledger.personal import Vault
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import eventsourcing_env
from ledger.values import DeadlineKind
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import SQLITE_PRAGMAS, find_binary
from workflows.dispatcher import Dispatcher
from workflows.inputs import DeadlineInput, Ladder
from workflows.positions import MemoryPositions
from workflows.search_attributes import initial_attributes, register_search_attributes
from workflows.worker import deadline_worker

QUEUE = "bench-deadlines"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(pid: int, quiet: float = 0.05, timeout: float = 300) -> None:
    """Wait until the server has been nearly idle (< 5% of a core) for three seconds."""
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 3 and time.monotonic() < deadline:
        before = cpu_seconds(pid)
        await asyncio.sleep(1)
        calm = calm + 1 if cpu_seconds(pid) - before < quiet else 0


async def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], Client]:
    port = free_port()
    process = subprocess.Popen(
        [find_binary("temporal"), "server", "start-dev", "--headless", "--port", str(port),
         "--db-filename", str(folder / "temporal.db"), "--log-level", "error", *SQLITE_PRAGMAS],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            client = await Client.connect(f"127.0.0.1:{port}",
                                          data_converter=pydantic_data_converter)
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
            return process, client
        except Exception:
            await asyncio.sleep(0.2)
    raise RuntimeError("the dev server did not start")


async def bounded(jobs: list[Callable[[], Awaitable[object]]], width: int = 64) -> None:
    gate = asyncio.Semaphore(width)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


def bare_input(n: int, today: datetime) -> DeadlineInput:
    due = business_date(today) + timedelta(days=30)
    return DeadlineInput(
        record_id=uuid.uuid4(), key="explanation", kind=DeadlineKind.EXPLANATION,
        ladder=Ladder(due=due, urge_on=due + timedelta(days=2),
                      escalate_on=due + timedelta(days=9)),
        superior="350102", started_by=f"{uuid.uuid4()}/3",
    )


async def start_bare(client: Client, inputs: list[DeadlineInput], prefix: str) -> float:
    started = time.perf_counter()
    await bounded([
        (lambda i=i, n=n: client.start_workflow(
            DeadlineWorkflow.run, i, id=f"{prefix}-{n}", task_queue=QUEUE,
            search_attributes=initial_attributes(i, "11350102MB0000000X", "350102")))
        for n, i in enumerate(inputs)
    ])
    return time.perf_counter() - started


def bench_ledger(url: str) -> Ledger:
    app = Ledger(eventsourcing_env(url, pool_size=12), clock=lambda: datetime.now(UTC),
                 vault=Vault(b"b" * 32, PostgresKeyStore(url)))
    today = business_date(datetime.now(UTC))
    for year in (today.year, today.year + 1):
        if not app.settings(fresh=True).calendar().covers(year):
            app.publish_calendar_year(c.PublishCalendarYear(year=PublishedYear(
                year=year, holidays=(), workdays=(), notice=f"benchmark calendar {year}")), ADMIN)
    return app


async def run(records: int, open_target: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="clwf", dir="/tmp"))
    url = Server().database()
    ledger = bench_ledger(url)
    bodies = register_bodies(ledger, 50)
    process, client = await start_server(folder)
    try:
        await register_search_attributes(client)
        # Start rates with no worker running: both sides only start workflows.
        now = datetime.now(UTC)
        bare_seconds = await start_bare(client, [bare_input(n, now) for n in range(records)],
                                        "bare")
        for n in range(records):
            fields = filing_fields(n, bodies) | {"decision_date": "2026-04-20"}
            ledger.file_record(c.FileRecord.model_validate(fields), DEPT)
        dispatcher = Dispatcher(ledger, client, MemoryPositions(), task_queue=QUEUE)
        started = time.perf_counter()
        await dispatcher.catch_up()
        dispatch_seconds = time.perf_counter() - started

        bare_rate = records / bare_seconds
        dispatch_rate = dispatcher.started / dispatch_seconds
        print(f"bare start_workflow: {records} in {bare_seconds:.2f} s = {bare_rate:.0f}/s")
        print(f"dispatcher:          {dispatcher.started} in {dispatch_seconds:.2f} s "
              f"= {dispatch_rate:.0f}/s (log read, ladders, search attributes)")
        print(f"ratio dispatcher/bare: {dispatch_rate / bare_rate:.2f} (goal >= 0.8)")

        more = max(0, open_target - records - dispatcher.started)
        await start_bare(client, [bare_input(n, now) for n in range(more)], "fill")
        with ThreadPoolExecutor(8) as pool:
            async with deadline_worker(client, ledger, pool, threads=8, task_queue=QUEUE):
                await settle(process.pid)  # every workflow has run to its first timer
                count = await client.count_workflows(
                    "WorkflowType = 'DeadlineWorkflow' AND ExecutionStatus = 'Running'")
                print(f"dev server RSS with {count.count} open deadlines on their timers: "
                      f"{rss_mb(process.pid):.0f} MB (goal <= 600 MB)")
    finally:
        process.terminate()
        process.wait(timeout=30)
        ledger.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--open", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.records, args.open))


if __name__ == "__main__":
    main()
