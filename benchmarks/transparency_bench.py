"""Benchmark of the public log (outside the test suite).

    python -m benchmarks.transparency_bench                 # 20k events, a few seconds
    python -m benchmarks.transparency_bench --events 200000 --step 2000

Reports, each against a baseline measured in the same run:

* the sealer: heads signed per second while the log grows by ``--step`` events a head (each
  head also rebuilds the record index and checks the pinned checkpoint);
* a witness following that log: checkpoints verified and cosigned per second, each from the
  tiles (consistency proof rebuilt from fetched tiles), against the sealer's rate;
* tile serving through the API (latest checkpoint looked up and verified, one range read)
  against the same bytes served as plain static files by the same server.

The API runs in process (ASGI, no sockets) for both the tiles and the static files, so the
ratio compares the work per request, not the network.
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from api.routes import transparency
from benchmarks.merkle_bench import database, line, log_rows, timed
from ledger.proof.pin import CheckpointPin
from ledger.proof.sealer import Sealer
from ledger.proof.tiles import read_tile, tile_path
from ledger.proof.witness import Witness
from ledger.store.follow import LogTable
from ledger.store.keys import public_key_bytes

ORIGIN = "bench.example/log"


def load(url: str, table: str, rows: list[tuple[Any, ...]]) -> None:
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor().copy(
        f"COPY {table} (notification_id, originator_id, originator_version, topic, state) "
        "FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--step", type=int, default=1_000, help="events per head")
    parser.add_argument("--tiles", type=int, default=2_000, help="tile requests per kind")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = database(args.database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_log (originator_id uuid NOT NULL, originator_version "
                     "bigint NOT NULL, topic text, state bytea, notification_id bigint UNIQUE, "
                     "PRIMARY KEY (originator_id, originator_version))")
    rows = list(log_rows(args.events))
    key = Ed25519PrivateKey.generate()
    os.environ["LEDGER_PUBLIC_KEY"] = base64.b64encode(public_key_bytes(key)).decode()
    folder = Path(tempfile.mkdtemp(prefix="tlog"))
    sealer = Sealer(url, LogTable("public", "bench_log"), key=key, origin=ORIGIN,
                    pin=CheckpointPin.for_key(public_key_bytes(key), folder / "sealer"))
    app = FastAPI()
    app.state.services = SimpleNamespace(database_url=url)  # all the tile routes read
    app.include_router(transparency.router)
    client = TestClient(app)

    def fetch(path: str) -> bytes:
        response = client.get(f"/{path}")
        response.raise_for_status()
        return response.content

    witness = Witness("bench.example/w1", Ed25519PrivateKey.generate(), ORIGIN,
                      public_key_bytes(key), folder / "witness")
    print(f"\na log growing by {args.step:,} events a head, to {args.events:,} events")
    signing = following = 0.0
    heads = 0
    for start in range(0, args.events, args.step):
        load(url, "bench_log", rows[start:start + args.step])
        sealer.seal_pending()
        seconds, _ = timed(sealer.issue_head)
        signing += seconds
        seconds, seen = timed(lambda: witness.observe(fetch("checkpoint").decode(), fetch))
        following += seconds
        assert seen.cosignature is not None
        heads += 1
    line("sealer: heads signed per second (index, pin check)", f"{heads / signing:,.1f}")
    line("witness: checkpoints verified and cosigned per s", f"{heads / following:,.1f}",
         f"{signing / following:.2f}× the sealer's rate")

    bench_tiles(url, client, folder / "static", args.tiles, args.events)


def bench_tiles(url: str, client: TestClient, static: Path, count: int, size: int) -> None:
    full = size // 256
    with psycopg.connect(url) as conn:
        for index in range(full):
            path = static / tile_path(0, index)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(read_tile(conn, 0, index, 256) or b"")
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=static), name="static")
    files = TestClient(app)
    paths = [tile_path(0, n % full) for n in range(count)]
    print(f"\nserving {count:,} full level-0 tiles (8 KiB each), in process")
    api_s, _ = timed(lambda: [client.get(f"/{p}").raise_for_status() for p in paths])
    static_s, _ = timed(lambda: [files.get(f"/static/{p}").raise_for_status() for p in paths])
    line("tiles through the API, requests/s", f"{count / api_s:,.0f}")
    line("the same tiles as static files, requests/s", f"{count / static_s:,.0f}",
         f"API at {static_s / api_s:.2f}× the static rate")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
