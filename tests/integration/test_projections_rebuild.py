"""Rebuilding views from the log, swapping them in without downtime, and the CLI around it."""

from __future__ import annotations

import threading

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli.projections import app as cli
from ledger.application import Ledger
from ledger.clock import business_date
from projections import disclosure
from projections.disclosure import PublicDisclosure
from projections.follower import Follower, advisory_key
from projections.log import log_table_of
from projections.positions import view_status
from projections.rebuild import RebuildError, rebuild, rebuild_upgraded
from projections.records import RecordView
from projections.registry import VIEWS
from tests.support.projections import (
    Projections,
    RefusesWithdrawals,
    file_many,
    rebuilt_snapshot,
    snapshot,
)
from tests.support.world import FakeClock


def test_a_rebuild_swaps_in_fresh_tables_while_readers_and_writers_carry_on(
    app: Ledger, pg_url: str, clock: FakeClock,
) -> None:
    file_many(app, range(1, 41))
    views = Projections(app, pg_url)
    views.catch_up()
    log, today = views.log, business_date(clock())
    stop, seen, failures = threading.Event(), set(), []
    follower_stop = threading.Event()
    follower = Follower(pg_url, RecordView(), log, poll_interval=0.05)
    follower_thread = threading.Thread(target=follower.run, args=(follower_stop,), daemon=True)
    follower_thread.start()

    def read() -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    seen.add(disclosure.public_disclosure(conn, per_page=100, today=today).total)
                except Exception as error:  # pragma: no cover - reported below
                    failures.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    writer = threading.Thread(target=file_many, args=(app, range(100, 110)))
    writer.start()
    done = rebuild(pg_url, VIEWS, log, page_size=7)
    writer.join()
    stop.set()
    reader.join()
    views.catch_up()
    follower_stop.set()
    follower_thread.join()

    assert failures == [] and min(seen) >= 30  # never empty, never an error
    assert done.entries > 150 and done.rate > 0
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log)
    with psycopg.connect(pg_url) as conn:
        assert all(s.healthy and s.lag == 0 for s in view_status(conn, log))
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE "
                               "'views_rebuild%'").fetchall()
    assert schemas == []


def test_a_rebuild_restarts_a_view_that_stopped_on_an_event(
    app: Ledger, pg_url: str,
) -> None:
    file_many(app, range(1, 5))
    log = log_table_of(app)
    stopped = Follower(pg_url, RefusesWithdrawals(), log)
    stopped.catch_up()
    assert stopped.failure is not None

    rebuild(pg_url, [RecordView], log)
    stopped.catch_up()  # its stored error is gone, so even the old copy goes on

    with psycopg.connect(pg_url) as conn:
        status = {s.view: s for s in view_status(conn, log)}["record_view"]
        withdrawn = conn.execute(
            "SELECT count(*) FROM views.record_view WHERE status = 'withdrawn'").fetchone()
    assert status.healthy and status.lag == 0
    assert withdrawn == (1,)


def test_a_rebuild_that_fails_leaves_the_live_view_as_it_was(app: Ledger, pg_url: str) -> None:
    file_many(app, range(1, 3))
    log = log_table_of(app)
    Follower(pg_url, RecordView(), log).catch_up()
    before = snapshot(pg_url, "views", [RecordView])
    file_many(app, range(3, 5))

    with pytest.raises(RebuildError, match="Withdrawn"):
        rebuild(pg_url, [RefusesWithdrawals], log)

    assert snapshot(pg_url, "views", [RecordView]) == before
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regnamespace('views_rebuild_record_view')").fetchone() == (
            None,)


def test_a_view_whose_tables_were_made_by_other_code_waits_for_a_rebuild(
    app: Ledger, pg_url: str,
) -> None:
    file_many(app, range(1, 3))
    log = log_table_of(app)
    Follower(pg_url, RecordView(), log).catch_up()
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE views.positions SET definition = 'older' "
                     "WHERE view = 'record_view'")
    file_many(app, range(3, 5))

    follower = Follower(pg_url, RecordView(), log)
    assert follower.catch_up() == 0
    assert follower.failure is not None and "rebuild" in follower.failure.message

    rebuild(pg_url, [RecordView], log)
    assert Follower(pg_url, RecordView(), log).catch_up() == 0
    with psycopg.connect(pg_url) as conn:
        status = {s.view: s for s in view_status(conn, log)}["record_view"]
    assert status.healthy and status.lag == 0


def test_after_an_upgrade_following_starts_by_rebuilding_the_views_whose_code_changed(
    app: Ledger, pg_url: str, env: None,
) -> None:
    file_many(app, range(1, 4))
    log = log_table_of(app)
    for view in (RecordView(), PublicDisclosure()):
        Follower(pg_url, view, log).catch_up()
    with psycopg.connect(pg_url) as conn:  # as an older release left them
        conn.execute("UPDATE views.positions SET definition = 'older' "
                     "WHERE view = 'public_disclosure'")
        conn.execute("DELETE FROM views.public_disclosure")

    ran = CliRunner().invoke(cli, ["run", "--once", "--view", "record_view",
                                   "--view", "public_disclosure"])

    assert ran.exit_code == 0, ran.output
    assert "rebuilt public_disclosure (their code changed)" in ran.output
    assert "public_disclosure: 0 events applied; ok" in ran.output
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM views.public_disclosure").fetchone() == (3,)
    assert rebuild_upgraded(pg_url, list(VIEWS), log) is None  # nothing left to rebuild


def test_the_cli_runs_rebuilds_and_reports_each_views_position_lag_and_health(
    app: Ledger, pg_url: str, env: None,
) -> None:
    runner = CliRunner()
    file_many(app, range(1, 5))
    assert "no views yet" in runner.invoke(cli, ["status"]).output

    ran = runner.invoke(cli, ["run", "--once", "--view", "record_view"])
    assert ran.exit_code == 0, ran.output
    assert "record_view:" in ran.output and "ok" in ran.output
    file_many(app, range(5, 7))
    shown = runner.invoke(cli, ["status"])
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.startswith("record_view"))
    assert line.split()[2] == "8" and line.endswith("ok")  # two filings behind: 8 events

    rebuilt = runner.invoke(cli, ["rebuild", "public_disclosure"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt public_disclosure" in rebuilt.output and "events/s" in rebuilt.output
    assert runner.invoke(cli, ["rebuild", "no_such_view"]).exit_code != 0

    file_many(app, range(7, 9))
    Follower(pg_url, RefusesWithdrawals(), log_table_of(app)).catch_up()
    stopped = runner.invoke(cli, ["status"])
    assert stopped.exit_code == 1 and "STOPPED" in stopped.output
    assert "Withdrawn" in stopped.output


def test_a_second_rebuild_of_the_same_view_is_refused_while_one_runs(
    app: Ledger, pg_url: str,
) -> None:
    log = log_table_of(app)
    with psycopg.connect(pg_url, autocommit=True) as running:
        running.execute("SELECT pg_advisory_lock(%s)", (advisory_key("rebuild:record_view"),))
        with pytest.raises(RebuildError, match="already running"):
            rebuild(pg_url, [RecordView], log)
    assert rebuild(pg_url, [RecordView], log).views == ("record_view",)
