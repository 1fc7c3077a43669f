"""Group commit: the commands of many threads share one transaction, and so one fsync.

The contract
------------
- A command prepares its events in its own thread, as before, then hands the stored events to
  the ``GroupCommitter`` (``submit``) and waits for its answer (``Pending.wait``): the
  notification ids of its events, once they are committed, or the error that kept them out.
- One committer thread writes what has arrived, in arrival order, in one transaction through
  the library's recorder: its lock statements (``LOCK TABLE ... IN EXCLUSIVE MODE``), its
  ``NOTIFY`` and its insert. So commit order is still notification order, which the followers
  and the Merkle tree rely on, and a reader woken by the NOTIFY finds the whole batch.
- A batch closes when no other command is being prepared (with one client nothing waits), when
  ``window`` seconds have passed since its first command, or at ``max_events`` / ``max_bytes``
  (a large psycopg pipeline can hang). A command larger than the limits goes alone.
- Optimistic concurrency is checked per command, under the table lock: a command whose first
  event of an aggregate is not that aggregate's next version (after the stored events and the
  commands before it in the batch) is left out and gets ``IntegrityError``; the others are
  written. This also refuses a command prepared on top of one that failed, rather than leave a
  hole in an aggregate's versions.
- A command may carry ``also``: writes of its own (each called with the open cursor, after the
  events are inserted), committed or rolled back with its events, such as the stored answer to
  an ``Idempotency-Key``. If one of them fails (a unique row taken meanwhile), the batch is
  written again one command at a time, so only that command gets the error.
- All or nothing: a command's events are in the log if and only if its ``wait`` returned. When
  the process dies mid-batch, the transaction rolls back and nothing of the batch is written.

Stores other than PostgreSQL (the in-memory one of the tests) are written at once, in the
caller's thread, through ``recorder.insert_events``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

Also = Callable[[Any], None]
"""A write of a command's own, called with the psycopg cursor of the batch's transaction."""

WINDOW_SECONDS = 0.0015
MAX_EVENTS = 1000
MAX_BYTES = 200 * 1024
_ATTEMPTS, _PAUSE = 10, 0.2  # as the library's recorder retries a lost connection


@dataclass(eq=False)
class Pending:
    """A submitted command: ``wait`` returns its events' notification ids once committed."""

    events: Sequence[StoredEvent]
    also: Sequence[Also]
    size: int
    answer: Future[list[int]] = field(default_factory=Future)

    def wait(self) -> list[int]:
        return self.answer.result()


