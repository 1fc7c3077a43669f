"""Sign-in sessions of the web pages: a random id in the browser's cookie, only its hash here.

The cookie never holds the API token. A session names the token it was opened with (by its
hash), so revoking or expiring the token ends its sessions too. A session ends after
``LEDGER_SESSION_IDLE_MINUTES`` (30) without a request, after ``MAX_AGE`` whatever happens, and
on logout. The cookie is HttpOnly and SameSite=Strict, and Secure when the request came over
HTTPS or ``LEDGER_SECURE_COOKIES`` is on (off by default, for the dev stack on
http://localhost; turn it on behind a proxy that ends TLS).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from starlette.requests import Request

from ledger.clock import Clock, system_clock
from ledger.config import Config, current
from ledger.store.storage import connection, create_tables

COOKIE = "ledger_session"
MAX_AGE = timedelta(hours=12)


def idle_timeout(config: Config | None = None) -> timedelta:
    """``LEDGER_SESSION_IDLE_MINUTES``: how long a session lasts without a request (30)."""
    return timedelta(minutes=(config or current()).session_idle_minutes)


def secure_cookies(request: Request, config: Config | None = None) -> bool:
    """Whether cookies get the Secure flag: over HTTPS, or when ``LEDGER_SECURE_COOKIES`` is on."""
    return request.url.scheme == "https" or (config or current()).secure_cookies


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class SessionStore(Protocol):
    def open(self, token_hash: str) -> str: ...
    def token_hash(self, session_id: str) -> str | None: ...
    def close(self, session_id: str) -> None: ...


@dataclass
class _Open:
    token_hash: str
    created: datetime
    seen: datetime


class MemorySessionStore:
    def __init__(self, clock: Clock = system_clock, idle: timedelta | None = None) -> None:
        self.clock, self.idle = clock, idle or idle_timeout()
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()

    def open(self, token_hash: str) -> str:
        session_id, now = new_session_id(), self.clock()
        with self._lock:
            self._open[_hash(session_id)] = _Open(token_hash, now, now)
        return session_id

    def token_hash(self, session_id: str) -> str | None:
        now = self.clock()
        with self._lock:
            found = self._open.get(_hash(session_id))
            if found is None:
                return None
            if now - found.seen > self.idle or now - found.created > MAX_AGE:
                del self._open[_hash(session_id)]
                return None
            found.seen = now
            return found.token_hash

    def close(self, session_id: str) -> None:
        with self._lock:
            self._open.pop(_hash(session_id), None)


class PostgresSessionStore:
    """Sessions in ``web_sessions``, keyed by the hash of their id; ended ones are deleted."""

    def __init__(self, url: str, clock: Clock = system_clock,
                 idle: timedelta | None = None) -> None:
        self.url, self.clock, self.idle = url, clock, idle or idle_timeout()
        create_tables(url, "CREATE TABLE IF NOT EXISTS web_sessions (id_hash text PRIMARY KEY, "
                      "token_hash text NOT NULL, created_at timestamptz NOT NULL, "
                      "seen_at timestamptz NOT NULL)")

    def open(self, token_hash: str) -> str:
        session_id, now = new_session_id(), self.clock()
        with connection(self.url) as conn:
            conn.execute("DELETE FROM web_sessions WHERE seen_at < %s OR created_at < %s",
                         (now - self.idle, now - MAX_AGE))
            conn.execute("INSERT INTO web_sessions (id_hash, token_hash, created_at, seen_at) "
                         "VALUES (%s, %s, %s, %s)", (_hash(session_id), token_hash, now, now))
        return session_id

    def token_hash(self, session_id: str) -> str | None:
        now = self.clock()
        with connection(self.url) as conn:
            row = conn.execute(
                "UPDATE web_sessions SET seen_at = %s WHERE id_hash = %s AND seen_at >= %s "
                "AND created_at >= %s RETURNING token_hash",
                (now, _hash(session_id), now - self.idle, now - MAX_AGE),
            ).fetchone()
        return None if row is None else str(row[0])

    def close(self, session_id: str) -> None:
        with connection(self.url) as conn:
            conn.execute("DELETE FROM web_sessions WHERE id_hash = %s", (_hash(session_id),))
