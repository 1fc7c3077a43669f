"""Bearer tokens with roles, created, rotated and revoked from the CLI and stored hashed.

A token is 32 random bytes shown once at creation; the store keeps only its SHA-256, the role,
for a subject official the one subject the token may act for, and when it expires:
``LEDGER_TOKEN_DAYS`` (90) after it was issued. Rotating an account issues a new token and
revokes the old ones.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import psycopg

from ledger.clock import Clock, system_clock
from ledger.config import Config, current
from ledger.events import Actor, Role
from ledger.store.storage import connection, create_tables, read_row

HUMAN_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)


@dataclass(frozen=True)
class Account:
    id: str
    role: Role
    subject: str | None
    name: str

    def actor(self) -> Actor:
        return Actor(id=self.id, role=self.role, subject=self.subject)


@dataclass(frozen=True)
class Issued:
    """One token of an account as the store lists it."""

    account: Account
    revoked: bool
    expires_at: datetime


def token_lifetime(config: Config | None = None) -> timedelta:
    """``LEDGER_TOKEN_DAYS``: how long a new token works (90 days)."""
    return timedelta(days=(config or current()).token_days)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "cl_" + secrets.token_urlsafe(32)


class TokenStore(Protocol):
    def create(self, account: Account) -> str: ...
    def revoke(self, account_id: str) -> bool: ...
    def rotate(self, account_id: str) -> str | None: ...
    def lookup(self, token: str) -> Account | None: ...
    def lookup_hash(self, token_hash: str) -> Account | None: ...
    def accounts(self) -> list[tuple[Account, bool]]: ...


def _check(account: Account) -> None:
    if account.role is Role.SYSTEM:
        raise ValueError("tokens are for people; the system role has none")
    if account.role is Role.SUBJECT_OFFICIAL and account.subject is None:
        raise ValueError("a subject official's token must be bound to their subject")
    if account.role is Role.SOURCE_DEPARTMENT and account.subject is None:
        raise ValueError("a department's token must name its organisation (its credit code)")
    if account.role is Role.OPERATOR and account.subject is not None and not (
        len(account.subject) == 6 and account.subject.isascii() and account.subject.isdigit()
    ):
        raise ValueError("an operator's token is bound to a region (its six-digit code), or to "
                         "none for the province")
    bindable = (Role.SUBJECT_OFFICIAL, Role.SOURCE_DEPARTMENT, Role.OPERATOR)
    if account.subject is not None and account.role not in bindable:
        raise ValueError(f"a {account.role.value} token is not bound to a subject")


def _usable(account: Account) -> Account | None:
    """Tokens issued before departments were bound to an organisation no longer work."""
    unbound = account.role is Role.SOURCE_DEPARTMENT and account.subject is None
    return None if unbound else account


class MemoryTokenStore:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._issued: dict[str, Issued] = {}
        self._lock = threading.Lock()

    def create(self, account: Account) -> str:
        _check(account)
        token = new_token()
        with self._lock:
            self._issued[hash_token(token)] = Issued(account, False,
                                                     self.clock() + token_lifetime())
        return token

    def revoke(self, account_id: str) -> bool:
        with self._lock:
            active = [h for h, i in self._issued.items()
                      if i.account.id == account_id and not i.revoked]
            for token_hash in active:
                self._issued[token_hash] = Issued(self._issued[token_hash].account, True,
                                                  self._issued[token_hash].expires_at)
        return bool(active)

    def rotate(self, account_id: str) -> str | None:
        current = [i.account for i in self._issued.values()
                   if i.account.id == account_id and not i.revoked]
        if not current:
            return None
        self.revoke(account_id)
        return self.create(current[-1])

    def lookup(self, token: str) -> Account | None:
        return self.lookup_hash(hash_token(token))

    def lookup_hash(self, token_hash: str) -> Account | None:
        found = self._issued.get(token_hash)
        if found is None or found.revoked or found.expires_at <= self.clock():
            return None
        return _usable(found.account)

    def issued(self) -> list[Issued]:
        return list(self._issued.values())

    def accounts(self) -> list[tuple[Account, bool]]:
        return _active(self.issued(), self.clock())


def _active(issued: list[Issued], now: datetime) -> list[tuple[Account, bool]]:
    return [(i.account, not i.revoked and i.expires_at > now) for i in issued]


class PostgresTokenStore:
    """Tokens in ``api_tokens``; revoking keeps the row so the access history stays readable.

    Rows from before tokens expired have no ``expires_at``; they expire ``LEDGER_TOKEN_DAYS``
    after they were created.
    """

    def __init__(self, url: str, clock: Clock = system_clock,
                 config: Config | None = None) -> None:
        self.url, self.clock, self.config = url, clock, config
        create_tables(
            url,
            "CREATE TABLE IF NOT EXISTS api_tokens ("
            "token_hash text PRIMARY KEY, account_id text NOT NULL, role text NOT NULL, "
            "subject text, name text NOT NULL, created_at timestamptz NOT NULL, "
            "revoked_at timestamptz)",
            "ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at timestamptz",
        )

    def create(self, account: Account) -> str:
        _check(account)
        with connection(self.url) as conn:
            return self._insert(conn, account)

    def _insert(self, conn: psycopg.Connection[object], account: Account) -> str:
        token, now = new_token(), self.clock()
        conn.execute(
            "INSERT INTO api_tokens (token_hash, account_id, role, subject, name, created_at,"
            " expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (hash_token(token), account.id, account.role.value, account.subject,
             account.name, now, now + token_lifetime(self.config)),
        )
        return token

    def revoke(self, account_id: str) -> bool:
        with connection(self.url) as conn:
            done = conn.execute(
                "UPDATE api_tokens SET revoked_at = %s WHERE account_id = %s "
                "AND revoked_at IS NULL", (self.clock(), account_id),
            )
            return done.rowcount > 0

    def rotate(self, account_id: str) -> str | None:
        """A new token for the account as its latest active token holds it; the old ones are
        revoked in the same transaction. ``None`` if the account has no active token."""
        with connection(self.url) as conn:
            row = conn.execute(
                "SELECT account_id, role, subject, name FROM api_tokens WHERE account_id = %s "
                "AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
                (account_id,),
            ).fetchone()
            if row is None:
                return None
            account = Account(row[0], Role(row[1]), row[2], row[3])
            _check(account)
            conn.execute("UPDATE api_tokens SET revoked_at = %s WHERE account_id = %s "
                         "AND revoked_at IS NULL", (self.clock(), account_id))
            return self._insert(conn, account)

    def lookup(self, token: str) -> Account | None:
        return self.lookup_hash(hash_token(token))

    def lookup_hash(self, token_hash: str) -> Account | None:
        row = read_row(self.url, "SELECT account_id, role, subject, name FROM api_tokens "
                       "WHERE token_hash = %s AND revoked_at IS NULL AND "
                       f"{_EXPIRES} > %s", (token_hash, token_lifetime(self.config), self.clock()))
        return None if row is None else _usable(Account(row[0], Role(row[1]), row[2], row[3]))

    def issued(self) -> list[Issued]:
        with connection(self.url) as conn:
            rows = conn.execute(
                "SELECT account_id, role, subject, name, revoked_at IS NOT NULL, "
                f"{_EXPIRES} FROM api_tokens ORDER BY created_at", (token_lifetime(self.config),),
            ).fetchall()
        return [Issued(Account(r[0], Role(r[1]), r[2], r[3]), bool(r[4]), r[5]) for r in rows]

    def accounts(self) -> list[tuple[Account, bool]]:
        return _active(self.issued(), self.clock())


_EXPIRES = "COALESCE(expires_at, created_at + %s::interval)"
