"""Group commit: concurrent commands share transactions, and each is answered for itself."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger import commands as c
from ledger.application import Ledger
from ledger.store.group_commit import GroupCommitter, Pending
from projections.log import log_table_of
from projections.registry import all_views
from tests.support.projections import (
    AppliedPositions,
    applied,
    following,
    log_positions,
    rebuilt_snapshot,
    snapshot,
    write_at_once,
)
from tests.support.world import ADMIN, DEPT, FakeClock, filing, postgres_ledger, uscc

FILED = "ledger.record_events:RecordFiled"


@contextmanager
def table_held(url: str) -> Iterator[None]:
    """Another writer holds the events table's lock until the block ends."""
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")
        yield


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def transactions_of(url: str, topic: str) -> dict[str, int]:
    """Events of a topic by the transaction that wrote them."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT xmin::text, count(*) FROM ledger_events WHERE topic = %s "
                            "GROUP BY 1", (topic,)).fetchall()
    return {xid: n for xid, n in rows}


def register_bodies(app: Ledger, count: int) -> list[str]:
    codes = [uscc(f"11350103MB0{k:04d}") for k in range(count)]
    for code in codes:
        app.register_body(c.RegisterBody(credit_code=code, name=f"机关{code[-5:]}",
                                         region_code="350103"), ADMIN)
    return codes


def test_filings_from_many_threads_land_once_each_in_a_few_shared_transactions(
    app: Ledger, pg_url: str,
) -> None:
    bodies = register_bodies(app, 4)
    threads, answers, errors = [], [], []

    def file(n: int) -> None:
        try:
            answers.append(app.file_record(filing(n, subject_code=bodies[n % 4],
                                                  region_code="350103"), DEPT))
        except Exception as error:  # reported below
            errors.append(error)

    with table_held(pg_url):
        # The committer waits for the lock with its first batch; the others queue meanwhile.
        threads = [threading.Thread(target=file, args=(n,)) for n in range(1, 33)]
        for thread in threads:
            thread.start()
        wait_for(lambda: app.committer.waiting == len(threads), "the filings to queue")
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(a.record_id for a in answers) == sorted(
        {a.record_id for a in answers}) and all(a.created for a in answers)
    written = transactions_of(pg_url, FILED)
    assert sum(written.values()) == 32  # each filing exactly once
    assert len(written) <= 3  # one batch waited for the lock, the rest went in one or two
    for rid in (a.record_id for a in answers):
        assert len(app.timeline(rid)) >= 1
    for code in bodies:  # every listing on the subjects, in one unbroken run of versions
        body = app.body(code)
        assert len(body.records) == 8 and body.version == 9


def stored(aggregate: UUID, version: int) -> StoredEvent:
    return StoredEvent(originator_id=aggregate, originator_version=version, topic="tests:Fact",
                       state=b"{}")


@pytest.fixture
def committer(app: Ledger) -> GroupCommitter:
    return app.committer


def submit_held(url: str, committer: GroupCommitter, commands: list[tuple[list[StoredEvent],
                list[Any]]]) -> list[Pending]:
    """Submit the commands while the table is held, so that they are written as one batch
    (after a first command of one event, which the committer is then waiting with)."""
    with table_held(url):
        first = committer.submit([stored(uuid.uuid4(), 1)])
        wait_for(lambda: committer.queued == 0, "the committer to take the first command")
        pending = [committer.submit(events, also) for events, also in commands]
    first.wait()
    return pending


def test_a_conflict_in_a_batch_fails_that_command_alone(
    app: Ledger, committer: GroupCommitter, pg_url: str,
) -> None:
    taken = uuid.uuid4()
    app.committer.submit([stored(taken, 1)]).wait()
    a, b, c_ = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    before = committer.batches

    ok_a, conflict, ok_c = submit_held(pg_url, committer, [
        ([stored(a, 1), stored(a, 2)], []),
        ([stored(b, 1), stored(taken, 1)], []),   # version 1 of ``taken`` exists already
        ([stored(c_, 1)], []),
    ])

    assert len(ok_a.wait()) == 2 and len(ok_c.wait()) == 1
    with pytest.raises(IntegrityError):
        conflict.wait()
    assert committer.batches == before + 2  # the first command's, then these three
    assert app.recorder.select_events(b) == []  # nothing of the refused command
    assert [e.originator_version for e in app.recorder.select_events(a)] == [1, 2]


def test_a_command_prepared_on_top_of_a_refused_one_is_refused_too(
    committer: GroupCommitter, pg_url: str,
) -> None:
    record, subject = uuid.uuid4(), uuid.uuid4()
    committer.submit([stored(record, 1), stored(subject, 1)]).wait()

    resent, listed_after, fresh = submit_held(pg_url, committer, [
        ([stored(record, 1), stored(subject, 2)], []),  # the record exists: refused
        ([stored(subject, 3)], []),  # prepared on the refused one's version 2: a hole
        ([stored(subject, 2)], []),  # prepared on the stored version 1
    ])

    for refused in (resent, listed_after):
        with pytest.raises(IntegrityError):
            refused.wait()
    assert len(fresh.wait()) == 1


def test_a_command_whose_own_write_fails_is_refused_and_the_others_are_written(
    app: Ledger, committer: GroupCommitter, pg_url: str,
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE answers (key text PRIMARY KEY)")
        conn.execute("INSERT INTO answers VALUES ('taken')")

    def answer(key: str) -> Callable[[Any], None]:
        return lambda curs: curs.execute("INSERT INTO answers VALUES (%s)", (key,))

    a, b, c_ = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first, second, third = submit_held(pg_url, committer, [
        ([stored(a, 1)], [answer("a")]),
        ([stored(b, 1)], [answer("taken")]),
        ([stored(c_, 1)], [answer("c")]),
    ])

    assert first.wait() and third.wait()
    with pytest.raises(IntegrityError):
        second.wait()
    assert app.recorder.select_events(b) == []
    with psycopg.connect(pg_url) as conn:
        keys = conn.execute("SELECT key FROM answers ORDER BY key").fetchall()
    assert [k for k, in keys] == ["a", "c", "taken"]


def test_a_failure_that_is_not_the_databases_half_way_through_a_batch_writes_nothing(
    app: Ledger, committer: GroupCommitter, pg_url: str,
) -> None:
    def broken(curs: Any) -> None:
        raise ValueError("a command's own write failed before reaching the database")

    a, b = uuid.uuid4(), uuid.uuid4()
    first, second = submit_held(pg_url, committer, [
        ([stored(a, 1)], []),
        ([stored(b, 1)], [broken]),  # runs after the batch's events were sent
    ])

    for pending in (first, second):
        with pytest.raises(ValueError, match="own write failed"):
            pending.wait()
    assert app.recorder.select_events(a) == [] and app.recorder.select_events(b) == []


def test_one_client_is_written_at_once_without_waiting_for_the_window(
    pg_url: str, clock: FakeClock,
) -> None:
    ledger = postgres_ledger(pg_url, clock)
    ledger.committer.window = 5.0  # a window that would show if a lone filing waited for it
    try:
        started = time.monotonic()
        for _ in range(3):
            with ledger.committer.preparing():
                ledger.committer.submit([stored(uuid.uuid4(), 1)]).wait()
        assert time.monotonic() - started < 5.0
    finally:
        ledger.close()


def test_followers_apply_every_event_of_shared_transactions_exactly_once(
    app: Ledger, pg_url: str,
) -> None:
    log = log_table_of(app)
    bodies = register_bodies(app, 3)
    errors: list[BaseException] = []

    def file(start: int) -> None:
        try:
            for n in range(start, start + 15):
                app.file_record(filing(n, subject_code=bodies[n % 3], region_code="350103"),
                                DEPT)
        except Exception as error:  # reported below
            errors.append(error)

    with following(pg_url, log, (AppliedPositions(), *all_views()), page_size=5):
        write_at_once(pg_url, [partial(file, 100 * k) for k in range(1, 7)], rollbacks=5)
    assert errors == []

    positions = log_positions(pg_url, log)
    assert applied(pg_url) == positions
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log)
    written = transactions_of(pg_url, FILED)
    assert sum(written.values()) == 90
