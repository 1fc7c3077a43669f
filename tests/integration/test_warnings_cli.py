"""At the command line an operator takes today's evaluations and the warnings they raise are
recorded once (a scheduler may run it daily); the list shows each warning with its state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

import api.cli.warnings
from api.auth import Account, PostgresTokenStore
from ledger.application import Ledger
from ledger.events import Role
from tests.support.projections import Projections
from tests.support.world import BODY_CODE, DEPT, FakeClock, filing, postgres_ledger


def test_an_operator_raises_todays_warnings_twice_and_they_are_recorded_once(
    cli: Any, app: Ledger, views: Projections, clock: FakeClock, pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set_date(date(2026, 11, 4))

    @contextmanager
    def on_the_test_clock() -> Iterator[Ledger]:
        ledger = postgres_ledger(pg_url, clock)
        try:
            yield ledger
        finally:
            ledger.close()

    monkeypatch.setattr(api.cli.warnings, "_opened", on_the_test_clock)
    PostgresTokenStore(pg_url).create(Account("ops", Role.OPERATOR, None, "operator"))
    for n in (1, 2):
        app.file_record(filing(n, severity="serious"), DEPT)
    views.catch_up()

    first = cli("warnings", "raise", "--account", "ops")
    assert first.exit_code == 0, first.output
    assert "2026-11-04 under integrity-2026-v1" in first.output
    assert "1 new warnings recorded" in first.output
    again = cli("warnings", "raise", "--account", "ops")
    assert again.exit_code == 0 and "0 evaluations and 0 new warnings" in again.output
    refused = cli("warnings", "raise", "--account", "clerk")
    assert refused.exit_code == 2 and "operator" in refused.output

    views.catch_up()
    listed = cli("warnings", "list", "--region", "350100")
    assert listed.exit_code == 0, listed.output
    assert "open" in listed.output and BODY_CODE in listed.output
    assert cli("warnings", "list", "--region", "350200").output == ""
