"""``Idempotency-Key``: a retried POST returns the first answer instead of acting twice.

The key is claimed before the command runs (a unique row), so two concurrent retries cannot
both act; the answer is stored when the command ends. The same key with a different request is
refused, as is a key whose first request is still running.

A filing needs no claim: its answer is written in the same transaction as its events
(``answer_write``, through the ledger's group commit), so the answer exists exactly when the
record does. Two concurrent requests with one key then both try, the second one's events and
answer conflict with the first's, and it replies with the first's answer (``keep``).

A route runs its command through ``run``, which claims the key, runs the command, then stores its
answer (three commits). ``run_once`` is for commands that can write their answer in their own
transaction (filing, through the ledger's group commit): a look-up, then one shared commit. A
route takes the key and its path as one dependency, ``Keyed``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import orjson
from fastapi import Depends, Header, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from api.errors import status_of
from ledger.errors import LedgerError
from ledger.store.group_commit import Also
from ledger.store.persistence import canonical_json
from ledger.store.storage import connection, create_tables, read_row

if TYPE_CHECKING:  # api.deps holds the store: its types only
    from api.auth import Account
    from api.deps import Services


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
        create_tables(url, "CREATE TABLE IF NOT EXISTS api_idempotency ("
                      "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                      "status int, body jsonb, created_at timestamptz NOT NULL DEFAULT now(), "
                      "PRIMARY KEY (scope, key))")

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
                "UPDATE api_idempotency SET request_hash = %s, created_at = now() " + _ABANDONED,
                (request_hash, scope, key),
            )
            if taken.rowcount:
                return None
            row = conn.execute(_SELECT, (scope, key)).fetchone()
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
        row = read_row(self.url, _SELECT, (scope, key))
        if row is not None and row[1] is None:
            with connection(self.url) as conn:
                if conn.execute("DELETE FROM api_idempotency " + _ABANDONED, (scope, key)).rowcount:
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


_SELECT = "SELECT request_hash, status, body FROM api_idempotency WHERE scope = %s AND key = %s"
_ABANDONED = ("WHERE scope = %s AND key = %s AND status IS NULL "
              "AND (created_at < now() - interval '30 seconds' "
              "OR created_at < pg_postmaster_start_time())")
"""A claim left unfinished: the database restarted since, or it is older than any request
still running would be."""
_INSERT_ANSWER = ("INSERT INTO api_idempotency (scope, key, request_hash, status, body) "
                  "VALUES (%s, %s, %s, %s, %s)")


def _jsonb(body: Any) -> Jsonb:
    return Jsonb(orjson.loads(orjson.dumps(body)))


# -- a route's command under its key -------------------------------------------------------------


def run(
    services: Services, account: Account, key: str | None, path: str, body: BaseModel | None,
    action: Callable[[], Any], status: int = 200,
) -> JSONResponse:
    """Run ``action`` once per (account, key); a retry gets the first answer back."""
    if key is None:
        return JSONResponse(status_code=status, content=jsonable_encoder(action()))
    if not 1 <= len(key) <= 200:
        raise HTTPException(422, detail="Idempotency-Key must be 1 to 200 characters")
    payload = canonical_json(body.model_dump(mode="json")) if body is not None else b""
    digest = request_hash("POST", path, payload)
    scope = f"{account.id}"
    store = services.idempotency
    earlier = store.claim(scope, key, digest)
    if earlier is not None:
        return _replay(earlier, digest)
    try:
        content = jsonable_encoder(action())
    except LedgerError as error:
        # A refusal is an answer too: the retry must see the same refusal, not act anew.
        refusal = {"error": type(error).__name__, "field": error.field, "reason": error.reason}
        store.finish(scope, key, status_of(error), refusal)
        raise
    except BaseException:
        store.release(scope, key)
        raise
    store.finish(scope, key, status, content)
    return JSONResponse(status_code=status, content=content)


def _replay(earlier: Stored, digest: str) -> JSONResponse:
    if earlier.request_hash != digest:
        raise HTTPException(422, detail="this Idempotency-Key was used for another request")
    if earlier.status is None:
        raise HTTPException(409, detail="the first request with this key is still running")
    return JSONResponse(status_code=earlier.status, content=earlier.body,
                        headers={"Idempotent-Replayed": "true"})


Answer = Callable[[Any], Also]
"""Given the command's reply, the write that stores it as the key's answer."""


def run_once(
    services: Services, account: Account, key: str | None, path: str, body: BaseModel,
    action: Callable[[Answer | None], tuple[Any, bool]], status: int = 200,
) -> JSONResponse:
    """Run ``action`` once per (account, key), its answer stored with its events.

    ``action`` is given a way to turn its reply into a write for its transaction, and returns
    the reply and whether that write was committed (it is not when nothing was written, as for
    a resend of a filing; the answer is stored apart then).
    """
    if key is None:
        return JSONResponse(status_code=status, content=jsonable_encoder(action(None)[0]))
    if not 1 <= len(key) <= 200:
        raise HTTPException(422, detail="Idempotency-Key must be 1 to 200 characters")
    digest = request_hash("POST", path, canonical_json(body.model_dump(mode="json")))
    scope, store = f"{account.id}", services.idempotency
    earlier = store.find(scope, key)
    if earlier is not None:
        return _replay(earlier, digest)

    def answer(reply: Any) -> Also:
        write = store.answer_write(scope, key, digest, status, jsonable_encoder(reply))
        assert write is not None
        return write

    in_transaction = services.ledger.committer.accepts_writes and store.writes_answers
    try:
        reply, answered = action(answer if in_transaction else None)
    except LedgerError as error:
        refusal = {"error": type(error).__name__, "field": error.field, "reason": error.reason}
        kept = store.keep(scope, key, digest, status_of(error), refusal)
        if kept.body != refusal:  # a concurrent request with this key answered first
            return _replay(kept, digest)
        raise
    content = jsonable_encoder(reply)
    if answered:
        return JSONResponse(status_code=status, content=content)
    kept = store.keep(scope, key, digest, status, content)
    if kept.body != content:
        return _replay(kept, digest)
    return JSONResponse(status_code=status, content=content)


@dataclass(frozen=True)
class Key:
    """A POST's ``Idempotency-Key`` (if it sent one) and the path it was sent to."""

    services: Services
    key: str | None
    path: str

    def run(self, account: Account, body: BaseModel | None, action: Callable[[], Any],
            status: int = 200) -> JSONResponse:
        """``run`` under this key."""
        return run(self.services, account, self.key, self.path, body, action, status)

    def run_once(self, account: Account, body: BaseModel,
                 action: Callable[[Answer | None], tuple[Any, bool]],
                 status: int = 200) -> JSONResponse:
        """``run_once`` under this key."""
        return run_once(self.services, account, self.key, self.path, body, action, status)


def key_of(request: Request, idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key")] = None) -> Key:
    return Key(request.app.state.services, idempotency_key, request.url.path)


Keyed = Annotated[Key, Depends(key_of)]
