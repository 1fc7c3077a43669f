"""The auditor's replay: one record with a 1,000-event timeline, read as of an instant.

Files one record, corrects it 999 times (saved 100 events a transaction), then times, p50 and
p99 over ``--rounds`` reads each:

1. ``Ledger.timeline`` (select and decode the events) and ``Ledger.record_as_of`` at the last
   event (the auditor's replay: decode and apply every event), goal p50 <= 30 ms;
2. the stored events alone (``recorder.select_events``), the floor any replay pays.

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

from benchmarks.common import DEPT, Server, filing_fields, ledger_on, register_bodies
from ledger import commands as c
from ledger import record_events as ev


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
    app = ledger_on(Server().database())
    bodies = register_bodies(app, 1)
    rid = app.file_record(c.FileRecord.model_validate(filing_fields(0, bodies)), DEPT).record_id
    record = app.record(rid)
    schedule = app._schedule(record.rule_set_id)
    at = app.clock()
    while record.version < args.events:
        at += timedelta(minutes=1)
        changes = ev.ContentChanges(facts=f"更正后的事实，第{record.version}次。")
        record.correct(DEPT, at, schedule, changes, "核实后更正")
        if record.version % 100 == 0 or record.version == args.events:
            app.save(record)
    size = sum(len(e.state) for e in app.recorder.select_events(rid))
    print(f"one record, {record.version} events ({size // record.version} bytes each on "
          f"average), {args.rounds} reads each:")
    for name, read in [
        ("recorder.select_events (stored rows)", lambda: app.recorder.select_events(rid)),
        ("Ledger.timeline (rows decoded)", lambda: app.timeline(rid)),
        ("Ledger.record_as_of (the auditor's replay)", lambda: app.record_as_of(rid, at)),
    ]:
        p50, p99 = timed(args.rounds, read)
        print(f"  {name:<44}: p50 {p50:6.1f} ms, p99 {p99:6.1f} ms")
    print("  goal: the auditor's replay p50 <= 30 ms without snapshots (<= 2 ms with)")
    app.close()


if __name__ == "__main__":
    main()
