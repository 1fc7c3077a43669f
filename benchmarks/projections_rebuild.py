"""Benchmark of the projections: rebuild speed against raw decoding, and follow latency.

    .venv/bin/python benchmarks/projections_rebuild.py [--records N] [--rate R] [--seconds S]

In one run, on a fresh database (``LEDGER_DATABASE_URL``'s server, or an embedded one):

1. writes a log of about ``7 × records`` events (filings with their deadlines, objections,
   withdrawals, sanctions), built in memory and saved in chunks;
2. reads and decodes the whole log as the followers do, without applying it (the ceiling);
3. rebuilds every view from it, sampling the process's memory as it goes, in one process and
   with the views split over ``--processes`` processes;
4. runs the follower of every view, each in a process of its own, issues commands at a steady
   ``rate`` for ``seconds``, and measures for each command the time from its commit to the
   moment every view shows it.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import multiprocessing
import os
import queue
import statistics
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg import sql

from ledger import commands as c
from ledger.application import Ledger
from ledger.calendar import WorkingCalendar
from ledger.events import Actor, DomainEvent, Role
from ledger.identifiers import uscc_check_char
from ledger.personal import MemoryKeyStore, Vault
from ledger.record import CreditRecord, RecordContent, SanctionOrder, Schedule
from ledger.rules import RuleBook
from ledger.store.storage import create_database, eventsourcing_env, scratch_postgres
from ledger.subjects import GovernmentBody
from ledger.values import (
    Category,
    Domain,
    ObjectionOutcome,
    Organisation,
    SanctionKind,
    Scope,
    Severity,
    SubjectType,
)
from projections.follower import Follower
from projections.log import LogTable, decode, log_table_of, read_page
from projections.rebuild import rebuild
from projections.registry import VIEWS, view_class
from projections.view import View

NOW = datetime(2026, 5, 6, 1, 30, tzinfo=UTC)
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR)
REVIEWER = Actor(id="reviewer", role=Role.PLATFORM_REVIEWER)
SOURCE = Organisation(name="福建省纪委监委", code="11350000MB01234008")
DEPT = Actor(id="dept", role=Role.SOURCE_DEPARTMENT, subject=SOURCE.code)
COUNTIES = ("350102", "350103", "350104", "350203", "350302", "350404", "350503", "350128")
# docs/architecture.md: keep a save well under 200 KiB, or psycopg's pipeline can hang.
MAX_EVENTS_PER_SAVE = 150


def uscc(first16: str) -> str:
    body = (first16 + "0" * 17)[:17]
    return body + uscc_check_char(body)


class LogWriter:
    """Makes realistic record histories in memory and saves them to the ledger in chunks."""

    def __init__(self, ledger: Ledger, bodies: int) -> None:
        self.ledger = ledger
        self.schedule = Schedule(rules=RuleBook().in_force(NOW.date()),
                                 calendar=WorkingCalendar())
        self.bodies: list[GovernmentBody] = []
        for n in range(bodies):
            code = uscc(f"1135{n:06d}MB0")
            region = COUNTIES[n % len(COUNTIES)]
            ledger.register_body(c.RegisterBody(credit_code=code, name=f"机关{n}",
                                                region_code=region), ADMIN)
            self.bodies.append(ledger.body(code))
        self.filed = 0

    def history(self) -> list[DomainEvent]:
        """One record's events: filing, and for some an objection, withdrawal or sanction."""
        n = self.filed = self.filed + 1
        body = self.bodies[n % len(self.bodies)]
        content = RecordContent(
            subject_type=SubjectType.BODY, subject_id=body.id, subject_code=body.credit_code,
            subject_name=body.name, source=SOURCE, document_number=f"闽纪〔2026〕{n}号",
            decision_date=date(2026, 4, 20), deciding_authority=SOURCE,
            category=list(Category)[n % 6], domain=list(Domain)[n % 7],
            severity=(Severity.GENERAL, Severity.SERIOUS)[n % 2], matter=None,
            facts="未按合同约定支付中标企业货款。",
            legal_basis="《保障中小企业款项支付条例》第八条",
            decision_content="责令限期支付并予以通报。", fine_yuan=None, confiscation_yuan=None,
            region_code=body.region_code, scope=Scope.PUBLIC, responsible_persons=(),
        )
        record = CreditRecord.file(
            content=content, content_digest=str(n), actor=DEPT, at=NOW, schedule=self.schedule,
            record_id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{n}-{uuid.uuid4()}"),
            request_explanation=True, rectification="整改" if n % 2 else None,
            rectification_due=None,
            sanctions=[SanctionOrder(kind=SanctionKind.PUBLIC_CRITICISM, months=6)]
            if n % 10 == 0 else [],
        )
        official = Actor(id="official", role=Role.SUBJECT_OFFICIAL, subject=body.credit_code)
        if n % 3 == 0:
            k = record.file_objection(official, NOW, self.schedule, "异议")
            record.mark_objection(REVIEWER, NOW, self.schedule, k)
            record.accept_objection(REVIEWER, NOW, self.schedule, k)
            record.forward_objection(REVIEWER, NOW, self.schedule, k, SOURCE)
            record.decide_objection(DEPT, NOW, self.schedule, k, ObjectionOutcome.UPHELD,
                                    "维持", {})
        elif n % 5 == 0:
            record.withdraw(DEPT, NOW, "撤销")
        body.trigger(GovernmentBody.RecordListed, DEPT, NOW, record_id=record.id)
        return record.collect_events()

    def write(self, events: int) -> int:
        """Save histories until the log holds about ``events`` more; return how many."""
        written, chunk = 0, []
        while written < events:
            chunk.extend(self.history())
            if len(chunk) >= MAX_EVENTS_PER_SAVE - 15:
                written += self.save(chunk)
                chunk = []
        return written + self.save(chunk)

    def save(self, events: list[DomainEvent]) -> int:
        listed = [e for b in self.bodies for e in b.collect_events()]
        self.ledger.save(*events, *listed)
        return len(events) + len(listed)


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def raw_decode_rate(url: str, ledger: Ledger, page_size: int) -> tuple[int, float]:
    log, position, count = log_table_of(ledger), 0, 0
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        while rows := read_page(cursor, log, position, page_size):
            for row in rows:
                decode(row)
            count, position = count + len(rows), rows[-1].position
    return count, count / (time.perf_counter() - started)


