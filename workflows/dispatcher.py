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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from ledger import record_events as ev
from ledger.application import Ledger
from ledger.calendar import WorkingCalendar
from ledger.clock import business_date
from ledger.commitment_events import CommitmentMade
from ledger.errors import NotFoundError, RecordNotFoundError
from ledger.events import SYSTEM, DomainEvent
from ledger.lead_events import LeadReceived
from ledger.rules import RuleSet
from ledger.settings import LedgerSettings
from ledger.values import Deadline, SubjectType
from workflows.deadline import DeadlineWorkflow
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
from workflows.plans import closes_every_deadline, ladder, started_deadlines
from workflows.positions import Positions
from workflows.search import initial_attributes

log = logging.getLogger(__name__)
_CACHE_SIZE = 100_000
_SCHEDULE_TTL_SECONDS = 10.0

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


@dataclass(frozen=True)
class _Subject:
    subject_type: SubjectType
    subject_code: str
    region_code: str


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
        self._limit = asyncio.Semaphore(concurrency)
        self._subjects: dict[UUID, _Subject] = {}
        self._superiors: dict[str, str] = {}
        self._schedules: dict[str, tuple[RuleSet, WorkingCalendar, float]] = {}
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

    async def run(self, stop: asyncio.Event, *, poll_interval: float = 1.0,
                  listen_url: str | None = None) -> None:
        """Follow the log until ``stop`` is set; a failure is logged and the page retried.

        With ``listen_url`` (the ledger's PostgreSQL) it wakes on the log's NOTIFY as well as
        polling, since a lost notification must not stall it.
        """
        news = asyncio.Event()
        channel = getattr(self.ledger.recorder, "channel_name", None)
        listener = None
        if listen_url is not None and channel is not None:
            listener = asyncio.create_task(_listen(listen_url, channel, news))
        failures = 0
        try:
            while not stop.is_set():
                try:
                    await self.catch_up()
                    failures = 0
                except Exception:
                    # Never skipped: a fact the dispatcher cannot handle stops it here, loudly.
                    log.exception("dispatching failed; retrying from the saved position")
                    failures += 1
                wait = min(poll_interval * 2 ** failures, 30.0)
                await _first_of(stop, news, timeout=wait)
                news.clear()
        finally:
            if listener is not None:
                listener.cancel()

    def _read(self, position: int) -> list[tuple[int, DomainEvent]]:
        notifications = self.ledger.recorder.select_notifications(
            start=position + 1, limit=self.page_size, topics=TOPICS
        )
        page = []
        for notification in notifications:
            event: Any = self.ledger.mapper.to_domain_event(notification)
            if isinstance(event, ev.RecordFiled):
                self._remember(event.originator_id, _subject(event.content))
            elif isinstance(event, CommitmentMade | LeadReceived):
                self._remember(event.originator_id, _held_subject(event))
            page.append((notification.id, event))
        return page

    async def _handle_all(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            async with self._limit:
                await self._handle(event)

    async def _handle(self, event: DomainEvent) -> None:
        if isinstance(event, LedgerSettings.CalendarYearPublished):
            # Publishing dates the waiting deadlines itself; this finishes the work if it was
            # cut short, and is a no-op otherwise.
            await asyncio.to_thread(self.ledger.date_waiting_deadlines)
            await asyncio.to_thread(self.ledger.date_held_deadlines)
            return
        eid = event_id(event.originator_id, event.originator_version)
        closes: list[str] = list(getattr(event, "closes", ()))
        if closes_every_deadline(event):
            before = await asyncio.to_thread(
                self.ledger.record, event.originator_id, event.originator_version - 1
            )
            closes += [key for key in before.deadlines if key not in closes]
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
            if deadline.waiting and owner != "record":
                await self._date_held_if_published(event.originator_id, deadline)
            elif deadline.waiting:
                await self._date_if_published(event.originator_id, deadline)
            else:
                await self._start(event.originator_id, deadline, eid, dated_on)

    async def _date_if_published(self, record_id: UUID, deadline: Deadline) -> None:
        """A deadline recorded as waiting for years that were published meanwhile (a command
        counted with a calendar read just before the publication): date it now."""
        calendar = (await asyncio.to_thread(self.ledger.settings, fresh=True)).calendar()
        if all(calendar.covers(year) for year in deadline.awaiting):
            await asyncio.to_thread(self.ledger.date_deadlines, record_id)

    async def _date_held_if_published(self, holder_id: UUID, deadline: Deadline) -> None:
        """The same for a commitment's or lead's deadline."""
        calendar = (await asyncio.to_thread(self.ledger.settings, fresh=True)).calendar()
        if all(calendar.covers(year) for year in deadline.awaiting):
            await asyncio.to_thread(self.ledger.holder_step, holder_id, lambda h, s: (
                h.date_deadlines(SYSTEM, self.ledger.clock(), s)))

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
        prepared = self._prepare_from_cache(record_id, deadline, eid, dated_on)
        if prepared is None:
            prepared = await asyncio.to_thread(self._prepare, record_id, deadline, eid, dated_on)
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
        input, subject = await asyncio.to_thread(self._prepare, record_id, deadline, eid, None)
        return await self._start_new(input, subject, workflow_id_of(record_id, deadline),
                                     WorkflowIDReusePolicy.ALLOW_DUPLICATE)

    async def _start_new(self, input: DeadlineInput, subject: _Subject, wid: str,
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

    # -- the ledger side: dates and superiors --------------------------------------------------

    def _prepare(self, record_id: UUID, deadline: Deadline, eid: str,
                 dated_on: date | None) -> tuple[DeadlineInput, _Subject]:
        return self.deadline_input(record_id, deadline, eid, dated_on), self._subject(record_id)

    def _prepare_from_cache(self, record_id: UUID, deadline: Deadline, eid: str,
                            dated_on: date | None) -> tuple[DeadlineInput, _Subject] | None:
        """The same without touching the database, when everything needed is cached."""
        subject = self._subjects.get(record_id)
        cached = self._schedules.get(deadline.rule_set_id)
        if subject is None or deadline.party not in self._superiors or cached is None or (
            time.monotonic() - cached[2] > _SCHEDULE_TTL_SECONDS
        ):
            return None
        return self.deadline_input(record_id, deadline, eid, dated_on), subject

    def deadline_input(self, record_id: UUID, deadline: Deadline, eid: str,
                       dated_on: date | None = None) -> DeadlineInput:
        """The workflow input for a deadline an event started: its dates and superior
        (``dated_on``: the day a waiting deadline's due date was fixed)."""
        rules, calendar = self._schedule(deadline.rule_set_id)
        return DeadlineInput(
            record_id=record_id, key=deadline.key, kind=deadline.kind,
            ladder=ladder(deadline, rules, calendar, dated_on),
            superior=self._superior(record_id, deadline.party), started_by=eid,
        )

    def _schedule(self, rule_set_id: str) -> tuple[RuleSet, WorkingCalendar]:
        """The rule set and calendar, re-read from the ledger every few seconds (a calendar
        year an administrator publishes is picked up without a restart)."""
        cached = self._schedules.get(rule_set_id)
        if cached is None or time.monotonic() - cached[2] > _SCHEDULE_TTL_SECONDS:
            settings = self.ledger.settings()
            cached = (settings.rule_book().get(rule_set_id), settings.calendar(),
                      time.monotonic())
            self._schedules[rule_set_id] = cached
        return cached[0], cached[1]

    def _subject(self, record_id: UUID) -> _Subject:
        subject = self._subjects.get(record_id)
        if subject is None:
            try:
                subject = _subject(self.ledger.record(record_id, version=1).content)
            except RecordNotFoundError:
                first = self.ledger.timeline(record_id)[0]
                if not isinstance(first, CommitmentMade | LeadReceived):
                    raise
                subject = _held_subject(first)
            self._remember(record_id, subject)
        return subject

    def _remember(self, record_id: UUID, subject: _Subject) -> None:
        if len(self._subjects) >= _CACHE_SIZE:
            self._subjects.clear()  # crude, but bounded; a miss costs one read of the log
            self._superiors.clear()
        self._subjects[record_id] = subject

    def _superior(self, record_id: UUID, party: str) -> str:
        """Whom a late party is escalated to: its parent body, a civil servant's body, or else
        the record's reporting region."""
        subject = self._subject(record_id)
        parent = self._superiors.get(party)
        if parent is None:  # "" is cached for a party with no parent
            parent = self._superiors[party] = self._parent_of(subject, party) or ""
        return parent or subject.region_code

    def _parent_of(self, subject: _Subject, party: str) -> str | None:
        try:
            if party == subject.subject_code and subject.subject_type is SubjectType.CIVIL_SERVANT:
                return self.ledger.civil_servant(UUID(party)).body_code
            return self.ledger.body(party).parent_code
        except (NotFoundError, ValueError):
            return None


async def _listen(url: str, channel: str, news: asyncio.Event) -> None:
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
            async with conn:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                async for _ in conn.notifies():
                    news.set()
        except psycopg.Error:
            log.warning("listening for new events failed; polling until it is back")
            await asyncio.sleep(5)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _subject(content: ev.RecordContent) -> _Subject:
    return _Subject(content.subject_type, content.subject_code, content.region_code)


def _held_subject(event: CommitmentMade | LeadReceived) -> _Subject:
    """A commitment's maker, or the body a lead concerns."""
    body = event.maker if isinstance(event, CommitmentMade) else event.body
    return _Subject(SubjectType.BODY, body.code, event.region_code)
