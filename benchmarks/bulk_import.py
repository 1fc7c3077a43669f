"""Bulk import throughput against eventsourcing's batched saves, and memory on a long file.

Measures, in one run on one embedded PostgreSQL:
1. importing a generated JSON Lines file of N filings (``benchmarks.bulk_file``: bodies and civil
   servants registered first across Fujian's regions) the way ``credit-ledger import`` does:
   ``read_rows`` into ``import_records``, every row's result written to a report CSV as it comes;
2. saving exactly what that import appended (same events, same bytes, the same grouping per
   save, read back from the log by transaction id) on fresh databases of the same server:
   the stored events with the recorder alone (``insert_events``, the goal's baseline), and the
   decoded domain events with the library's ``Application.save`` (which encodes them too);
3. the ratios of the rates in events/s (goal >= 0.8 against the recorder);
4. the process's resident memory at 10k, 100k, 500k and 1M rows and at the end: now, and the
   peak since the import began; flat figures mean the import streams;
5. importing the same file again (every row "unchanged", nothing appended).

The machine may be shared, so the baseline does not run after the import but in step with it:
after every ``--slice`` rows the import pauses (its clock too) while the baseline saves the
groups that slice appended; both sides meet the same load.

    .venv/bin/python -m benchmarks.bulk_import --rows 20000
    .venv/bin/python -m benchmarks.bulk_import --rows 1000000
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import sql

from benchmarks.bulk_file import build_world, write_jsonl
from benchmarks.common import ADMIN, Server, ledger_on
from ledger.application import Ledger
from ledger.bulk.records import import_records, read_rows
from ledger.events import Actor, Role
from ledger.store.persistence import OrjsonTranscoder, PydanticMapper
from ledger.store.storage import eventsourcing_env

CHECKPOINTS = (10_000, 100_000, 500_000, 1_000_000)
REPORT_HEADER = ["line", "status", "record_id", "field", "reason"]


def memory_kib() -> tuple[int, int]:
    """This process's resident set now and its peak, in KiB (Linux)."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


