"""A department filing many records: twenty bodies registered with this year's and next year's
calendars, records filed in a stretch or, in a thread, in bursts for as long as a fault test
runs; one in ten filed with the clock set back so its deadline has already passed."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from uuid import UUID

from temporalio.client import Client

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import business_date
from tests.calendar_data import publish_test_years
from tests.support.world import ADMIN, DEPT, FakeClock, filing, uscc

BODIES = [uscc(f"1135010{n:02d}MB0000") for n in range(20)]

BURST, PAUSE = 40, 1.0  # records filed one after another, then seconds of quiet


def prepare(ledger: Ledger, clock: FakeClock) -> None:
    """Twenty bodies to file against, and the calendar for this year and the next."""
    for n, code in enumerate(BODIES):
        ledger.register_body(c.RegisterBody(credit_code=code, name=f"测试机关{n}",
                                            region_code="350102"), ADMIN)
    today = business_date(datetime.now(UTC))
    publish_test_years(ledger, today.year, today.year + 1)


def file(ledger: Ledger, clock: FakeClock, numbers: range) -> list[UUID]:
    """File records; one in ten with the clock set back to 2026-05-06 (long overdue now)."""
    ids = []
    for n in numbers:
        if n % 10 == 0:
            clock.set_date(date(2026, 5, 6))
        else:
            clock.now = datetime.now(UTC)
        cmd = filing(n, subject_code=BODIES[n % len(BODIES)], decision_date=date(2026, 4, 20))
        ids.append(ledger.file_record(cmd, DEPT).record_id)
    return ids


async def count(client: Client, query: str, at_least: int) -> bool:
    return (await client.count_workflows(query)).count >= at_least


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
