"""Helpers the projection tests share: followers driven by hand, table snapshots, and views
made for the tests (one that writes down every position it is given, one that refuses
withdrawals)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from ledger import commands as c
from ledger.application import Ledger
from ledger.events import Actor, DomainEvent
from ledger.record import CreditRecord, Schedule
from ledger.record_events import Withdrawn
from projections.follower import Follower
from projections.log import LogTable, log_table_of
from projections.positions import view_status
from projections.rebuild import build
from projections.records import RecordView
from projections.registry import VIEWS, all_views
from projections.tables import Table
from projections.view import View
from tests.support.world import DEPT, filing

SYSTEM_ACTOR = Actor(id="system", role="system")


class Projections:
    """Every registered view with its own follower, caught up explicitly by the test."""

    def __init__(self, app: Ledger, url: str, *, page_size: int = 500) -> None:
        self.app, self.url = app, url
        self.log: LogTable = log_table_of(app)
        self.followers = [Follower(url, view, self.log, page_size=page_size)
                          for view in all_views()]

    def catch_up(self) -> None:
        for follower in self.followers:
            follower.catch_up()
            assert follower.failure is None, follower.failure

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True)

    def close(self) -> None:
        for follower in self.followers:
            follower.close()


def system_step(app: Ledger, rid: UUID, name: str, *args: Any) -> None:
    """A step the system takes on its own (overdue, urged, expired, lifted)."""
    def step(record: CreditRecord, _schedule: Schedule) -> Any:
        return getattr(record, name)(SYSTEM_ACTOR, app.clock(), *args)

    app.system_step(rid, step)


def snapshot(url: str, schema: str, views: list[type[View]] | None = None) -> (
    dict[str, list[tuple[Any, ...]]]
):
    """Every row of every view table in ``schema``, sorted, for comparing two builds."""
    tables = [t for cls in (views or list(VIEWS)) for t in cls.tables]
    found: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(url) as conn:
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(table.ident(schema)))
            found[table.name] = sorted(rows.fetchall(), key=repr)
    return found


def log_positions(url: str, log: LogTable) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(sql.SQL(
            "SELECT notification_id FROM {} ORDER BY notification_id").format(log.identifier))
        return [row[0] for row in rows.fetchall()]


def rebuilt_snapshot(url: str, log: LogTable, schema: str = "scratch", *,
                     pipelined: bool = False, page_size: int = 1000) -> (
    dict[str, list[tuple[Any, ...]]]
):
    """The views built from scratch in a schema of their own, as a snapshot.

    ``pipelined`` builds them as a rebuild does, writing each page on a second connection
    while the next is applied.
    """
    views = [cls(schema) for cls in VIEWS]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        with conn.cursor() as cursor:
            for view in views:
                view.create_tables(cursor)
        if pipelined:
            with psycopg.connect(url, autocommit=True) as writes:
                build(conn, views, log, page_size=page_size, writes=writes)
        else:
            build(conn, views, log, page_size=page_size)
    found = snapshot(url, schema)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return found


def every_event_class() -> frozenset[type[DomainEvent]]:
    found: set[type[DomainEvent]] = set()
    todo = [DomainEvent]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


APPLIED = Table(name="applied_positions", columns=(("position", "bigint"), ("topic", "text")),
                key=("position",))


class AppliedPositions(View):
    """Writes down every position it is given; a second delivery breaks its primary key."""

    name = "applied_positions"
    tables = (APPLIED,)
    handles = every_event_class()

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        cursor.execute("INSERT INTO views.applied_positions VALUES (%s, %s)",
                       (position, get_topic(type(event))))



class RefusesWithdrawals(RecordView):
    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, Withdrawn):
            raise RuntimeError("cannot handle a withdrawal")
        super().apply(cursor, event, position)


def file_many(app: Ledger, numbers: range) -> None:
    for n in numbers:
        rid = app.file_record(filing(n), DEPT).record_id
        if n % 4 == 0:
            app.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="撤销"), DEPT)


def roll_back_positions(url: str, times: int) -> None:
    """A writer that takes notification ids under the table lock, holds them a moment, then
    aborts, ``times`` over: gaps in the log that followers must wait out or pass."""
    with psycopg.connect(url) as conn:
        for _ in range(times):
            with conn.transaction(force_rollback=True):
                conn.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")
                conn.execute("INSERT INTO ledger_events (originator_id, originator_version, "
                             "topic, state) VALUES (gen_random_uuid(), 1, 'x:y', '{}')")
                time.sleep(0.02)


def write_at_once(url: str, writers: list[Callable[[], object]], rollbacks: int) -> None:
    """The writers run in threads at once, beside one that rolls back ``rollbacks`` times
    (``roll_back_positions``); it returns when all of them are done."""
    threads = [threading.Thread(target=writer) for writer in writers]
    threads.append(threading.Thread(target=roll_back_positions, args=(url, rollbacks)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def caught_up(url: str, log: LogTable, timeout: float = 30) -> None:
    """Wait until every view's follower has reached the last position in the log."""
    top = max(log_positions(url, log))
    deadline = time.monotonic() + timeout
    while any(s.position < top for s in statuses(url, log).values()):
        assert time.monotonic() < deadline, statuses(url, log)
        time.sleep(0.05)


@contextmanager
def following(url: str, log: LogTable, views: Iterable[View], page_size: int) -> (
    Iterator[list[Follower]]
):
    """A follower of each view running in its thread while the block runs; on leaving it
    they catch up with the log (``caught_up``) and stop."""
    stop = threading.Event()
    followers = [Follower(url, view, log, page_size=page_size, poll_interval=0.05,
                          standby_interval=0.05) for view in views]
    threads = [threading.Thread(target=f.run, args=(stop,), daemon=True) for f in followers]
    for thread in threads:
        thread.start()
    try:
        yield followers
        caught_up(url, log)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def applied(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT position FROM views.applied_positions ORDER BY position")
        return [row[0] for row in rows.fetchall()]


def statuses(url: str, log: LogTable) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        return {s.view: s for s in view_status(conn, log)}