def reset_peak() -> None:
    """Start the peak-RSS count afresh, so it covers the import only (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


class PlainApplication(Application[UUID]):
    """The library's own save path on the ledger's table and mapper: no group committer, so
    no version check (the events of subjects registered on the import's database start at
    their stored versions here)."""

    name = "ledger"

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(transcoder=OrjsonTranscoder())


@dataclass
class Baseline:
    """The same saves again on fresh databases, slice by slice, timing the saves alone."""

    source_url: str
    table: str
    after: int
    raw: Ledger
    app: Application[UUID]
    recorder_seconds: float = 0.0
    application_seconds: float = 0.0
    saves: int = 0
    events: int = 0
    size: int = 0

    def catch_up(self) -> None:
        """Save every group the import committed since the last call."""
        for group in self._groups():
            started = time.perf_counter()
            self.raw.recorder.insert_events(group)
            self.recorder_seconds += time.perf_counter() - started
            events = [self.app.mapper.to_domain_event(stored) for stored in group]
            started = time.perf_counter()
            self.app.save(*events)
            self.application_seconds += time.perf_counter() - started
            self.saves += 1
            self.events += len(group)
            self.size += sum(len(e.state) for e in group)

    def _groups(self) -> Iterator[list[StoredEvent]]:
        """Stored events after ``after``, grouped by the transaction (``xmin``) that saved them."""
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, "
            "xmin::text FROM {} WHERE notification_id > %s ORDER BY notification_id"
        ).format(sql.Identifier(self.table))
        with psycopg.connect(self.source_url) as conn, conn.cursor(name="groups") as cursor:
            cursor.itersize = 5000
            cursor.execute(query, (self.after,))
            group: list[StoredEvent] = []
            last = None
            for notification_id, originator_id, version, topic, state, txn in cursor:
                if txn != last and group:
                    yield group
                    group = []
                last, self.after = txn, notification_id
                group.append(StoredEvent(originator_id=originator_id,
                                         originator_version=version, topic=topic,
                                         state=bytes(state)))
            if group:
                yield group

    def close(self) -> None:
        self.raw.close()
        self.app.close()


@dataclass
class Progress:
    """Rows done; the time and memory at each checkpoint; pauses between slices."""

    rows: int
    slice_rows: int
    between_slices: Callable[[], None] = lambda: None
    started: float = field(default_factory=time.perf_counter)
    paused: float = 0.0
    done: int = 0
    marks: list[tuple[int, float, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pending = [n for n in CHECKPOINTS if n < self.rows] + [self.rows]
        self.next_slice = self.slice_rows

    def elapsed(self) -> float:
        return time.perf_counter() - self.started - self.paused

    def update(self, rows: int) -> None:
        self.done += rows
        while self.pending and self.done >= self.pending[0]:
            self.pending.pop(0)
            now, peak = memory_kib()
            self.marks.append((self.done, self.elapsed(), now, peak))
            print(f"  ... {self.done:>9,} rows  {self.elapsed():8.1f} s  "
                  f"rss {now / 1024:6.0f} MiB  peak {peak / 1024:6.0f} MiB",
                  file=sys.stderr, flush=True)
        if self.done >= self.next_slice or self.done >= self.rows:
            self.next_slice += self.slice_rows
            paused = time.perf_counter()
            self.between_slices()
            self.paused += time.perf_counter() - paused


def run_import(app: Ledger, path: Path, report: Path, progress: Progress) -> Counter[str]:
    """What ``credit-ledger import FILE --report REPORT`` does, with checkpoints: each source
    department imports its own rows, as its own account."""
    counts: Counter[str] = Counter()
    by_source: dict[str, list[Any]] = {}
    for row in read_rows(path):
        by_source.setdefault(str(row[1].get("source.code") or row[1].get("source", {}).get(
            "code")), []).append(row)
    with report.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_HEADER)
        for code, rows in by_source.items():
            clerk = Actor(id=f"clerk-{code}", role=Role.SOURCE_DEPARTMENT, subject=code)
            for result in import_records(app, rows, clerk, on_progress=progress.update):
                counts[result.status] += 1
                writer.writerow([result.line, result.status, result.record_id or "",
                                 result.field or "", result.reason or ""])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--bodies", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--slice", type=int, default=5_000,
                        help="rows imported between two baseline catch-ups")
    parser.add_argument("--no-reimport", action="store_true",
                        help="skip importing the file a second time")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the import here")
    args = parser.parse_args()
    server = Server()
    folder = Path(tempfile.mkdtemp(prefix="clbulk", dir="/tmp"))
    try:
        measure(args, server, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        drop_databases(server.admin_url)


def drop_databases(admin_url: str) -> None:
    """A million rows fill gigabytes three times over; give the space back."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'bench%'")]
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def measure(args: argparse.Namespace, server: Server, folder: Path) -> None:
    world = build_world(args.bodies, args.people)
    url = server.database()
    app = ledger_on(url)
    started = time.perf_counter()
    for body in world.bodies:
        app.register_body(body.command, ADMIN)
    for person in world.people:
        app.register_civil_servant(person.command, ADMIN)
    registered = time.perf_counter() - started
    path = folder / "records.jsonl"
    started = time.perf_counter()
    size = write_jsonl(path, world, args.rows)
    written = time.perf_counter() - started
    regions = len({body.command.region_code for body in world.bodies})
    print(f"world: {len(world.bodies):,} bodies in {regions} regions, {len(world.people):,} "
          f"civil servants (registered in {registered:.1f} s)")
    print(f"file : {args.rows:,} rows, {size / 2**20:.1f} MiB of JSON Lines "
          f"(written in {written:.1f} s)", flush=True)

    start_id = app.recorder.max_notification_id() or 0
    table = str(getattr(app.recorder, "events_table_name", "ledger_events"))
    baseline = Baseline(url, table, start_id, ledger_on(server.database()),
                        PlainApplication(eventsourcing_env(server.database())))
    profiler = cProfile.Profile() if args.profile else None
    reset_peak()
    progress = Progress(args.rows, args.slice, baseline.catch_up)
    if profiler:
        profiler.enable()
    counts = run_import(app, path, folder / "report.csv", progress)
    seconds = progress.elapsed()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    baseline.close()
    events = (app.recorder.max_notification_id() or 0) - start_id
    if counts["filed"] != args.rows or baseline.events != events:
        raise SystemExit(f"expected every row filed and saved again, got {dict(counts)}, "
                         f"{baseline.events} of {events} events")

    again = None
    if not args.no_reimport:
        print("importing the same file again", file=sys.stderr)
        again = Progress(args.rows, args.rows)
        recounts = run_import(app, path, folder / "report-again.csv", again)
        if recounts["unchanged"] != args.rows or (
            app.recorder.max_notification_id() != start_id + events
        ):
            raise SystemExit(f"a second import changed the log: {dict(recounts)}")
    app.close()
    report(args.rows, events, seconds, baseline, progress, again)


def report(rows: int, events: int, seconds: float, baseline: Baseline, progress: Progress,
           again: Progress | None) -> None:
    rate = events / seconds
    raw_rate = events / baseline.recorder_seconds
    app_rate = events / baseline.application_seconds
    saves, size = baseline.saves, baseline.size
    print(f"rows: {rows:,}, events: {events:,} ({events / rows:.2f} per row, "
          f"{size // events} bytes each on average), saves: {saves:,} "
          f"({events / saves:.0f} events, {size / saves / 1024:.0f} KiB each on average)")
    print(f"bulk import             : {rate:8.0f} events/s  ({rows / seconds:6.0f} rows/s, "
          f"{seconds:.1f} s)")
    print(f"recorder.insert_events  : {raw_rate:8.0f} events/s  "
          f"({baseline.recorder_seconds:.1f} s, the same stored events)")
    print(f"Application.save        : {app_rate:8.0f} events/s  "
          f"({baseline.application_seconds:.1f} s, the same domain events, encoded and saved)")
    print(f"ratio to insert_events  : {rate / raw_rate:8.2f}  (goal >= 0.8)")
    print(f"ratio to Application.save: {rate / app_rate:7.2f}")
    if again is not None:
        print(f"import again            : {rows / again.elapsed():8.0f} rows/s    "
              f"({again.elapsed():.1f} s, every row unchanged, nothing appended)")
    print("memory during the first import (resident now / peak since the import began):")
    for done, at, now, peak in progress.marks:
        print(f"  {done:>9,} rows  {at:8.1f} s  {now / 1024:6.0f} MiB / {peak / 1024:6.0f} MiB")


if __name__ == "__main__":
    main()
