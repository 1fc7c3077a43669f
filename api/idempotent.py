"""Running a POST command under its ``Idempotency-Key``.

``run`` claims the key, runs the command, then stores its answer (three commits). ``run_once``
is for commands that can write their answer in their own transaction (filing, through the
ledger's group commit): a look-up, then one shared commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Account
from api.deps import Services
from api.errors import status_of
from api.idempotency import Stored, request_hash
from ledger.errors import LedgerError
from ledger.group_commit import Also
from ledger.persistence import canonical_json


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
