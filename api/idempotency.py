"""``Idempotency-Key``: a retried POST returns the first answer instead of acting twice.

The key is claimed before the command runs (a unique row), so two concurrent retries cannot
both act; the answer is stored when the command ends. The same key with a different request is
refused, as is a key whose first request is still running.

A filing needs no claim: its answer is written in the same transaction as its events
(``answer_write``, through the ledger's group commit), so the answer exists exactly when the
record does. Two concurrent requests with one key then both try, the second one's events and
answer conflict with the first's, and it replies with the first's answer (``keep``).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import psycopg
from psycopg.types.json import Jsonb

from ledger.group_commit import Also
from ledger.storage import connection, read_row, schema_lock


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status: int | None
    body: Any


class IdempotencyStore(Protocol):
    writes_answers: bool
    """Whether ``answer_write`` gives a write for the ledger's own transaction."""

    def claim(self, scope: str, key: str, request_hash: str) -> Stored | None: ...
    def finish(self, scope: str, key: str, status: int, body: Any) -> None: ...
    def release(self, scope: str, key: str) -> None: ...
    def find(self, scope: str, key: str) -> Stored | None: ...
    def keep(self, scope: str, key: str, request_hash: str, status: int, body: Any) -> Stored:
        """Store an answer unless the key has one; return the one it has now."""
        ...
    def answer_write(self, scope: str, key: str, request_hash: str, status: int,
                     body: Any) -> Also | None:
        """A write of the answer for the ledger's transaction, if the store is in its
        database (``None`` if not)."""
        ...


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class MemoryIdempotencyStore:
    writes_answers = False

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

    def find(self, scope: str, key: str) -> Stored | None:
        with self._lock:
            return self._rows.get((scope, key))

    def keep(self, scope: str, key: str, request_hash: str, status: int, body: Any) -> Stored:
        with self._lock:
            return self._rows.setdefault((scope, key), Stored(request_hash, status, body))

    def answer_write(self, scope: str, key: str, request_hash: str, status: int,
                     body: Any) -> Also | None:
        return None


class PostgresIdempotencyStore:
    writes_answers = True

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
                (status, _jsonb(body), scope, key),
            )

    def release(self, scope: str, key: str) -> None:
        with connection(self.url) as conn:
            conn.execute("DELETE FROM api_idempotency WHERE scope = %s AND key = %s",
                         (scope, key))

    def find(self, scope: str, key: str) -> Stored | None:
        """The key's answer, or its claim while the claim's request may still run (a claim
        left unfinished is dropped, as ``claim`` would take it over)."""
        row = read_row(self.url, "SELECT request_hash, status, body FROM api_idempotency "
                       "WHERE scope = %s AND key = %s", (scope, key))
        if row is not None and row[1] is None:
            with connection(self.url) as conn:
                if conn.execute(
                    "DELETE FROM api_idempotency WHERE scope = %s AND key = %s "
                    "AND status IS NULL AND (created_at < now() - interval '30 seconds' "
                    "OR created_at < pg_postmaster_start_time())", (scope, key),
                ).rowcount:
                    return None
        return None if row is None else Stored(row[0], row[1], row[2])

    def keep(self, scope: str, key: str, request_hash: str, status: int, body: Any) -> Stored:
        with connection(self.url) as conn:
            conn.execute(_INSERT_ANSWER + " ON CONFLICT DO NOTHING",
                         (scope, key, request_hash, status, _jsonb(body)))
        kept = self.find(scope, key)
        assert kept is not None
        return kept

    def answer_write(self, scope: str, key: str, request_hash: str, status: int,
                     body: Any) -> Also | None:
        params = (scope, key, request_hash, status, _jsonb(body))

        def write(curs: Any) -> None:
            curs.execute(_INSERT_ANSWER, params, prepare=True)

        return write


_INSERT_ANSWER = ("INSERT INTO api_idempotency (scope, key, request_hash, status, body) "
                  "VALUES (%s, %s, %s, %s, %s)")


def _jsonb(body: Any) -> Jsonb:
    return Jsonb(orjson.loads(orjson.dumps(body)))
