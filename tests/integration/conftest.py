"""Fixtures shared by the tests against the embedded PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from ledger.application import Ledger
from tests.support.projections import Projections
from tests.support.world import FakeClock, postgres_world


@pytest.fixture
def app(pg_url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A ledger on a fresh database with the province's bodies and people registered."""
    ledger = postgres_world(pg_url, clock)
    yield ledger
    ledger.close()


@pytest.fixture
def views(app: Ledger, pg_url: str) -> Iterator[Projections]:
    """Every view, caught up by hand (small pages, so page boundaries are exercised)."""
    projections = Projections(app, pg_url, page_size=4)
    yield projections
    projections.close()


@pytest.fixture
def conn(pg_url: str) -> Iterator[psycopg.Connection[object]]:
    with psycopg.connect(pg_url, autocommit=True) as connection:
        yield connection
