"""Bearer tokens with roles, created and revoked from the CLI and stored hashed.

A token is 32 random bytes shown once at creation; the store keeps only its SHA-256, the role,
and for a subject official the one subject the token may act for.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import psycopg

from ledger.events import Actor, Role
from ledger.storage import connection, schema_lock

HUMAN_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)


@dataclass(frozen=True)
class Account:
    id: str
    role: Role
    subject: str | None
    name: str

    def actor(self) -> Actor:
        return Actor(id=self.id, role=self.role, subject=self.subject)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "cl_" + secrets.token_urlsafe(32)


class TokenStore(Protocol):
    def create(self, account: Account) -> str: ...
    def revoke(self, account_id: str) -> bool: ...
    def lookup(self, token: str) -> Account | None: ...
    def accounts(self) -> list[tuple[Account, bool]]: ...


def _check(account: Account) -> None:
    if account.role is Role.SYSTEM:
        raise ValueError("tokens are for people; the system role has none")
    if account.role is Role.SUBJECT_OFFICIAL and account.subject is None:
        raise ValueError("a subject official's token must be bound to their subject")
    if account.role is Role.SOURCE_DEPARTMENT and account.subject is None:
        raise ValueError("a department's token must name its organisation (its credit code)")
    bindable = (Role.SUBJECT_OFFICIAL, Role.SOURCE_DEPARTMENT)
    if account.subject is not None and account.role not in bindable:
        raise ValueError(f"a {account.role.value} token is not bound to a subject")


def _usable(account: Account) -> Account | None:
    """Tokens issued before departments were bound to an organisation no longer work."""
    unbound = account.role is Role.SOURCE_DEPARTMENT and account.subject is None
    return None if unbound else account


class MemoryTokenStore:
    def __init__(self) -> None:
        self._by_hash: dict[str, Account] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def create(self, account: Account) -> str:
        _check(account)
        token = new_token()
        with self._lock:
            self._by_hash[hash_token(token)] = account
            self._revoked.discard(account.id)
        return token

    def revoke(self, account_id: str) -> bool:
        known = any(a.id == account_id for a in self._by_hash.values())
        self._revoked.add(account_id)
        return known

    def lookup(self, token: str) -> Account | None:
        account = self._by_hash.get(hash_token(token))
        return None if account is None or account.id in self._revoked else _usable(account)

    def accounts(self) -> list[tuple[Account, bool]]:
        return [(a, a.id not in self._revoked) for a in self._by_hash.values()]


class PostgresTokenStore:
    """Tokens in ``api_tokens``; revoking keeps the row so the access history stays readable."""

    def __init__(self, url: str) -> None:
        self.url = url
        with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
            conn.execute(
                "CREATE TABLE IF NOT EXISTS api_tokens ("
                "token_hash text PRIMARY KEY, account_id text NOT NULL, role text NOT NULL, "
                "subject text, name text NOT NULL, created_at timestamptz NOT NULL, "
                "revoked_at timestamptz)"
            )

    def create(self, account: Account) -> str:
        _check(account)
        token = new_token()
        with connection(self.url) as conn:
            conn.execute(
                "INSERT INTO api_tokens (token_hash, account_id, role, subject, name, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (hash_token(token), account.id, account.role.value, account.subject,
                 account.name, datetime.now(UTC)),
            )
        return token

    def revoke(self, account_id: str) -> bool:
        with connection(self.url) as conn:
            done = conn.execute(
                "UPDATE api_tokens SET revoked_at = %s WHERE account_id = %s "
                "AND revoked_at IS NULL", (datetime.now(UTC), account_id),
            )
            return done.rowcount > 0

    def lookup(self, token: str) -> Account | None:
        with connection(self.url) as conn:
            row = conn.execute(
                "SELECT account_id, role, subject, name FROM api_tokens "
                "WHERE token_hash = %s AND revoked_at IS NULL", (hash_token(token),),
            ).fetchone()
        return None if row is None else _usable(Account(row[0], Role(row[1]), row[2], row[3]))

    def accounts(self) -> list[tuple[Account, bool]]:
        with connection(self.url) as conn:
            rows = conn.execute(
                "SELECT account_id, role, subject, name, revoked_at IS NULL FROM api_tokens "
                "ORDER BY created_at"
            ).fetchall()
        return [(Account(r[0], Role(r[1]), r[2], r[3]), bool(r[4])) for r in rows]
