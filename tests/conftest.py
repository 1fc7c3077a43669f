"""Shared fixtures: real embedded PostgreSQL, a clock moved by hand, ledgers on both stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from ledger.application import Ledger
from ledger.store.storage import create_database, scratch_postgres
from tests.support.world import FakeClock, memory_ledger, postgres_ledger, register_world


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A real PostgreSQL: ``LEDGER_DATABASE_URL`` if given, else an embedded server."""
    configured = os.environ.get("LEDGER_DATABASE_URL")
    if configured:
        yield configured
        return
    yield scratch_postgres("clpg")


@pytest.fixture
def pg_url(pg_admin_url: str) -> str:
    """A fresh, empty database for one test."""
    return create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(autouse=True)
def sealer_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> (
    None
):
    """Each test's sealers keep the checkpoint they signed in a folder of the test's own."""
    monkeypatch.setenv("LEDGER_SEALER_STATE", str(tmp_path_factory.mktemp("sealer")))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "postgres"])
def ledger(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Ledger]:
    """The same ledger tests run on the in-memory store and on real PostgreSQL."""
    if request.param == "memory":
        app = memory_ledger(clock)
    else:
        app = postgres_ledger(request.getfixturevalue("pg_url"), clock)
    yield app
    app.close()


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    register_world(ledger)
    return ledger
