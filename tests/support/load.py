"""A department filing many records: twenty bodies registered with the calendars of every year
the filings reach, records filed in a stretch or, in a thread, in bursts for as long as a fault
test runs; one in ten filed with the clock set back so its deadline has already passed.

The engines run on the wall clock (a real Temporal server), so every day here is counted back
from today rather than fixed."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from temporalio.client import Client

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import business_date
from tests.calendar_data import publish_test_years
from tests.support.world import ADMIN, DEPT, FakeClock, filing, uscc

BODIES = [uscc(f"1135010{n:02d}MB0000") for n in range(20)]

BURST, PAUSE = 40, 1.0  # records filed one after another, then seconds of quiet
SET_BACK = timedelta(days=60)  # longer than an explanation's 15 working days
DECIDED = timedelta(days=16)  # before the day of filing


def today() -> date:
    """The engines' day: the wall clock's, in Beijing."""
    return business_date(datetime.now(UTC))


def set_back(on: date) -> date:
    """``SET_BACK`` before ``on``, moved back to a Friday when it falls on a weekend."""
    day = on - SET_BACK
    return day - timedelta(days=max(0, day.weekday() - 4))


def years_reached(on: date) -> range:
    """Every year from the earliest decision to the deadlines of a filing made on ``on``."""
    return range((set_back(on) - DECIDED).year, on.year + 2)


def prepare(ledger: Ledger, clock: FakeClock) -> None:
    """Twenty bodies to file against, and the calendar of every year the filings reach."""
    for n, code in enumerate(BODIES):
        ledger.register_body(c.RegisterBody(credit_code=code, name=f"测试机关{n}",
                                            region_code="350102"), ADMIN)
    publish_test_years(ledger, *years_reached(today()))


def file(ledger: Ledger, clock: FakeClock, numbers: range) -> list[UUID]:
    """File records; one in ten with the clock set back ``SET_BACK`` (long overdue now)."""
    ids = []
    for n in numbers:
        back = set_back(today())
        if n % 10 == 0:
            clock.set_date(back)
        else:
            clock.now = datetime.now(UTC)
        decided = back - DECIDED
        cmd = filing(n, subject_code=BODIES[n % len(BODIES)], decision_date=decided)
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
