"""``Idempotency-Key``: a retried POST returns the first answer instead of acting twice.

The key is claimed before the command runs (a unique row), so two concurrent retries cannot
both act; the answer is stored when the command ends. The same key with a different request is
refused, as is a key whose first request is still running.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import psycopg
from psycopg.types.json import Jsonb

from ledger.storage import connection, schema_lock


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status: int | None
    body: Any


class IdempotencyStore(Protocol):
    def claim(self, scope: str, key: str, request_hash: str) -> Stored | None: ...
    def finish(self, scope: str, key: str, status: int, body: Any) -> None: ...
    def release(self, scope: str, key: str) -> None: ...


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class MemoryIdempotencyStore:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Stored] = {}
        self._lock = threading.Lock()

    def claim(self, scope: str, key: str, request_hash: str) -> Stored | None:
        with self._lock:
            existing = self._rows.get((scope, key))
            if existing is None:
                self._rows[(scope, key)] = Stored(request_hash, None, None)
            return existing

    def finish(self, scope: str, key: str, status: int, body: Any) -> None:
        with self._lock:
            old = self._rows[(scope, key)]
            self._rows[(scope, key)] = Stored(old.request_hash, status, body)

    def release(self, scope: str, key: str) -> None:
        with self._lock:
            self._rows.pop((scope, key), None)


class PostgresIdempotencyStore:
    def __init__(self, url: str) -> None:
        self.url = url
        with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
            conn.execute(
                "CREATE TABLE IF NOT EXISTS api_idempotency ("
                "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "status int, body jsonb, created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (scope, key))"
            )

    def claim(self, scope: str, key: str, request_hash: str) -> Stored | None:
        with connection(self.url) as conn:
            inserted = conn.execute(
                "INSERT INTO api_idempotency (scope, key, request_hash) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING", (scope, key, request_hash),
            )
            if inserted.rowcount:
                return None
            # A claim left unfinished (the process or the database failed mid-request) is taken
            # over: at once if the database restarted since (no request survives that), else
            # after a while. The ledger's own checks still refuse a repeated fact.
            taken = conn.execute(
                "UPDATE api_idempotency SET request_hash = %s, created_at = now() "
                "WHERE scope = %s AND key = %s AND status IS NULL "
                "AND (created_at < now() - interval '30 seconds' "
                "OR created_at < pg_postmaster_start_time())", (request_hash, scope, key),
            )
            if taken.rowcount:
                return None
            row = conn.execute(
                "SELECT request_hash, status, body FROM api_idempotency "
                "WHERE scope = %s AND key = %s", (scope, key),
            ).fetchone()
        assert row is not None
        return Stored(row[0], row[1], row[2])

    def finish(self, scope: str, key: str, status: int, body: Any) -> None:
        with connection(self.url) as conn:
            conn.execute(
                "UPDATE api_idempotency SET status = %s, body = %s WHERE scope = %s AND key = %s",
                (status, Jsonb(orjson.loads(orjson.dumps(body))), scope, key),
            )

    def release(self, scope: str, key: str) -> None:
        with connection(self.url) as conn:
            conn.execute("DELETE FROM api_idempotency WHERE scope = %s AND key = %s",
                         (scope, key))
