"""A department filing records in a thread, in bursts, for as long as a fault test runs."""

from __future__ import annotations

import threading
from uuid import UUID

from ledger.application import Ledger
from tests.integration.test_dispatcher_faults import file
from tests.support.world import FakeClock

BURST, PAUSE = 40, 1.0  # records filed one after another, then seconds of quiet


class Load:
    """Files ``BURST`` records, pauses, and again, until stopped; one record in ten with the
    clock set back, so that its explanation deadline has already passed."""

    def __init__(self, ledger: Ledger, clock: FakeClock) -> None:
        self.ledger, self.clock = ledger, clock
        self.ids: list[UUID] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._file, name="load", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _file(self) -> None:
        try:
            while not self._stop.is_set():
                for _ in range(BURST):
                    n = len(self.ids)  # file() sets the clock back for every tenth number
                    self.ids += file(self.ledger, self.clock, range(n, n + 1))
                self._stop.wait(PAUSE)
        except BaseException as error:  # reported by the test
            self.error = error

    @property
    def overdue(self) -> set[UUID]:
        return set(self.ids[::10])

    def stop(self) -> list[UUID]:
        """Every record filed, in order; each one was acknowledged, or ``error`` says why not."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.ids
