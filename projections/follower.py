"""The batched follower: keeps one view up to date with the log, exactly once.

Each page is one transaction: lock the view's row in ``views.positions``, read up to
``page_size`` events after the stored position, apply them, store the new position, commit. A
crash anywhere leaves the tables and the position as they were before the page. The follower
wakes on the NOTIFY the ledger sends with every write, and also polls, so a lost notification
delays a view by at most ``poll_interval``.

It runs in ``ledger.store.follow``'s loop, as every follower of the log does: one copy per view is
active (a session advisory lock on a connection of its own, which also LISTENs), a second copy
waits as a hot standby and takes over when that connection goes away. The position row lock, not
the advisory lock, is what guarantees exactly-once: even two active copies would apply each page
once, one after the other.

When the view's code raises on an event, the page is retried one event at a time to find the
event; everything before it is applied, the error is stored with the position, and the view
stops there (other views are separate followers and go on). A restarted follower, or a rebuild,
tries again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg

from ledger.store import follow
from ledger.store.follow import Following, LogTable, StoredRow, Work, read_page
from projections.log import decode_wanted
from projections.positions import (
    Failure,
    install,
    lock_position,
    record_failure,
    store_position,
)
from projections.view import View

logger = logging.getLogger(__name__)

OnCommit = Callable[[int, int], None]
"""Called after a page commits with (position before, position after)."""


class _PageFailedError(Exception):
    """The view's code raised on a page applied whole; its transaction is rolled back."""


def advisory_key(view: str) -> int:
    """A stable 64-bit lock key per view name."""
    return follow.advisory_key(f"projections:{view}")


class Follower(Work):
    """Applies the log to one view, a page per transaction; see the module docstring."""

    def __init__(
        self,
        url: str,
        view: View,
        log: LogTable | None = None,
        *,
        page_size: int = 500,
        poll_interval: float = 1.0,
        standby_interval: float = 2.0,
        retry_interval: float = 5.0,
        on_commit: OnCommit | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.url = url
        self.view = view
        self.log = log or LogTable()
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.standby_interval = standby_interval
        self.retry_interval = retry_interval
        self.on_commit = on_commit
        self.failure: Failure | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._installed = False
        self._following = Following(
            url, self.log, advisory_key(view.name), name=f"follower of {view.name}",
            poll_interval=poll_interval, standby_interval=standby_interval,
            retry_interval=retry_interval)

    @property
    def active(self) -> bool:
        """This copy holds the view's lock and follows the log (the others stand by)."""
        return self._following.active

    # -- applying pages -----------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply every page the log holds now; return how many log entries were covered."""
        conn = self._connection()
        if not self._installed:
            self.install()
        total = 0
        while True:
            covered = self._page(conn)
            total += covered
            if covered < self.page_size:
                return total

    def _page(self, conn: psycopg.Connection[Any]) -> int:
        try:
            return self._page_in_one(conn, whole=True)
        except _PageFailedError:
            # Rolled back; the page again, one savepoint per event, to find the event.
            return self._page_in_one(conn, whole=False)

    def _page_in_one(self, conn: psycopg.Connection[Any], *, whole: bool) -> int:
        """One page in one transaction: applied whole (no savepoint: the usual case costs no
        more round trips than it must), or else one event at a time."""
        with conn.transaction(), conn.cursor() as cursor:
            held = lock_position(cursor, self.view)
            if held.stale or (held.error is not None and self.failure is not None):
                # Stopped: it waits for a rebuild, or a restart after the code is fixed.
                self.failure = self.failure or Failure(held.position, "", held.error or "",
                                                       described=True)
                return 0
            rows = read_page(cursor, self.log, held.position, self.page_size)
            if not rows:
                return 0
            if whole:
                try:
                    self._apply(cursor, rows)
                except psycopg.OperationalError:
                    raise
                except Exception as error:
                    self.view.discard()
                    raise _PageFailedError from error
                last, failure = rows[-1].position, None
            else:
                last, failure = self._one_by_one(conn, cursor, rows, held.position)
            if last > held.position:
                store_position(cursor, self.view.name, last)
            if failure is not None:
                record_failure(cursor, self.view.name, failure)
                logger.error(failure.describe(self.view.name))
            self.failure = failure
        if last > held.position and self.on_commit is not None:
            self.on_commit(held.position, last)
        return len(rows) if failure is None else 0

    def _apply(self, cursor: psycopg.Cursor[Any], rows: Sequence[StoredRow]) -> None:
        entries = [e for e in decode_wanted(rows, self.view.handles) if e.event is not None]
        self.view.begin(cursor, entries)
        for entry in entries:
            assert entry.event is not None
            self.view.apply(cursor, entry.event, entry.position)
        self.view.flush(cursor)

    def _one_by_one(
        self, conn: psycopg.Connection[Any], cursor: psycopg.Cursor[Any],
        rows: Sequence[StoredRow], position: int,
    ) -> tuple[int, Failure | None]:
        """Find the event the page failed on; apply the ones before it."""
        for row in rows:
            try:
                with conn.transaction():
                    self._apply(cursor, [row])
            except psycopg.OperationalError:
                raise
            except Exception as error:
                self.view.discard()
                return position, Failure(row.position, row.topic,
                                         f"{type(error).__name__}: {error}")
            position = row.position
        return position, None

    # -- running ------------------------------------------------------------------------------

    def install(self) -> None:
        """Create the view's tables and position row if they are missing."""
        install(self._connection(), self.view)
        self._installed = True

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set, as the active copy or as a standby."""
        self._following.run(self, stop)

    def activate(self) -> None:
        self.install()
        self.failure = None  # a restart tries the event it stopped at again

    def lost(self) -> None:
        self.close()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
            # A view's page need not wait for its flush to disk: its tables and its position
            # commit together, so a server crash can only lose both, and the page is applied
            # again from the log (which its writers commit synchronously).
            self._conn.execute("SET synchronous_commit = off")
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None


def run_followers(
    url: str, views: Iterable[View], log: LogTable, stop: threading.Event, **options: Any
) -> list[threading.Thread]:
    """Start one follower thread per view; they end when ``stop`` is set."""
    threads = []
    for view in views:
        follower = Follower(url, view, log, **options)
        thread = threading.Thread(target=follower.run, args=(stop,),
                                  name=f"follower-{view.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
