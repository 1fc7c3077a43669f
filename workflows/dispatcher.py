"""The dispatcher: follows the event log in order and starts or signals deadline workflows.

For each fact that starts a deadline it starts ``DeadlineWorkflow`` (id
``record-<record id>-<key>``, or ``commitment-<id>-due`` and ``lead-<id>-verification`` for the
deadlines of commitments and leads, see ``workflows.owners``; an extension of a running
deadline becomes the ``extended`` update); for each deadline a fact closes, and for every open
deadline of a withdrawn or deleted record, it signals ``closed`` with the event id. It also
keeps the calendar horizons (ends of publicity windows and sanction periods) that the daily
sweep reads. Its position is saved after
each page, so a crash replays at most one page, and every start, update, signal and horizon
write is idempotent: a replay or a restart changes nothing.

It does only the Temporal work. The log is read and followed by ``ledger.store.follow`` (one active
dispatcher, others standing by, as for the views and the sealer); what a workflow starts with
comes from ``workflows.deadline_inputs`` and its caches; the ledger's own side of a fact from
``workflows.waiting_deadlines``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from ledger import record_events as ev
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.events import DomainEvent
from ledger.settings import LedgerSettings
from ledger.store import follow
from ledger.store.follow import Following, LogTable, Work, read_recorded
from ledger.values import Deadline
from workflows.deadline import DeadlineWorkflow
from workflows.deadline_inputs import DeadlineInputs, DeadlineSubject
from workflows.horizons import Horizons, horizon_changes
from workflows.inputs import (
    TASK_QUEUE,
    DeadlineExtension,
    DeadlineInput,
    DeadlineOutcome,
    event_id,
    event_version,
)
from workflows.owners import HELD_TOPICS, deadline_workflow_id, owner_of, workflow_id_of
from workflows.plans import closes_every_deadline, started_deadlines
from workflows.positions import Positions
from workflows.search_attributes import initial_attributes
from workflows.waiting_deadlines import WaitingDeadlines

log = logging.getLogger(__name__)

TOPICS = sorted([
    *(get_topic(cls) for cls in vars(ev).values()
      if isinstance(cls, type) and issubclass(cls, DomainEvent) and cls.__module__ == ev.__name__
      and (issubclass(cls, ev.DeadlineEvent) or cls in (
          ev.RecordFiled, ev.Withdrawn, ev.SanctionImposed, ev.SanctionLifted,
          ev.SanctionRestored, ev.PublicityExpired,
      ))),
    get_topic(LedgerSettings.CalendarYearPublished),
    *HELD_TOPICS,
])


class Dispatcher:
    """Follows the log for the facts that start and close deadlines."""

    name = "deadlines"

    def __init__(
        self, ledger: Ledger, client: Client, positions: Positions, *,
        task_queue: str = TASK_QUEUE, page_size: int = 500, concurrency: int = 64,
        search_attributes: bool = True, horizons: Horizons | None = None,
    ) -> None:
        self.ledger = ledger
        self.horizons = horizons
        self.client = client
        self.positions = positions
        self.task_queue = task_queue
        self.page_size = page_size
        self.search_attributes = search_attributes
        self.inputs = DeadlineInputs(ledger)
        self.waiting = WaitingDeadlines(ledger)
        self._limit = asyncio.Semaphore(concurrency)
        self._following: Following | None = None
        self.started = 0
        self.signalled = 0

    # -- following the log ---------------------------------------------------------------------

    async def dispatch_once(self) -> int:
        """Handle one page of the log after the saved position; return how many were read."""
        position = await asyncio.to_thread(self.positions.get, self.name)
        page = await asyncio.to_thread(self._read, position)
        await self._dispatch(page)
        return len(page)

    async def catch_up(self) -> int:
        """Dispatch until the end of the log; return how many notifications were read.

        The next page is read while the current one is dispatched; the position still moves
        only once a page is fully handled.
        """
        total = 0
        position = await asyncio.to_thread(self.positions.get, self.name)
        reading = asyncio.ensure_future(asyncio.to_thread(self._read, position))
        try:
            while page := await reading:
                reading = asyncio.ensure_future(asyncio.to_thread(self._read, page[-1][0]))
                await self._dispatch(page)
                total += len(page)
        finally:
            reading.cancel()
        return total

    async def _dispatch(self, page: list[tuple[int, DomainEvent]]) -> None:
        if not page:
            return
        by_record: dict[UUID, list[DomainEvent]] = defaultdict(list)
        for _, event in page:
            by_record[event.originator_id].append(event)
        # Records are independent; the facts of one record are handled in log order.
        results = await asyncio.gather(
            *(self._handle_all(events) for events in by_record.values()), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]  # the page is handled again: every step is idempotent
        if self.horizons is not None:
            changes = [change for _, event in page for change in horizon_changes(event)]
            await asyncio.to_thread(self.horizons.apply, changes)
        await asyncio.to_thread(self.positions.set, self.name, page[-1][0])

    @property
    def active(self) -> bool:
        """This copy follows the log (another copy, on the same database, stands by)."""
        return self._following is not None and self._following.active

    async def run(self, stop: asyncio.Event, *, poll_interval: float = 1.0,
                  listen_url: str | None = None, standby_interval: float = 2.0) -> None:
        """Follow the log until ``stop`` is set, in ``ledger.store.follow``'s loop: a failure is
        logged and the page retried after a back-off.

        With ``listen_url`` (the ledger's PostgreSQL) one dispatcher is active while others
        stand by, and it wakes on the log's NOTIFY as well as polling, since a lost
        notification must not stall it.
        """
        if getattr(self.ledger.recorder, "datastore", None) is None:
            listen_url = None  # a ledger in memory: nothing to lock or listen to, it polls
        log_table = LogTable.of(self.ledger) if listen_url is not None else LogTable()
        following = self._following = Following(
            listen_url, log_table, follow.advisory_key(f"dispatcher:{self.name}"),
            name="dispatcher", poll_interval=poll_interval, standby_interval=standby_interval)
        halt = threading.Event()
        work = _Dispatching(self, asyncio.get_running_loop())
        running = asyncio.ensure_future(asyncio.to_thread(following.run, work, halt))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([running, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            halt.set()
            stopping.cancel()
            await running

    def _read(self, position: int) -> list[tuple[int, DomainEvent]]:
        rows = read_recorded(self.ledger.recorder, position, self.page_size, topics=TOPICS)
        page = []
        for row in rows:
            event: Any = self.ledger.mapper.to_domain_event(StoredEvent(
                originator_id=row.originator_id, originator_version=row.originator_version,
                topic=row.topic, state=row.state))
            self.inputs.remember(event)
            page.append((row.position, event))
        return page

    async def _handle_all(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            async with self._limit:
                await self._handle(event)

    async def _handle(self, event: DomainEvent) -> None:
        if isinstance(event, LedgerSettings.CalendarYearPublished):
            # Publishing dates the waiting deadlines itself; this finishes the work if it was
            # cut short, and is a no-op otherwise.
            await asyncio.to_thread(self.waiting.date_all)
            return
        eid = event_id(event.originator_id, event.originator_version)
        closes: list[str] = list(getattr(event, "closes", ()))
        if closes_every_deadline(event):  # reads the record as it stood before
            closes = await asyncio.to_thread(self.waiting.closed_by, event)
        owner = owner_of(event)
        started = started_deadlines(event)
        # A key the same fact starts again (a lead handed over) keeps its workflow, which the
        # start below moves to the new dates; the ledger holds it open, so a close is no news.
        again = {deadline.key for deadline in started}
        for key in closes:
            if key not in again:
                await self._close(deadline_workflow_id(event.originator_id, key, owner), eid)
        dated_on = business_date(event.timestamp) if isinstance(event, ev.DeadlineDated) else None
        for deadline in started:
            if deadline.waiting:
                await asyncio.to_thread(self.waiting.date_if_published, event.originator_id,
                                        deadline, record=owner == "record")
            else:
                await self._start(event.originator_id, deadline, eid, dated_on)

    # -- Temporal ------------------------------------------------------------------------------

    async def _close(self, wid: str, eid: str) -> None:
        handle = self.client.get_workflow_handle(wid)
        try:
            await handle.signal(DeadlineWorkflow.closed, eid)
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            return  # already closed, or started before the dispatcher existed
        self.signalled += 1

    async def _start(self, record_id: UUID, deadline: Deadline, eid: str,
                     dated_on: date | None = None) -> None:
        prepared = self.inputs.from_cache(record_id, deadline, eid, dated_on)
        if prepared is None:
            prepared = await asyncio.to_thread(self.inputs.prepare, record_id, deadline, eid,
                                               dated_on)
        input, subject = prepared
        wid = workflow_id_of(record_id, deadline)
        if await self._start_new(input, subject, wid, WorkflowIDReusePolicy.REJECT_DUPLICATE):
            return
        handle = self.client.get_workflow_handle(wid, result_type=DeadlineOutcome)
        try:
            await handle.execute_update(
                DeadlineWorkflow.extended, DeadlineExtension(ladder=input.ladder, event_id=eid)
            )
            return
        except WorkflowUpdateFailedError as error:
            log.info("%s refused %s: %s", wid, eid, error.cause)
            return  # an older fact than the deadline already has
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
        # The workflow has ended. A fact newer than all it took in starts the deadline afresh
        # (a key used again, or an extension after the ladder ran out); anything else is a replay.
        try:
            outcome = await handle.result()
        except WorkflowFailureError:
            return  # terminated or failed: an operator's decision, not the dispatcher's
        if eid not in outcome.events and event_version(eid) > max(
            event_version(e) for e in outcome.events
        ):
            await self._start_new(input, subject, wid, WorkflowIDReusePolicy.ALLOW_DUPLICATE)

    async def start_again(self, record_id: UUID, deadline: Deadline, eid: str) -> bool:
        """Start an open deadline's workflow afresh, its previous run having ended or been lost
        (see ``workflows.reconcile``); ``eid`` is the record's latest fact. False if a run of
        it is going already."""
        input, subject = await asyncio.to_thread(self.inputs.prepare, record_id, deadline, eid,
                                                 None)
        return await self._start_new(input, subject, workflow_id_of(record_id, deadline),
                                     WorkflowIDReusePolicy.ALLOW_DUPLICATE)

    async def _start_new(self, input: DeadlineInput, subject: DeadlineSubject, wid: str,
                         policy: WorkflowIDReusePolicy) -> bool:
        attributes = None
        if self.search_attributes:
            attributes = initial_attributes(input, subject.subject_code, subject.region_code)
        try:
            await self.client.start_workflow(
                DeadlineWorkflow.run, input, id=wid, task_queue=self.task_queue,
                id_reuse_policy=policy, search_attributes=attributes,
            )
        except WorkflowAlreadyStartedError:
            return False
        self.started += 1
        return True

    def deadline_input(self, record_id: UUID, deadline: Deadline, eid: str,
                       dated_on: date | None = None) -> DeadlineInput:
        """The workflow input for a deadline an event started (see ``DeadlineInputs``)."""
        return self.inputs.deadline_input(record_id, deadline, eid, dated_on)


class _Dispatching(Work):
    """The dispatcher's work in ``ledger.store.follow``'s loop (a thread): each catch-up runs on
    the dispatcher's event loop, where the Temporal client lives."""

    def __init__(self, dispatcher: Dispatcher, loop: asyncio.AbstractEventLoop) -> None:
        self.dispatcher, self.loop = dispatcher, loop

    def catch_up(self) -> int:
        return asyncio.run_coroutine_threadsafe(self.dispatcher.catch_up(), self.loop).result()
