"""Running a POST command under its ``Idempotency-Key``."""

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
from api.idempotency import request_hash
from ledger.errors import LedgerError
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
        if earlier.request_hash != digest:
            raise HTTPException(422, detail="this Idempotency-Key was used for another request")
        if earlier.status is None:
            raise HTTPException(409, detail="the first request with this key is still running")
        return JSONResponse(status_code=earlier.status, content=earlier.body,
                            headers={"Idempotent-Replayed": "true"})
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
