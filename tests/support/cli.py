"""The ``credit-ledger`` command line as a test runs it: on the test's database, with a home
folder of its own, the master key given as in production, and the accounts it names."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Protocol

import pytest
from typer.testing import CliRunner, Result

from api.auth import Account, PostgresTokenStore
from api.cli.main import app as cli_app
from ledger.events import Role
from tests.support.world import SOURCE_CODE

CLERK = Account("clerk", Role.SOURCE_DEPARTMENT, SOURCE_CODE, "department clerk")
"""The department's clerk at the command line."""


class CommandLine(Protocol):
    def __call__(self, *args: str | Path, input: str | None = None) -> Result: ...


def command_line(url: str, home: Path, monkeypatch: pytest.MonkeyPatch,
                 *accounts: Account) -> CommandLine:
    """Run ``credit-ledger`` against the database at ``url``, with a token made for each of
    ``accounts`` (a named database: its master key is given, as in production)."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_HOME", str(home / "home"))
    monkeypatch.setenv("LEDGER_MASTER_KEY", base64.b64encode(b"k" * 32).decode())
    tokens = PostgresTokenStore(url)
    for account in accounts:
        tokens.create(account)
    runner = CliRunner()

    def run(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(cli_app, [str(a) for a in args], input=input)

    return run
