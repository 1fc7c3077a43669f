"""Load test: drive the HTTP API with a realistic mix for a fixed time, on loopback only.

Starts its own embedded PostgreSQL, the followers and the HTTP server (a separate process), then
runs N client threads for D seconds: filings, explanations, objections, repairs and public
reads. Reports throughput, p50/p99 latency per kind, errors (goal 0) and follower lag.

    .venv/bin/python -m benchmarks.load_test --seconds 60 --clients 8

Every request goes to 127.0.0.1; the loop stops by itself after ``--seconds``.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from functools import partial
from pathlib import Path

import httpx
import psycopg

from api.auth import Account, PostgresTokenStore
from benchmarks.common import (
    CLI,
    SOURCE,
    Server,
    filing_fields,
    ledger_on,
    register_bodies,
    run_clients,
    start_api,
)
from ledger.events import Role

HOME = tempfile.mkdtemp(prefix="clload")
atexit.register(shutil.rmtree, HOME, ignore_errors=True)
SERVER_LOG = Path(HOME) / "api.log"
MIX = [("file", 30), ("public_search", 40), ("public_record", 10), ("explain", 8),
       ("object", 7), ("repair", 5)]


def start_followers(url: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, LEDGER_DATABASE_URL=url, LEDGER_HOME=HOME)
    return subprocess.Popen([CLI, "projections", "run",
                             "--poll", "0.2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


class Run:
    def __init__(self, base: str, tokens: dict[str, str], bodies: list[str], seconds: float):
        self.base, self.tokens, self.bodies = base, tokens, bodies
        self.until = time.monotonic() + seconds
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.records: list[str] = []
        self.failures: list[str] = []
        self.counter = 0
        self.lock = threading.Lock()

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def client(self, seed: int) -> None:
        rnd = random.Random(seed)
        kinds = [k for k, w in MIX for _ in range(w)]
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while time.monotonic() < self.until:
                kind = rnd.choice(kinds)
                started = time.perf_counter()
                try:
                    ok = self.request(http, kind, rnd)
                except httpx.HTTPError as error:
                    ok = False
                    self.failures.append(f"{kind}: {type(error).__name__}")
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies[kind].append(elapsed)
                    if not ok:
                        self.errors[kind] += 1

    def request(self, http: httpx.Client, kind: str, rnd: random.Random) -> bool:
        response = self._send(http, kind, rnd)
        ok = response.status_code in (200, 201) or (
            # 403/409/422 on a step: the rules refused it (another subject's record, already
            # done, too early to repair) — an answer, not an error of the system.
            kind in ("explain", "object", "repair") and response.status_code in (403, 409, 422))
        if kind == "file" and response.status_code == 201:
            with self.lock:
                self.records.append(response.json()["record_id"])
        if not ok:
            self.failures.append(f"{kind}: {response.status_code} {response.text[:120]}")
        return ok

    def _send(self, http: httpx.Client, kind: str, rnd: random.Random) -> httpx.Response:
        auth = {"Authorization": f"Bearer {self.tokens['source']}"}
        if kind == "file" or (not self.records and kind in ("explain", "object", "repair")):
            n = self.next_number()
            fields = filing_fields(100000 + n, self.bodies)
            return http.post("/api/v1/records", json=fields,
                             headers=auth | {"Idempotency-Key": f"load-{n}"})
        if kind == "public_search":
            return http.get("/api/v1/public/records", params={"q": "测试机关"})
        if kind == "public_record":
            return http.get("/", params={"page": rnd.randint(1, 5)})
        rid = rnd.choice(self.records)
        official = {"Authorization": f"Bearer {self.tokens['official']}"}
        path = {"explain": "explanation", "object": "objections", "repair": "repairs"}[kind]
        body = {"explain": {"text": "情况说明"}, "object": {"grounds": "异议"},
                "repair": {"commitment": "信用承诺"}}[kind]
        return http.post(f"/api/v1/records/{rid}/{path}", json=body, headers=official)


def lag(url: str) -> int:
    with psycopg.connect(url) as conn:
        head = conn.execute("SELECT coalesce(max(notification_id),0) FROM ledger_events")
        top = head.fetchone()[0]  # type: ignore[index]
        rows = conn.execute("SELECT position FROM views.positions").fetchall()
    return max((top - r[0] for r in rows), default=top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=18080)
    args = parser.parse_args()
    server = Server()
    url = server.database()
    ledger = ledger_on(url)
    bodies = register_bodies(ledger, 50)
    ledger.close()
    store = PostgresTokenStore(url)
    tokens = {"source": store.create(Account("load-source", Role.SOURCE_DEPARTMENT, SOURCE, "s")),
              "official": store.create(Account("load-official", Role.SUBJECT_OFFICIAL,
                                               bodies[0], "o"))}
    api = start_api(url, args.port, HOME, SERVER_LOG)
    followers = start_followers(url)
    try:
        run = Run(f"http://127.0.0.1:{args.port}", tokens, bodies, args.seconds)
        elapsed = run_clients([partial(run.client, n) for n in range(args.clients)])
        lag_at_end = lag(url)
        time.sleep(3)
        lag_after = lag(url)
    finally:
        api.terminate()
        followers.terminate()
    total = sum(len(v) for v in run.latencies.values())
    print(f"{args.clients} clients for {elapsed:.0f} s against 127.0.0.1 "
          f"(decision dates {date(2026, 4, 20)})")
    print(f"throughput: {total / elapsed:.0f} requests/s, errors: {sum(run.errors.values())}")
    for kind, values in sorted(run.latencies.items()):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"  {kind:<14} n={len(values):>6}  p50={statistics.median(values) * 1000:7.1f} ms"
              f"  p99={p99 * 1000:7.1f} ms  errors={run.errors.get(kind, 0)}")
    print(f"follower lag: {lag_at_end} events when the load stopped, {lag_after} 3 s later")
    for failure in sorted(set(run.failures))[:10]:
        print("  error:", failure)
    if run.failures:
        logged = [line for line in SERVER_LOG.read_text().splitlines()
                  if '"level":"error"' in line]
        print(f"the server logged {len(logged)} errors; the first:", *logged[:3], sep="\n  ")


if __name__ == "__main__":
    main()
