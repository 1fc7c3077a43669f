"""Fixtures of the fault tests: a Temporal dev server that can be killed, the settings every
process of the project reads, and a filing load."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.load import Load, prepare
from tests.support.processes import DevServer
from tests.support.world import FakeClock, postgres_ledger


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DevServer]:
    """Not started yet: the test starts it (and kills and restarts it)."""
    running = DevServer(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def settings(server: DevServer, pg_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of the ledger's processes: this test's database and Temporal."""
    return dict(os.environ, TEMPORAL_ADDRESS=server.address, LEDGER_DATABASE_URL=pg_url,
                LEDGER_HOME=str(tmp_path))


@pytest.fixture
def load(pg_url: str, clock: FakeClock) -> Iterator[Load]:
    """Bodies and calendar years registered, filing not started yet; stopped at the end."""
    ledger = postgres_ledger(pg_url, clock)
    prepare(ledger, clock)
    running = Load(ledger, clock)
    yield running
    running.stop()
    ledger.close()
