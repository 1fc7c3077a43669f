"""Every ledger error mapped to one HTTP status, in one place, with the field and the reason."""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg_pool import PoolTimeout
from pydantic import ValidationError as PydanticValidationError

from api.auth import Account
from api.deps import optional_account
from ledger import errors as e

STATUS: list[tuple[type[e.LedgerError], int]] = [
    (e.PermissionDeniedError, 403),
    (e.NotFoundError, 404),
    (e.ConflictError, 409),
    (e.LifecycleError, 409),
    (e.ValidationError, 422),
    (e.CalendarUnavailableError, 422),
    (e.LedgerError, 400),
]


def status_of(error: e.LedgerError) -> int:
    return next(code for cls, code in STATUS if isinstance(error, cls))


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def validation_body(errors: list[dict[str, object]]) -> dict[str, object]:
    details = [{"field": _field(tuple(err["loc"])),  # type: ignore[arg-type]
                "reason": str(err["msg"])} for err in errors]
    first = details[0] if details else {"field": "request", "reason": "invalid"}
    return {"error": "validation", "field": first["field"], "reason": first["reason"],
            "errors": details}


def is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _visitor(request: Request) -> Account | None:
    """Who is signed in, so an error page keeps the header they know (their links, sign out)."""
    return optional_account(request, request.headers.get("authorization"))


def install(app: FastAPI) -> None:
    from api.pages import PageAuthError, render

    @app.exception_handler(e.LedgerError)
    async def ledger_error(request: Request, error: e.LedgerError) -> Response:
        if is_page(request):
            return render(request, "error.html", {"status": status_of(error),
                                                  "reason": str(error)},
                          account=_visitor(request), status=status_of(error))
        return JSONResponse(status_code=status_of(error), content={
            "error": type(error).__name__, "field": error.field, "reason": error.reason,
        })

    @app.exception_handler(PersistenceError)
    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def unavailable(request: Request, error: Exception) -> Response:
        # The command may or may not have committed; a retry is safe either way: the same
        # Idempotency-Key returns the first answer, and the ledger refuses a repeated fact.
        return JSONResponse(status_code=503, headers={"Retry-After": "2"}, content={
            "error": "Unavailable", "field": None,
            "reason": "the database is unavailable right now; retry the request",
        })

    @app.exception_handler(PageAuthError)
    async def page_refused(request: Request, error: PageAuthError) -> Response:
        reason = "请先登录" if error.status == 401 else "当前账号无权访问此页面"
        return render(request, "error.html", {"status": error.status, "reason": reason},
                      account=_visitor(request), status=error.status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=validation_body(list(error.errors())))

    @app.exception_handler(PydanticValidationError)
    async def model_invalid(_: Request, error: PydanticValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=validation_body(
            [dict(err) for err in error.errors()]))
