"""An auditor reading a long record gets the same record from a snapshot as from a full replay.

Records are snapshotted every second version here (``LEDGER_SNAPSHOT_INTERVAL=2``), so nearly
every read below starts from a snapshot. For random command sequences (the mix the views'
property test runs), every record read now, at every version and as of every instant of its
timeline equals the record replayed from its first event; on the in-memory store and on
PostgreSQL. Snapshots stay out of the log: no notification id, no row in the events table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
from hypothesis import HealthCheck, given, settings

from ledger import commands as c
from ledger.application import Ledger
from ledger.events import DomainEvent
from ledger.personal import MemoryKeyStore, Vault
from ledger.record import CreditRecord
from ledger.snapshots import Snapshot
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import eventsourcing_env
from tests.support.command_mix import (
    STEPS,
    World,
    commands,
    drop_database,
    fresh_database,
)
from tests.support.world import DEPT, FakeClock, filing, register_world

EVERY_SECOND_VERSION = {"LEDGER_SNAPSHOT_INTERVAL": "2"}


class NoViews:
    """The property mix's world follows views after each command; these tests need none."""

    def catch_up(self) -> None:
        pass


def memory_ledger(clock: FakeClock) -> Ledger:
    return Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo", **EVERY_SECOND_VERSION},
                  clock=clock, vault=Vault(b"k" * 32, MemoryKeyStore()))


def postgres_ledger(url: str, clock: FakeClock) -> Ledger:
    return Ledger({**eventsourcing_env(url), **EVERY_SECOND_VERSION}, clock=clock,
                  vault=Vault(b"k" * 32, PostgresKeyStore(url)))


def state(record: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(record).items() if name != "_pending"}


def replayed(events: list[DomainEvent]) -> dict[str, Any]:
    record = CreditRecord.replay(events)
    assert record is not None
    return state(record)


def a_long_record(app: Ledger, clock: FakeClock) -> UUID:
    """A record filed and corrected five times, an hour apart: snapshots at 2, 4 … versions."""
    rid = app.file_record(filing(900), DEPT).record_id
    for n in range(5):
        clock.advance(hours=1)
        app.correct_record(c.CorrectRecord(record_id=rid, changes={"facts": f"第{n}次更正"},
                                           reasons="核实后更正"), DEPT)
    return rid


def play(app: Ledger, clock: FakeClock, steps: list[tuple[str, int]]) -> World:
    register_world(app)
    world = World(app, clock, NoViews())  # type: ignore[arg-type]
    world.records.append(a_long_record(app, clock))
    world.file(1)
    for name, k in steps:
        STEPS[name](world, k)
    return world


def assert_snapshots_give_the_replayed_records(app: Ledger, records: list[UUID]) -> None:
    assert app.snapshots is not None
    assert list(app.snapshots.get(records[0])), "the long record has snapshots"
    for rid in records:
        events = [e for e in app.events.get(rid) if isinstance(e, DomainEvent)]
        assert state(app.record(rid)) == replayed(events)
        for version in range(1, len(events) + 1):
            assert state(app.record(rid, version)) == replayed(events[:version])
        for instant in sorted({e.timestamp for e in events}):
            assert state(app.record_as_of(rid, instant)) == replayed(
                [e for e in events if e.timestamp <= instant])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=commands)
def test_an_auditor_reads_the_same_records_from_snapshots_as_from_the_log_in_memory(
    steps: list[tuple[str, int]],
) -> None:
    clock = FakeClock()
    app = memory_ledger(clock)
    world = play(app, clock, steps)
    assert_snapshots_give_the_replayed_records(app, world.records)
    app.close()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=commands)
def test_an_auditor_reads_the_same_records_from_snapshots_as_from_the_log_on_postgres(
    pg_admin_url: str, steps: list[tuple[str, int]],
) -> None:
    url, clock = fresh_database(pg_admin_url), FakeClock()
    app = postgres_ledger(url, clock)
    try:
        world = play(app, clock, steps)
        assert_snapshots_give_the_replayed_records(app, world.records)
    finally:
        app.close()
        drop_database(pg_admin_url, url)


def log_position(url: str) -> tuple[Any, ...]:
    """The events table's rows, last position and sequence, and the snapshots' versions."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), max(notification_id), (SELECT last_value FROM ledger_events_"
            "notification_id_seq), count(*) FILTER (WHERE topic LIKE 'ledger.snapshots:%'), "
            "(SELECT array_agg(originator_version ORDER BY originator_version) "
            "FROM ledger_snapshots) FROM ledger_events").fetchone()
    assert row is not None
    return tuple(row)


def test_snapshots_stay_out_of_the_log_and_take_no_position(pg_url: str) -> None:
    clock = FakeClock()
    app = postgres_ledger(pg_url, clock)
    register_world(app)
    rid = a_long_record(app, clock)
    count, last, sequence, in_log, versions = log_position(pg_url)
    assert in_log == 0 and versions and all(v % 2 == 0 for v in versions)

    app.take_snapshot(rid, version=3)  # an auditor's extra snapshot, between two taken
    assert log_position(pg_url) == (count, last, sequence, 0, sorted([*versions, 3]))
    assert app.recorder.max_notification_id() == last
    app.close()


def test_a_snapshot_of_an_older_record_shape_is_passed_over(ledger: Ledger,
                                                             clock: FakeClock) -> None:
    """A snapshot written before a field of the record changed is ignored, not misread."""
    register_world(ledger)
    rid = ledger.file_record(filing(1), DEPT).record_id
    assert ledger.snapshots is not None
    stale = Snapshot.take(ledger.record(rid)).model_copy(update={"shape": "an older shape",
                                                                  "state": {}})
    ledger.snapshots.put([stale])
    clock.advance(hours=1)
    ledger.correct_record(c.CorrectRecord(record_id=rid, changes={"facts": "更正"},
                                          reasons="核实后更正"), DEPT)
    events = [e for e in ledger.events.get(rid) if isinstance(e, DomainEvent)]
    assert state(ledger.record(rid)) == replayed(events)
    as_of = clock() - timedelta(minutes=30)
    assert state(ledger.record_as_of(rid, as_of)) == replayed(
        [e for e in events if e.timestamp <= as_of])
