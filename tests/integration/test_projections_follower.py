"""The follower applies every committed event exactly once, whatever happens around it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg
import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import ConflictError
from ledger.events import DomainEvent
from projections.follower import Follower
from projections.log import log_table_of
from projections.rebuild import RebuildError, rebuild
from projections.records import RecordView
from projections.registry import all_views
from projections.rollup import RegionRollup
from projections.view import View
from tests.support.projections import (
    AppliedPositions,
    Projections,
    RefusesWithdrawals,
    applied,
    following,
    log_positions,
    rebuilt_snapshot,
    snapshot,
    statuses,
    write_at_once,
)
from tests.support.world import ADMIN, DEPT, FakeClock, filing, postgres_ledger, uscc


class Crash(BaseException):
    """Stands for the process dying: not an error of the view's code."""


class DiesMidPage(View):
    """Dies after a number of events: its connection is cut, or the process "crashes"."""

    left = 0
    how = "crash"

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        self.left -= 1
        if self.left < 0:
            if self.how == "connection":
                cursor.connection.close()
            else:
                raise Crash()
        super().apply(cursor, event, position)


class DyingRollup(DiesMidPage, RegionRollup):
    pass


class DyingCounter(DiesMidPage, AppliedPositions):
    pass


def test_a_view_that_fails_stops_at_that_event_and_the_other_views_go_on(
    app: Ledger, pg_url: str,
) -> None:
    first = app.file_record(filing(1), DEPT).record_id
    app.withdraw_record(c.WithdrawRecord(record_id=first, reasons="撤销"), DEPT)
    second = app.file_record(filing(2), DEPT).record_id
    log = log_table_of(app)
    withdrawal = max(log_positions(pg_url, log)) - 4  # filing 2 wrote 4 events after it

    failing = Follower(pg_url, RefusesWithdrawals(), log)
    failing.catch_up()
    others = Projections(app, pg_url)
    others.followers = [f for f in others.followers if f.view.name != "record_view"]
    others.catch_up()

    assert failing.failure is not None and failing.failure.position == withdrawal
    status = statuses(pg_url, log)
    assert status["record_view"].position == withdrawal - 1
    assert status["record_view"].error_position == withdrawal
    assert "Withdrawn" in (status["record_view"].error or "")
    assert "cannot handle a withdrawal" in (status["record_view"].error or "")
    assert all(s.lag == 0 and s.healthy for name, s in status.items() if name != "record_view")
    failing.catch_up()  # stays stopped, and says so
    assert statuses(pg_url, log)["record_view"].position == withdrawal - 1

    fixed = Follower(pg_url, RecordView(), log)
    fixed.catch_up()

    status = statuses(pg_url, log)["record_view"]
    assert status.healthy and status.lag == 0
    with psycopg.connect(pg_url) as conn:
        rows = dict(conn.execute("SELECT record_id, status FROM views.record_view").fetchall())
    assert rows == {first: "withdrawn", second: "in_force"}


@pytest.mark.parametrize("how", ["connection", "crash"])
def test_a_follower_killed_mid_page_and_restarted_loses_and_duplicates_nothing(
    app: Ledger, pg_url: str, how: str,
) -> None:
    log = log_table_of(app)
    for n in range(1, 8):
        rid = app.file_record(filing(n), DEPT).record_id
        if n % 3 == 0:
            app.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="撤销"), DEPT)
        if n == 4:
            for view in (RegionRollup(), AppliedPositions()):
                Follower(pg_url, view, log, page_size=5).catch_up()

    for dying in (DyingRollup(), DyingCounter()):
        dying.left, dying.how = 7, how  # the second page dies at its third event
        follower = Follower(pg_url, dying, log, page_size=5)
        with pytest.raises((psycopg.OperationalError, Crash)):
            follower.catch_up()
        follower.close()
    assert 0 < statuses(pg_url, log)["region_rollup"].lag < 20
    for view in (RegionRollup(), AppliedPositions()):
        Follower(pg_url, view, log, page_size=5).catch_up()

    assert applied(pg_url) == log_positions(pg_url, log)
    rebuilt = rebuilt_snapshot(pg_url, log)
    assert snapshot(pg_url, "views", [RegionRollup]) == {
        t.name: rebuilt[t.name] for t in RegionRollup.tables}
    assert statuses(pg_url, log)["region_rollup"].healthy


