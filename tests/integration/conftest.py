"""Fixtures shared by the tests against the embedded PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.application import Ledger
from tests.conftest import FakeClock, postgres_ledger, register_world


@pytest.fixture
def app(pg_url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A ledger on a fresh database with the province's bodies and people registered."""
    ledger = postgres_ledger(pg_url, clock)
    register_world(ledger)
    yield ledger
    ledger.close()
