"""Filing throughput of the ledger application against raw eventsourcing saves.

Measures, in one run on one embedded PostgreSQL:
1. filing N records one per transaction through ``Ledger.file_record`` (validation, rules,
   calendar, subject listing, idempotency check) against inserting exactly the same stored
   events (same count, same bytes, same grouping per transaction) with the recorder alone;
2. the ratio of the two rates (goal >= 0.8).

    .venv/bin/python -m benchmarks.ledger_filing --records 2000
"""

from __future__ import annotations

import argparse
import time

from eventsourcing.persistence import StoredEvent

from benchmarks.common import DEPT, Server, filing_fields, ledger_on, register_bodies
from ledger import commands as c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--bodies", type=int, default=50)
    args = parser.parse_args()
    server = Server()

    app = ledger_on(server.database())
    bodies = register_bodies(app, args.bodies)
    commands = [c.FileRecord.model_validate(filing_fields(n, bodies)) for n in range(args.records)]
    start_id = app.recorder.max_notification_id() or 0
    started = time.perf_counter()
    for cmd in commands:
        app.file_record(cmd, DEPT)
    ledger_seconds = time.perf_counter() - started

    rows = app.recorder.select_notifications(start=start_id + 1, limit=10**9)
    by_txn: list[list[StoredEvent]] = []
    for row in rows:
        event = StoredEvent(originator_id=row.originator_id,
                            originator_version=row.originator_version,
                            topic=row.topic, state=row.state)
        if row.topic.endswith(":RecordFiled"):
            by_txn.append([])
        by_txn[-1].append(event)
    events = sum(len(t) for t in by_txn)

    raw = ledger_on(server.database())
    started = time.perf_counter()
    for group in by_txn:
        raw.recorder.insert_events(group)
    raw_seconds = time.perf_counter() - started

    ledger_rate, raw_rate = args.records / ledger_seconds, len(by_txn) / raw_seconds
    print(f"records: {args.records}, events: {events} "
          f"({events / args.records:.1f} per filing, "
          f"{sum(len(e.state) for t in by_txn for e in t) // events} bytes each on average)")
    print(f"ledger.file_record : {ledger_rate:8.0f} filings/s  ({ledger_seconds:.2f} s)")
    print(f"raw recorder saves : {raw_rate:8.0f} txns/s     ({raw_seconds:.2f} s)")
    print(f"ratio              : {ledger_rate / raw_rate:.2f}  (goal >= 0.8)")
    app.close()
    raw.close()


if __name__ == "__main__":
    main()
