"""Reconciling deadlines with their workflows: every open, dated deadline has a running one.

The dispatcher starts a deadline's workflow once, as it follows the log. A workflow that is
terminated or cancelled by hand (the web UI, the CLI), that fails, or that Temporal loses (a
restore from an old backup, a namespace made anew) would leave its deadline to pass unenforced,
and no fact would ever tell the dispatcher. So the reconciler walks the open deadlines now and
then and asks Temporal about each one's workflow. One not running is started again, as of the
record's latest fact, and reported: a warning in the log and the counter
``ledger_deadline_workflows_restarted`` (on the ``LEDGER_WORKER_METRICS`` endpoint).

The candidates come from the ``open_deadlines`` read model, read by SQL (nothing here imports
the projections), and only those the dispatcher has passed in the log, so a deadline it is
about to start is not started twice. The read model only proposes: the ledger itself is asked
whether the deadline is still open and dated before anything is started. Waiting deadlines
(no due date until a calendar year is published) have no workflow on purpose and are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg import sql
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import MetricCounter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode

from workflows.dispatcher import Dispatcher
from workflows.inputs import event_id, workflow_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Restart:
    """A deadline whose workflow was started again, and what had become of the last run."""

    record_id: UUID
    key: str
    found: str
    """``terminated``, ``canceled``, ``failed``, ``completed``, … or ``missing``."""


class Reconciler:
    """Finds open, dated deadlines without a running workflow and starts them again."""

    def __init__(self, dispatcher: Dispatcher, url: str, *, schema: str = "views",
                 page_size: int = 500, concurrency: int = 32) -> None:
        self.dispatcher = dispatcher
        self.url = url
        self.page_size = page_size
        self.table = sql.Identifier(schema, "open_deadlines")
        self._limit = asyncio.Semaphore(concurrency)
        self.restarted = 0
        runtime = dispatcher.client.service_client.config.runtime or Runtime.default()
        self._counter: MetricCounter = runtime.metric_meter.create_counter(
            "ledger_deadline_workflows_restarted",
            "Open deadlines whose workflow had ended or was lost, started again")

    async def reconcile_once(self) -> list[Restart]:
        """One pass over the open deadlines; what was started again."""
        position = await asyncio.to_thread(self.dispatcher.positions.get, self.dispatcher.name)
        restarts: list[Restart] = []
        after: tuple[UUID, str] | None = None
        while page := await asyncio.to_thread(self._page, position, after):
            found = await asyncio.gather(*(self._check(rid, key) for rid, key in page))
            restarts += [restart for restart in found if restart is not None]
            after = page[-1]
        return restarts

    async def run(self, stop: asyncio.Event, *, every: float = 600.0) -> None:
        """Reconcile every ``every`` seconds until ``stop`` is set; a failed pass is logged."""
        while not stop.is_set():
            try:
                await self.reconcile_once()
            except Exception:
                log.exception("reconciling deadlines with their workflows failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)

    def _page(self, position: int, after: tuple[UUID, str] | None) -> list[tuple[UUID, str]]:
        query = sql.SQL(
            "SELECT record_id, key FROM {} WHERE due IS NOT NULL AND position <= %s "
            "AND (%s::uuid IS NULL OR (record_id, key) > (%s::uuid, %s::text)) "
            "ORDER BY record_id, key LIMIT %s").format(self.table)
        start = after or (None, None)
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                rows = conn.execute(query, (position, start[0], start[0], start[1],
                                            self.page_size)).fetchall()
        except psycopg.errors.UndefinedTable:
            log.warning("no open_deadlines view yet (the followers have not run): "
                        "nothing to reconcile")
            return []
        return [(row[0], row[1]) for row in rows]

    async def _check(self, record_id: UUID, key: str) -> Restart | None:
        async with self._limit:
            found = await self._status(record_id, key)
            if found == "running":
                return None
            return await self._start_again(record_id, key, found)

    async def _status(self, record_id: UUID, key: str) -> str:
        handle = self.dispatcher.client.get_workflow_handle(workflow_id(record_id, key))
        try:
            description = await handle.describe()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return "missing"
            raise
        status = description.status
        if status is WorkflowExecutionStatus.RUNNING:
            return "running"
        return status.name.lower() if status is not None else "unknown"

    async def _start_again(self, record_id: UUID, key: str, found: str) -> Restart | None:
        ledger = self.dispatcher.ledger
        record = await asyncio.to_thread(ledger.record, record_id)
        deadline = record.deadlines.get(key)
        if deadline is None or deadline.waiting:
            return None  # closed meanwhile (the view lags the ledger), or waiting: no workflow
        started = await self.dispatcher.start_again(record_id, deadline,
                                                    event_id(record_id, record.version))
        if not started:
            return None  # the dispatcher or another reconciler was first
        self.restarted += 1
        self._counter.add(1, {"kind": deadline.kind.value, "found": found})
        log.warning("deadline %s of record %s had no running workflow (%s); started it again",
                    key, record_id, found)
        return Restart(record_id, key, found)
