"""At the command line an operator imports third-party ratings from a file and an auditor lists
the periods evaluated and replays one from the log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from api.auth import Account, PostgresTokenStore
from ledger.application import Ledger
from ledger.events import SYSTEM, Role
from projections.period_evaluations import take_period
from tests.support.projections import Projections
from tests.support.world import BODY_CODE, DEPT, FakeClock, filing


def test_an_operator_imports_ratings_and_an_auditor_replays_a_recorded_quarter(
    cli: Any, app: Ledger, views: Projections, clock: FakeClock, pg_url: str,
    tmp_path: Path,
) -> None:
    PostgresTokenStore(pg_url).create(Account("ops", Role.OPERATOR, None, "operator"))
    app.file_record(filing(1), DEPT)
    rows = tmp_path / "ratings.csv"
    rows.write_text("source,subject_kind,subject_code,period,score,document\n"
                    f"福州大学,body,{BODY_CODE},2026-Q3,81,福大〔2026〕1号\n"
                    "福州大学,region,999999,2026-Q3,81,福大〔2026〕1号\n", encoding="utf-8")
    imported = cli("ratings", "import", rows, "--account", "ops")
    assert imported.exit_code == 1 and "1 imported, 0 unchanged, 1 errors" in imported.output
    assert "line 3" in imported.output and "subject_code" in imported.output
    refused = cli("ratings", "import", rows, "--account", "clerk")
    assert refused.exit_code == 2 and "operator" in refused.output

    views.catch_up()
    clock.set_date(date(2026, 10, 1))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert take_period(app, conn, "2026-Q3", date(2026, 10, 1), SYSTEM)
    listed = cli("evaluations", "list")
    assert listed.exit_code == 0, listed.output
    assert "2026-Q3: taken 2026-10-01 under integrity-2026-v1" in listed.output

    replayed = cli("evaluations", "replay", "2026-Q3", "--database-url", pg_url)
    assert replayed.exit_code == 0, replayed.output
    assert "differ from the log" in replayed.output and ", 0 differ" in replayed.output
    missing = cli("evaluations", "replay", "2025-Q3", "--database-url", pg_url)
    assert missing.exit_code == 2 and "period" in missing.output
