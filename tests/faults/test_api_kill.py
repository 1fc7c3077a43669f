"""The API server is killed (SIGKILL) while 16 clients file: group commits are all or nothing.

Sixteen clients post filings, each with its own Idempotency-Key, to ``credit-ledger serve`` in
a process of its own; the server shares each batch of filings out of one transaction. It is
killed outright while requests are in flight, so that a batch is most likely being written.
Afterwards:

- every filing answered 201 is in the log exactly once, with the record id it was answered;
- nothing unanswered is half-written: each record in the log has its subject's listing and
  its stored answer, and each stored answer has its record (one transaction each);
- after a restart, a retry with the same key returns the original answer, and a retry of a
  filing that was never answered files it (or returns the answer that its lost reply had).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from api.auth import Account, PostgresTokenStore
from ledger.clock import business_date, system_clock
from ledger.events import Role
from ledger.identifiers import record_id
from tests.support import world
from tests.support.processes import Process, cli, free_port

pytestmark = pytest.mark.timeout(240)
CLIENTS = 16
KILL_AFTER = 150  # answered filings before the kill
FILED = "ledger.record_events:RecordFiled"
LISTED = "ledger.subjects:GovernmentBody.RecordListed"


def body(n: int) -> dict[str, Any]:
    # Decided ten days before today, wherever today is: a filing must not be in the future.
    decided = business_date(system_clock()) - timedelta(days=10)
    return world.filing(n, decision_date=decided).model_dump(mode="json")


class Clients:
    """Sixteen clients, each posting the next filing until told to stop; what each got."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}
        self.answered: dict[int, dict[str, Any]] = {}
        self.unanswered: set[int] = set()
        self.other: list[str] = []
        self._numbers = iter(range(1, 10**6))
        self._lock = threading.Lock()
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self.stop.is_set():
                with self._lock:
                    n = next(self._numbers)
                try:
                    response = http.post("/api/v1/records", json=body(n),
                                         headers=self.headers | {"Idempotency-Key": f"f-{n}"})
                except httpx.HTTPError:
                    with self._lock:
                        self.unanswered.add(n)
                    return
                with self._lock:
                    if response.status_code == 201:
                        self.answered[n] = response.json()
                    else:
                        self.other.append(f"{response.status_code} {response.text[:200]}")


def start(api: Process, base: str) -> None:
    api.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and api.running, api.tail()
        time.sleep(0.2)


def log_of(url: str) -> tuple[Counter[UUID], set[UUID], dict[str, UUID]]:
    """Filed records (how often), records listed on subjects, stored answers by key."""
    with psycopg.connect(url) as conn:
        filed = Counter(row[0] for row in conn.execute(
            "SELECT originator_id FROM ledger_events WHERE topic = %s", (FILED,)))
        listed = {UUID(row[0]) for row in conn.execute(
            "SELECT convert_from(state, 'UTF8')::jsonb ->> 'record_id' FROM ledger_events "
            "WHERE topic = %s", (LISTED,))}
        answers = {row[0]: UUID(row[1]) for row in conn.execute(
            "SELECT key, body ->> 'record_id' FROM api_idempotency")}
    return filed, listed, answers


def test_a_server_killed_mid_batch_leaves_every_filing_whole_or_absent(
    pg_url: str, tmp_path: Path,
) -> None:
    ledger = world.postgres_world(pg_url, world.FakeClock())
    ledger.close()
    token = PostgresTokenStore(pg_url).create(
        Account("dept", Role.SOURCE_DEPARTMENT, world.SOURCE_CODE, "dept"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, LEDGER_DATABASE_URL=pg_url, LEDGER_HOME=str(tmp_path),
               LEDGER_MASTER_KEY=base64.b64encode(b"k" * 32).decode(),
               LEDGER_LOG_LEVEL="WARNING")
    api = cli("api", ["serve", "--port", str(port)], env, tmp_path)
    start(api, base)
    try:
        clients = Clients(base, token)
        threads = [threading.Thread(target=clients.run) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(clients.answered) < KILL_AFTER:
            assert time.monotonic() < deadline and api.running, api.tail()
            time.sleep(0.005)
        api.kill()
        clients.stop.set()
        for thread in threads:
            thread.join()

        assert clients.other == []
        assert clients.unanswered, "the kill found no request in flight"
        filed, listed, answers = log_of(pg_url)
        for n, reply in clients.answered.items():  # answered 201: in the log exactly once
            assert reply == {"record_id": str(record_id(world.SOURCE_CODE, f"闽纪〔2026〕{n}号")),
                             "created": True}
            assert filed[UUID(reply["record_id"])] == 1
        assert max(filed.values()) == 1
        # All or nothing: record, listing and stored answer together, or none of them.
        assert set(filed) == listed == set(answers.values())
        assert set(answers) >= {f"f-{n}" for n in clients.answered}

        start(api, base)
        with httpx.Client(base_url=base, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            for n in sorted(clients.answered) + sorted(clients.unanswered):
                retry = http.post("/api/v1/records", json=body(n),
                                  headers={"Idempotency-Key": f"f-{n}"})
                assert retry.status_code == 201, retry.text
                if n in clients.answered:
                    assert retry.json() == clients.answered[n]
                    assert retry.headers["Idempotent-Replayed"] == "true"
                else:
                    assert retry.json()["created"] is True
        filed, listed, answers = log_of(pg_url)
        every = set(clients.answered) | clients.unanswered
        assert set(filed.values()) == {1} and len(filed) == len(every)
        assert set(filed) == listed == set(answers.values())
    finally:
        api.stop()
