"""One background thread that writes a bulk import's groups of events while the next are prepared.

Groups are written in the order they are sent, one at a time, each in its own transaction.
``send`` blocks while ``ahead`` groups already wait, so at most ``ahead + 1`` groups are held
besides the one being prepared, however long the file. Once a write fails, the groups sent
after it come back unwritten (``skipped``) until ``resume``: they were prepared on top of the
one that failed, and only the sender knows what to do again.

Writing overlaps preparing only while the database driver waits for the server (it lets go
of the interpreter then, and the server runs in its own process); the driver's own work on the
parameters (psycopg dumps the array of stored events in Python) holds the interpreter like the
preparing does, so the two take turns at it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

G = TypeVar("G")


@dataclass(frozen=True)
class Outcome(Generic[G]):
    """What became of one group sent: written, failed with ``error``, or ``skipped``."""

    group: G
    error: BaseException | None = None
    skipped: bool = False


class _Signal:
    pass


_RESUME = _Signal()
_STOP = _Signal()


class GroupWriter(Generic[G]):
    """Calls ``write`` on each group sent, in order, on its own thread."""

    def __init__(self, write: Callable[[G], object], *, ahead: int) -> None:
        self._write = write
        self._todo: queue.Queue[G | _Signal] = queue.Queue(maxsize=ahead)
        self._done: queue.Queue[Outcome[G]] = queue.Queue()
        # A daemon, so a generator that is never closed cannot keep the process alive; a
        # transaction cut short by the exit is rolled back by the server.
        self._thread = threading.Thread(target=self._run, name="bulk-import-writer",
                                        daemon=True)
        self._thread.start()

    def send(self, group: G) -> None:
        self._todo.put(group)

    def outcome(self, *, block: bool) -> Outcome[G] | None:
        """The next group's outcome, in the order sent; ``None`` if none is ready yet."""
        try:
            return self._done.get(block=block)
        except queue.Empty:
            return None

    def resume(self) -> None:
        """Write the groups sent from now on again, after a failed write."""
        self._todo.put(_RESUME)

    def close(self) -> None:
        """Drop the groups not yet begun and wait for the write under way, if any."""
        while True:
            try:
                self._todo.get_nowait()
            except queue.Empty:
                break
        self._todo.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        failed = False
        while (group := self._todo.get()) is not _STOP:
            if isinstance(group, _Signal):  # _RESUME: _STOP has ended the loop
                failed = False
            elif failed:
                self._done.put(Outcome(group, skipped=True))
            else:
                try:
                    self._write(group)
                except BaseException as error:  # the sender must hear of it, or wait forever
                    failed = True
                    self._done.put(Outcome(group, error))
                else:
                    self._done.put(Outcome(group))
