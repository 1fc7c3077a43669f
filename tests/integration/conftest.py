"""Fixtures shared by the tests against the embedded PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest

from api.auth import Account
from ledger.application import Ledger
from ledger.events import Role
from tests.support.cli import CLERK, CommandLine, command_line
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


@pytest.fixture
def cli_for(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> (
    Callable[..., CommandLine]
):
    """The command line on this test's database, with a token for each account it is given."""
    return partial(command_line, pg_url, tmp_path, monkeypatch)


@pytest.fixture
def cli(cli_for: Callable[..., CommandLine]) -> CommandLine:
    """The command line with an administrator's and a department clerk's accounts."""
    return cli_for(Account("admin", Role.ADMINISTRATOR, None, "administrator"), CLERK)


@pytest.fixture
def env(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings the command line reads: this test's database, home folder and master key."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", pg_url)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGER_MASTER_KEY", base64.b64encode(b"m" * 32).decode())