class GroupCommitter:
    """Writes the events of concurrent commands in shared transactions (see the module)."""

    def __init__(self, recorder: ApplicationRecorder, *, window: float = WINDOW_SECONDS,
                 max_events: int = MAX_EVENTS, max_bytes: int = MAX_BYTES) -> None:
        self.recorder = recorder
        self.window, self.max_events, self.max_bytes = window, max_events, max_bytes
        self.batches = 0  # transactions written, for tests and metrics
        self._queue: deque[Pending] = deque()
        self._cond = threading.Condition()
        self._preparing = 0
        self._writing = 0
        self._local = threading.local()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        self._recorder: Any = recorder  # the PostgreSQL recorder's own statements are used
        self._versions: Any = None
        if isinstance(recorder, PostgresApplicationRecorder):
            datastore = recorder.datastore
            self._versions = SQL(
                "SELECT u.id, (SELECT max(originator_version) FROM {}.{} "
                "WHERE originator_id = u.id) AS version FROM unnest(%s::{}[]) AS u(id)"
            ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name),
                     Identifier(datastore.originator_id_type))

    @property
    def accepts_writes(self) -> bool:
        """Whether commands may carry writes of their own (on PostgreSQL only)."""
        return self._versions is not None

    @property
    def queued(self) -> int:
        """Commands waiting for the committer."""
        with self._cond:
            return len(self._queue)

    @property
    def waiting(self) -> int:
        """Commands submitted and not answered yet (queued, or in the batch being written)."""
        with self._cond:
            return len(self._queue) + self._writing

    # -- the callers' side ---------------------------------------------------------------------

    @contextmanager
    def preparing(self) -> Iterator[None]:
        """Around a command's preparation: a batch waits (up to ``window``) for the commands
        being prepared, and closes at once when there are none."""
        nested = getattr(self._local, "preparing", False)
        if not nested:
            with self._cond:
                self._preparing += 1
            self._local.preparing = True
        try:
            yield
        finally:
            if not nested:
                self._done_preparing()

    def _done_preparing(self) -> None:
        if getattr(self._local, "preparing", False):
            self._local.preparing = False
            with self._cond:
                self._preparing -= 1
                self._cond.notify_all()

    def submit(self, events: Sequence[StoredEvent], also: Sequence[Also] = ()) -> Pending:
        """Queue a command's events (and its own writes) for the next batch."""
        pending = Pending(events, also, sum(len(e.state) for e in events))
        if self._versions is None:
            if also:
                raise TypeError("writes of a command's own need the PostgreSQL recorder")
            ids = self.recorder.insert_events(list(events))
            pending.answer.set_result(list(ids or []))
            return pending
        if not events and not also:
            pending.answer.set_result([])
            return pending
        with self._cond:
            if self._closed:
                raise RuntimeError("the ledger is closed")
            self._start()
            self._queue.append(pending)
            if getattr(self._local, "preparing", False):
                self._local.preparing = False
                self._preparing -= 1
            self._cond.notify_all()
        return pending

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _start(self) -> None:
        if self._pid != os.getpid():  # forked: the parent's thread is not here
            self._pid, self._thread = os.getpid(), None
            self._queue.clear()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            self._thread.start()

    # -- the committer's side ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                batch = self._gather()
                self._writing = len(batch)
            try:
                self._write(batch)
            finally:
                with self._cond:
                    self._writing = 0

    def _gather(self) -> list[Pending]:
        """Take what fits from the queue; while others are preparing, wait for them a while."""
        batch: list[Pending] = []
        events = size = 0
        deadline = time.monotonic() + self.window
        while True:
            while self._queue and (not batch or (
                events + len(self._queue[0].events) <= self.max_events
                and size + self._queue[0].size <= self.max_bytes
            )):
                pending = self._queue.popleft()
                batch.append(pending)
                events, size = events + len(pending.events), size + pending.size
            remaining = deadline - time.monotonic()
            if self._queue or not self._preparing or remaining <= 0 or self._closed:
                return batch
            self._cond.wait(remaining)

    def _write(self, batch: list[Pending]) -> None:
        try:
            answers = self._retrying(batch)
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].answer.set_exception(error)
                return
            for pending in batch:  # a command's own write failed: find which, one at a time
                self._write([pending])
            return
        except BaseException as error:
            for pending in batch:
                pending.answer.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for pending, answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                pending.answer.set_exception(answer)
            else:
                pending.answer.set_result(answer)

    def _retrying(self, batch: list[Pending]) -> list[list[int] | BaseException]:
        for attempt in range(_ATTEMPTS):
            try:
                return self._transaction(batch)
            except (InterfaceError, OperationalError):
                if attempt + 1 == _ATTEMPTS:
                    raise
                time.sleep(_PAUSE)
        raise AssertionError("unreachable")

    def _transaction(self, batch: list[Pending]) -> list[list[int] | BaseException]:
        """Write the batch in one round trip if every command fits, as they nearly always do;
        else (a conflict) roll back and write again, checking the versions first."""
        try:
            return self._pipelined(batch, self._optimistic)
        except (_Refit, IntegrityError):
            return self._pipelined(batch, self._checked)

    def _pipelined(self, batch: list[Pending], statements: Callable[..., Any]) -> (
        list[list[int] | BaseException]
    ):
        error: Exception | None = None
        answers: list[list[int] | BaseException] = []
        with self._recorder.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as curs:
                try:
                    with conn.cursor() as versions:
                        answers = statements(curs, versions, pipeline, batch)
                except Exception as failed:  # raised once the pipeline is left, as the library
                    error = failed
                    # A database error has already aborted the transaction; anything else is
                    # raised inside it, so what was sent before it is rolled back, not committed.
                    if isinstance(failed, _Refit) or not isinstance(failed, psycopg.Error):
                        pipeline.sync()
                        raise
            if error is not None:
                raise error
        self.batches += 1
        return answers

    def _optimistic(self, curs: Any, versions: Any, pipeline: Any, batch: list[Pending]) -> (
        list[list[int] | BaseException]
    ):
        """Everything in one go: lock, versions, NOTIFY, insert, the commands' own writes."""
        recorder = self._recorder
        recorder._lock_table(curs)
        ids_of = list({e.originator_id for pending in batch for e in pending.events})
        versions.execute(self._versions, (ids_of,), prepare=True)
        events = [e for pending in batch for e in pending.events]
        if events:
            recorder._insert_stored_events(curs, events)
        own = curs.connection.cursor()  # ``curs`` keeps the insert's ids for the fetch below
        for pending in batch:
            for write in pending.also:
                write(own)
        pipeline.sync()
        answers = _fit(batch, {row["id"]: row["version"] or 0 for row in versions.fetchall()})
        if not all(isinstance(answer, list) for answer in answers):
            raise _Refit()
        if events:
            _number(answers, recorder._fetch_ids_after_insert_events(curs, events))
        return answers

    def _checked(self, curs: Any, versions: Any, pipeline: Any, batch: list[Pending]) -> (
        list[list[int] | BaseException]
    ):
        """Lock and read the versions first, then insert (with NOTIFY) what fits and the
        commands' own writes: the library recorder's own statements, in one transaction."""
        recorder = self._recorder
        recorder._lock_table(curs)
        ids_of = list({e.originator_id for pending in batch for e in pending.events})
        versions.execute(self._versions, (ids_of,), prepare=True)
        pipeline.sync()
        answers = _fit(batch, {row["id"]: row["version"] or 0 for row in versions.fetchall()})
        accepted = [p for p, a in zip(batch, answers, strict=True) if isinstance(a, list)]
        events = [e for pending in accepted for e in pending.events]
        if events:
            recorder._insert_stored_events(curs, events)
            pipeline.sync()
            _number(answers, recorder._fetch_ids_after_insert_events(curs, events))
        for pending in accepted:
            for write in pending.also:
                write(curs)
        pipeline.sync()
        return answers