def measure_rebuild(url: str, ledger: Ledger, views: list[type[View]], page_size: int,
                    processes: int = 1) -> tuple[float, list[float]]:
    """Rebuild rate in events/s, and the process's memory after each page (with processes,
    the parent's, as the slowest group moves on)."""
    samples: list[float] = []
    result = rebuild(url, views, log_table_of(ledger), page_size=page_size,
                     progress=lambda _count: samples.append(rss_mib()), processes=processes)
    return result.rate, samples


def follow(url: str, log: LogTable, name: str, seen: Any, stop: Any) -> None:
    """One view's follower, in a process of its own as in production; reports each commit."""
    def on_commit(_before: int, after: int) -> None:
        seen.put((name, after, time.time()))

    Follower(url, view_class(name)(), log, poll_interval=1.0, on_commit=on_commit).run(stop)


def measure_latency(url: str, ledger: Ledger, writer: LogWriter, rate: float, seconds: float) -> (
    list[float]
):
    """Commit-to-visible-in-every-view times, in milliseconds, at a steady command rate."""
    context = multiprocessing.get_context("spawn")
    seen, stop = context.Queue(), context.Event()
    log = log_table_of(ledger)
    followers = [context.Process(target=follow, args=(url, log, cls.name, seen, stop))
                 for cls in VIEWS]
    for process in followers:
        process.start()
    time.sleep(5.0)  # let every follower start and catch up with the log written so far
    commits: list[tuple[int, float]] = []
    next_at = time.perf_counter()
    for _ in range(int(rate * seconds)):
        next_at += 1 / rate
        time.sleep(max(0.0, next_at - time.perf_counter()))
        recordings = ledger.save(*writer.history(), *[
            e for b in writer.bodies for e in b.collect_events()])
        commits.append((max(r.notification.id for r in recordings), time.time()))
    time.sleep(2.0)
    stop.set()
    marks: dict[str, list[tuple[int, float]]] = {cls.name: [] for cls in VIEWS}
    while not seen.empty() or any(p.is_alive() for p in followers):
        with contextlib.suppress(queue.Empty):
            name, after, at = seen.get(timeout=0.2)
            marks[name].append((after, at))
    for process in followers:
        process.join()
    latencies = []
    for position, committed in commits:
        visible = []
        for found in marks.values():
            found.sort()
            i = bisect.bisect_left(found, (position, 0.0))
            visible.append(found[i][1] if i < len(found) else float("inf"))
        latencies.append((max(visible) - committed) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events in the log")
    parser.add_argument("--bodies", type=int, default=200)
    parser.add_argument("--page-size", type=int, default=2000, help="rebuild page size")
    parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="latency run length")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="also rebuild with the views split over this many processes")
    parser.add_argument("--per-view", action=argparse.BooleanOptionalAction, default=True,
                        help="also rebuild each view on its own")
    args = parser.parse_args()

    admin = os.environ.get("LEDGER_DATABASE_URL") or scratch_postgres("bpj")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    url = create_database(admin, name)
    ledger = Ledger(eventsourcing_env(url, pool_size=2), clock=lambda: NOW,
                    vault=Vault(b"k" * 32, MemoryKeyStore()))
    writer = LogWriter(ledger, args.bodies)

    started = time.perf_counter()
    written = writer.write(args.events)
    print(f"log: {written:,} events written in {time.perf_counter() - started:.1f} s")

    # A shared machine makes every figure below slower; the load shows how shared it was.
    load_before = os.getloadavg()[0]
    count, decode_rate = raw_decode_rate(url, ledger, args.page_size)
    print(f"raw read + decode: {count:,} events at {decode_rate:,.0f} events/s")
    rss_before = rss_mib()
    rebuild_rate, samples = measure_rebuild(url, ledger, list(VIEWS), args.page_size)
    quarters = [samples[min(len(samples) - 1, len(samples) * q // 4)] for q in (1, 2, 3, 4)]
    print(f"rebuild of all {len(VIEWS)} views in one pass: {rebuild_rate:,.0f} events/s "
          f"(ratio to raw decoding {rebuild_rate / decode_rate:.2f}, goal ≥ 0.3)")
    print("memory (RSS MiB) before, at 25/50/75/100 % of the rebuild: "
          + ", ".join(f"{m:.0f}" for m in [rss_before, *quarters]))
    print(f"load average before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs")
    if args.processes > 1:
        split_rate, _ = measure_rebuild(url, ledger, list(VIEWS), args.page_size,
                                        args.processes)
        print(f"rebuild of all {len(VIEWS)} views split over {args.processes} processes: "
              f"{split_rate:,.0f} events/s (ratio to raw decoding "
              f"{split_rate / decode_rate:.2f}, goal ≥ 0.3)")
    if args.per_view:
        for cls in VIEWS:
            rate, _ = measure_rebuild(url, ledger, [cls], args.page_size)
            print(f"  rebuild of {cls.name}: {rate:,.0f} events/s "
                  f"(ratio {rate / decode_rate:.2f})")

    latencies = measure_latency(url, ledger, writer, args.rate, args.seconds)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"commit-to-visible in all {len(VIEWS)} views at {args.rate:.0f} commands/s over "
          f"{len(latencies)} commands: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms, "
          f"max {max(latencies):.1f} ms (goal p99 ≤ 50 ms)")
    ledger.close()
    with psycopg.connect(admin, autocommit=True) as conn:  # a 1M-event log takes gigabytes
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