def test_concurrent_writers_with_rollbacks_leave_no_event_skipped_or_applied_twice(
    app: Ledger, pg_url: str, clock: FakeClock,
) -> None:
    log = log_table_of(app)
    errors, created = [], []

    def file(writer: Ledger, start: int, body: str) -> None:
        try:
            writer.register_body(c.RegisterBody(credit_code=body, name=f"机关{body[-4:]}",
                                                region_code="350103"), ADMIN)
            for n in range(start, start + 12):
                # Two writers share a body: a lost race on it rolls back a whole save.
                with contextlib.suppress(ConflictError):
                    created.append(writer.file_record(filing(
                        n, subject_code=body, region_code="350103"), DEPT).created)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    bodies = [uscc(f"11350103MB0000{k}") for k in (1, 2, 3, 3)]
    ledgers = [postgres_ledger(pg_url, clock) for _ in bodies]  # one pool per writer
    writers: list[Callable[[], object]] = [
        partial(file, ledger, 100 * k, body)
        for k, (ledger, body) in enumerate(zip(ledgers, bodies, strict=True), start=1)]
    writers.append(lambda: app.register_body(c.RegisterBody(
        credit_code=uscc("11350200MB00009"), name="厦门市财政局", region_code="350200"), ADMIN))
    views = (AppliedPositions(), AppliedPositions(), *all_views())
    with following(pg_url, log, views, page_size=7) as followers:
        write_at_once(pg_url, writers, rollbacks=6)
    for ledger in ledgers:
        ledger.close()
    assert errors == []

    positions = log_positions(pg_url, log)
    assert positions[-1] - positions[0] + 1 > len(positions)  # rolled-back writes left gaps
    assert applied(pg_url) == positions
    assert sum(f.active for f in followers) == 0
    assert all(s.healthy for s in statuses(pg_url, log).values())
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log)
    with psycopg.connect(pg_url) as conn:
        filed = conn.execute("SELECT count(*) FROM ledger_events WHERE topic = "
                             "'ledger.record_events:RecordFiled'").fetchone()
        province = conn.execute("SELECT sum(records) FROM views.region_rollup "
                                "WHERE region_code = '350000'").fetchone()
    assert filed is not None and province is not None
    assert filed[0] == province[0] == sum(created) > 0


def test_a_standby_copy_takes_over_when_the_active_one_stops(app: Ledger, pg_url: str) -> None:
    log = log_table_of(app)
    first_stop, second_stop = threading.Event(), threading.Event()
    first = Follower(pg_url, RecordView(), log, poll_interval=0.05, standby_interval=0.05)
    second = Follower(pg_url, RecordView(), log, poll_interval=0.05, standby_interval=0.05)
    first_thread = threading.Thread(target=first.run, args=(first_stop,), daemon=True)
    first_thread.start()
    wait_for(lambda: first.active)
    second_thread = threading.Thread(target=second.run, args=(second_stop,))
    second_thread.start()
    time.sleep(0.3)
    assert first.active and not second.active

    first_stop.set()
    first_thread.join()
    wait_for(lambda: second.active)
    rid = app.file_record(filing(), DEPT).record_id
    wait_for(lambda: record_exists(pg_url, rid))
    second_stop.set()
    second_thread.join()


def test_a_notification_wakes_the_follower_long_before_its_next_poll(
    app: Ledger, pg_url: str,
) -> None:
    stop = threading.Event()
    follower = Follower(pg_url, RecordView(), log_table_of(app), poll_interval=60)
    thread = threading.Thread(target=follower.run, args=(stop,))
    thread.start()
    try:
        wait_for(lambda: follower.active)
        time.sleep(0.2)  # let it settle into waiting
        rid = app.file_record(filing(), DEPT).record_id
        started = time.monotonic()
        wait_for(lambda: record_exists(pg_url, rid), timeout=5)
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("NOTIFY ledger_events")  # wake it so it sees the stop at once
        thread.join()


def record_exists(url: str, rid: Any) -> bool:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass('views.record_view')").fetchone()
        if found is None or found[0] is None:
            return False
        return conn.execute("SELECT 1 FROM views.record_view WHERE record_id = %s",
                            (rid,)).fetchone() is not None


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_event_this_code_cannot_read_stops_the_view_instead_of_being_skipped(
    app: Ledger, pg_url: str,
) -> None:
    app.file_record(filing(1), DEPT)
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO ledger_events (originator_id, originator_version, topic, "
                     "state) VALUES (gen_random_uuid(), 1, 'ledger.future:Thing', '{}')")
    app.file_record(filing(2), DEPT)
    log = log_table_of(app)
    strange = log_positions(pg_url, log)[-5]

    follower = Follower(pg_url, RecordView(), log, page_size=3)
    follower.catch_up()

    assert follower.failure is not None and follower.failure.position == strange
    assert follower.failure.topic == "ledger.future:Thing"
    assert statuses(pg_url, log)["record_view"].position == strange - 1
    with pytest.raises(RebuildError, match=r"ledger\.future:Thing"):
        rebuild(pg_url, [RecordView], log)
