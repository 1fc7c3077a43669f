"""The auditor's replay: one record with a 1,000-event timeline, read as of an instant.

Files one record, corrects it 999 times (saved 100 events a transaction; a snapshot is taken
at every ``SNAPSHOT_INTERVAL``-th version), then times, p50 and p99 over ``--rounds`` reads each,
in the same run:

1. the stored events alone (``recorder.select_events``), the floor any full replay pays, and
   ``Ledger.timeline`` (select and decode the events);
2. ``Ledger.record_as_of`` without snapshots (a ledger on the same database with
   ``IS_SNAPSHOTTING_ENABLED=n``: decode and apply every event), goal p50 <= 30 ms;
3. ``Ledger.record_as_of`` with snapshots, as of the last event (a snapshot of that version),
   as of the event half an interval before it, and as of the event just before it (the most
   events a replay applies after a snapshot), goal p50 <= 2 ms.

    .venv/bin/python -m benchmarks.record_replay --events 1000

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from benchmarks.common import (
    BENCH_MASTER_KEY,
    DEPT,
    Server,
    filing_fields,
    fixed_clock,
    ledger_on,
    register_bodies,
)
from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.personal import Vault
from ledger.snapshots import SNAPSHOT_INTERVAL
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import eventsourcing_env


def timed(rounds: int, read: Callable[[], Any]) -> tuple[float, float]:
    """p50 and p99 of ``read`` in milliseconds (after one read to warm up)."""
    read()
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        read()
        found.append((time.perf_counter() - started) * 1000)
    found.sort()
    return statistics.median(found), found[min(len(found) - 1, int(len(found) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    url = Server().database()
    app = ledger_on(url)
    bodies = register_bodies(app, 1)
    rid = app.file_record(c.FileRecord.model_validate(filing_fields(0, bodies)), DEPT).record_id
    record = app.record(rid)
    schedule = app._schedule(record.rule_set_id)
    at = app.clock()
    instants = {record.version: at}
    while record.version < args.events:
        at += timedelta(minutes=1)
        changes = ev.ContentChanges(facts=f"更正后的事实，第{record.version}次。")
        record.correct(DEPT, at, schedule, changes, "核实后更正")
        instants[record.version] = at
        if record.version % 100 == 0 or record.version == args.events:
            app.save(record)
    last = record.version
    size = sum(len(e.state) for e in app.recorder.select_events(rid))
    assert app.snapshots is not None
    taken = [s.originator_version for s in app.snapshots.get(rid)]
    print(f"one record, {last} events ({size // last} bytes each on average), snapshots at "
          f"{len(taken)} versions (every {SNAPSHOT_INTERVAL}th), {args.rounds} reads each:")
    plain = Ledger({**eventsourcing_env(url), "IS_SNAPSHOTTING_ENABLED": "n"},
                   clock=fixed_clock, vault=Vault(BENCH_MASTER_KEY, PostgresKeyStore(url)))
    half, before = last - SNAPSHOT_INTERVAL // 2, last - 1
    for name, read in [
        ("recorder.select_events (stored rows)", lambda: app.recorder.select_events(rid)),
        ("Ledger.timeline (rows decoded)", lambda: app.timeline(rid)),
        ("record_as_of, no snapshots", lambda: plain.record_as_of(rid, at)),
        (f"record_as_of, snapshots, as of v{last}", lambda: app.record_as_of(rid, at)),
        (f"record_as_of, snapshots, as of v{half}",
         lambda: app.record_as_of(rid, instants[half])),
        (f"record_as_of, snapshots, as of v{before}",
         lambda: app.record_as_of(rid, instants[before])),
    ]:
        p50, p99 = timed(args.rounds, read)
        print(f"  {name:<44}: p50 {p50:6.1f} ms, p99 {p99:6.1f} ms")
    assert vars(plain.record_as_of(rid, at)) == vars(app.record_as_of(rid, at))
    print("  goal: the auditor's replay p50 <= 30 ms without snapshots (<= 2 ms with)")
    plain.close()
    app.close()


if __name__ == "__main__":
    main()
