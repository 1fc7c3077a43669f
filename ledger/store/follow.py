"""Following the event log: one way to read it, and one loop that keeps up with it.

**Reading.** The ledger writes through eventsourcing's default insert path, which locks the
events table for each transaction, so notification ids become visible in commit order: a reader
that has seen id N will never later see a smaller id appear. Gaps (ids taken by transactions that
rolled back) are never filled, so "everything after my position" is the complete rest of the
log. ``read_page`` reads it inside the caller's transaction (the projections and the sealer store
their position in the same one); ``read_recorded`` reads the same rows through the ledger's
recorder (the dispatcher, which also runs on the in-memory store).

**Following.** ``Following.run`` keeps one copy of a follower active per name. The active copy
holds a session advisory lock on a connection of its own, which also LISTENs for the NOTIFY the
ledger sends with every write; other copies stand by, trying the lock every
``standby_interval``, and one of them takes over when that connection goes away (its process
died or lost the database). The active copy catches up after each notification, and at least
every ``poll_interval``, since a notification can be lost. Failures are handled alike for all:

* the database connection is lost (``psycopg.OperationalError``): the work drops its
  connections, the lock goes with the listener's, and the copy tries again after
  ``retry_interval``, as a standby first;
* anything else the work raises: logged with its traceback and tried again from the stored
  position, after a back-off doubling from ``poll_interval`` up to ``max_backoff``; the copy
  stays active, so a fact nobody can handle stops the follower loudly rather than being skipped.

The lock is not what makes a follower correct: each stores its position with (or after) its
idempotent effects, so even two active copies would apply every event once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import psycopg
from psycopg import sql

from ledger.events import DomainEvent
from ledger.store.persistence import decode_event

logger = logging.getLogger(__name__)
_SLICE = 0.25  # seconds a wait for news goes without looking at the stop signal


# -- the log ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogTable:
    """Where the eventsourcing recorder keeps the log, and the channel it NOTIFYs on."""

    schema: str = "public"
    table: str = "ledger_events"

    @classmethod
    def of(cls, application: Any) -> LogTable:
        """The log table of a ``Ledger`` running on PostgreSQL."""
        recorder = application.recorder
        datastore = getattr(recorder, "datastore", None)
        if datastore is None:
            raise TypeError("following the log needs a ledger on PostgreSQL, not the in-memory "
                            "store")
        return cls(datastore.schema or "public", recorder.events_table_name)

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def channel(self) -> str:
        # eventsourcing names the channel after the table (dots replaced).
        return self.table.replace(".", "_")

    @property
    def identifier(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(self.table))


class StoredRow(NamedTuple):
    """One stored event, as the recorder wrote it."""

    position: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


_SELECT = ("SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
           "WHERE notification_id > %s")


def read_page(cursor: psycopg.Cursor[Any], log: LogTable, after: int, limit: int, *,
              topics: Collection[str] = ()) -> list[StoredRow]:
    """Up to ``limit`` stored events with a notification id above ``after``, in order (only
    those of ``topics``, if given), read in ``cursor``'s transaction."""
    params = (after, list(topics), limit) if topics else (after, limit)
    cursor.execute(_select(log, bool(topics)), params)
    return [StoredRow(*row) for row in cursor.fetchall()]


@functools.cache
def _select(log: LogTable, filtered: bool) -> sql.SQL:
    """The page query, composed once per table (it runs for every page of every follower)."""
    query = _SELECT + (" AND topic = ANY(%s)" if filtered else "")
    query += " ORDER BY notification_id LIMIT %s"
    return sql.SQL(sql.SQL(query).format(log.identifier).as_string())


def read_recorded(recorder: Any, after: int, limit: int, *,
                  topics: Collection[str] = ()) -> list[StoredRow]:
    """The same page read through an eventsourcing recorder (PostgreSQL or in memory)."""
    notifications = recorder.select_notifications(start=after + 1, limit=limit,
                                                  topics=list(topics))
    return [StoredRow(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in notifications]


def head(cursor: psycopg.Cursor[Any], log: LogTable) -> int:
    """The highest notification id committed so far (0 for an empty log)."""
    cursor.execute(sql.SQL("SELECT max(notification_id) FROM {}").format(log.identifier))
    row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def decode(row: StoredRow) -> DomainEvent:
    """The domain event a stored row holds."""
    return decode_event(row.topic, orjson.loads(row.state), row.originator_id,
                        row.originator_version)


# -- the loop ---------------------------------------------------------------------------------


def advisory_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Work:
    """What a follower does once it is the active copy; ``catch_up`` is the one it must do."""

    def activate(self) -> None:
        """Called each time this copy becomes the active one (after the lock, before work)."""

    def catch_up(self) -> object:
        """Handle everything the log holds after the stored position."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once the follower is asked to stop while active."""

    def lost(self) -> None:
        """The database connection was lost, or the follower stops: drop every connection
        the work holds (it opens them again when needed)."""


class Following:
    """Runs a ``Work`` as the active copy or as a standby; see the module docstring.

    Without ``url`` (a ledger in memory) there is nothing to lock or listen to: it only polls.
    """

    def __init__(
        self, url: str | None, log: LogTable, lock_key: int, *, name: str,
        poll_interval: float = 1.0, standby_interval: float = 2.0,
        retry_interval: float = 5.0, max_backoff: float = 30.0,
    ) -> None:
        self.url, self.log, self.lock_key, self.name = url, log, lock_key, name
        self.poll_interval = poll_interval
        self.standby_interval = standby_interval
        self.retry_interval = retry_interval
        self.max_backoff = max_backoff
        self.active = False
        self._listener: psycopg.Connection[Any] | None = None

    def run(self, work: Work, stop: threading.Event) -> None:
        """Follow the log with ``work`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                self._serve(work, stop)
            except psycopg.OperationalError as error:
                logger.warning("%s lost its database connection (%s); retrying", self.name,
                               error)
                self._drop(work)
                stop.wait(self.retry_interval)
        self._drop(work)

    def _serve(self, work: Work, stop: threading.Event) -> None:
        if not self._become_active(stop):
            return
        work.activate()
        failures = 0
        while not stop.is_set():
            try:
                work.catch_up()
                failures = 0
            except psycopg.OperationalError:
                raise
            except Exception:
                failures += 1
                logger.exception("%s failed; retrying from its stored position", self.name)
            self._wait(stop, min(self.poll_interval * 2 ** failures, self.max_backoff))
        work.finish()

    def _become_active(self, stop: threading.Event) -> bool:
        if self.url is None:
            self.active = True
            return True
        listener = self._listener = psycopg.connect(self.url, autocommit=True)
        while not self._try_lock(listener):
            if stop.wait(self.standby_interval):
                return False
        self.active = True
        logger.info("%s is active", self.name)
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.log.channel)))
        return True

    def _try_lock(self, listener: psycopg.Connection[Any]) -> bool:
        row = listener.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,)).fetchone()
        return bool(row and row[0])

    def _wait(self, stop: threading.Event, timeout: float) -> None:
        """Until a notification, ``stop`` or ``timeout``; queued notifications are drained,
        since one catch-up serves a whole burst of writes."""
        listener = self._listener
        if listener is None:
            stop.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            # In slices, so that a stop is seen soon even during a long back-off.
            if any(True for _ in listener.notifies(timeout=min(left, _SLICE), stop_after=1)):
                for _ in listener.notifies(timeout=0.0):
                    pass
                return

    def _drop(self, work: Work) -> None:
        self.active = False
        work.lost()
        if self._listener is not None and not self._listener.closed:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
        self._listener = None