class _Refit(Exception):
    """A command of the batch does not follow on from the stored versions."""


def _number(answers: list[list[int] | BaseException], ids: Sequence[int]) -> None:
    """Hand out the notification ids, in order, to the commands that were written."""
    found = iter(ids)
    for answer in answers:
        if isinstance(answer, list):
            answer[:] = [next(found) for _ in answer]


def _fit(batch: list[Pending], stored: dict[UUID | str, int]) -> list[list[int] | BaseException]:
    """Which commands follow on from the stored versions (and the accepted ones before them):
    for each, a list as long as its events (to be filled with their ids), or its error."""
    versions = dict(stored)
    answers: list[list[int] | BaseException] = []
    for pending in batch:
        first: dict[UUID | str, int] = {}
        last: dict[UUID | str, int] = {}
        for event in pending.events:
            first.setdefault(event.originator_id, event.originator_version)
            last[event.originator_id] = event.originator_version
        clash = next((i for i, v in first.items() if v != versions.get(i, 0) + 1), None)
        if clash is None:
            versions.update(last)
            answers.append([0] * len(pending.events))
        else:
            answers.append(IntegrityError(
                f"aggregate {clash} is at version {versions.get(clash, 0)}, not "
                f"{first[clash] - 1}: another command changed it first"))
    return answers
