"""Writing a rebuild's pages on a connection of their own, while the next page is applied.

A rebuild reads and decodes a page, applies it to the views, and has the views write what
changed. Much of the writing is the database's work, so it goes to a second connection and
thread (``PageWriter``) while the next page is read and applied. The views write into
``Recorded``, which keeps the statements (their rows already made into JSON) for the writer.

So a table may lack the page handed over last. The views keep that page's changes in their
working sets (``Rows.keep_last_page``), which win over what they read back; and they read
through ``AfterWrites``, which first waits until every page before that one is written.

Each page is one transaction of the writer. A failed write is raised in the rebuild's thread
at its next hand-over or wait, and the rebuild drops its scratch tables as for any failure.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self

import psycopg
from psycopg.abc import Params, QueryNoTemplate

Step = tuple[QueryNoTemplate, Params | None]


class Recorded:
    """Stands in for a cursor in the views' ``flush``: keeps the statements, in order.

    The views' working sets write with ``execute`` alone (``projections.tables``); a view that
    reads in ``flush``, or copies, fails loudly here rather than writing out of order.
    """

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def execute(self, query: QueryNoTemplate, params: Params | None = None) -> None:
        self.steps.append((query, params))


def replay(cursor: psycopg.Cursor[Any], steps: Iterable[Step]) -> None:
    for query, params in steps:
        cursor.execute(query, params)


class PageWriter:
    """Writes handed-over pages in order, each in one transaction, on its own thread.

    At most one page waits while another is written, so memory stays at about two pages.
    """

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.error: BaseException | None = None
        self._pages: queue.Queue[list[Step] | None] = queue.Queue(maxsize=1)
        self._counts = threading.Condition()
        self._handed = self._written = 0
        self._thread = threading.Thread(target=self._run, name="rebuild-writer", daemon=True)
        self._thread.start()

    def hand_over(self, steps: list[Step]) -> None:
        self._raise()
        with self._counts:
            self._handed += 1
        self._pages.put(steps)

    def wait(self, but: int = 0) -> None:
        """Return once every page handed over but the last ``but`` is committed; raise what
        failed, if anything."""
        with self._counts:
            self._counts.wait_for(lambda: self._written >= self._handed - but)
        self._raise()

    def close(self) -> None:
        self._pages.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (steps := self._pages.get()) is not None:
            try:
                if self.error is None:
                    with self.conn.transaction(), self.conn.cursor() as cursor:
                        replay(cursor, steps)
            except BaseException as error:
                self.error = error
            finally:
                with self._counts:
                    self._written += 1
                    self._counts.notify_all()


class AfterWrites(psycopg.Cursor[Any]):
    """The views' cursor in a rebuild: a read waits until the pages before the last one are
    written. The last page's changes are still in the views' working sets
    (``Rows.keep_last_page``), and win over what is read."""

    writer: PageWriter | None = None

    def execute(self, *args: Any, **kwargs: Any) -> Self:
        if self.writer is not None:
            self.writer.wait(but=1)
        return super().execute(*args, **kwargs)


@contextlib.contextmanager
def collector_paused(every: int = 50) -> Iterator[Callable[[], None]]:
    """Run Python's cyclic garbage collector once every ``every`` pages, not as it likes.

    A page's thousands of decoded events and rows live until the page is done, so the
    collector, left to itself, walks them again and again (a fifth of a rebuild's time); they
    hold no cycles and are freed by reference counting. A full collection every few pages
    still frees any cycle made meanwhile, so memory stays flat. Yields what to call after
    each page.
    """
    if not gc.isenabled():
        yield lambda: None
        return
    pages = 0

    def page_done() -> None:
        nonlocal pages
        pages += 1
        if pages % every == 0:
            gc.collect()

    gc.disable()
    try:
        yield page_done
    finally:
        gc.enable()
