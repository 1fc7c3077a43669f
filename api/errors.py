"""Every ledger error mapped to one HTTP status, in one place, with the field and the reason."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg_pool import PoolTimeout
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect

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
    # Only the first part says where in the request; a later "body" is a field's own name.
    parts = [str(p) for p in (loc[1:] if loc and loc[0] in _PLACES else loc)]
    return ".".join(parts) or "request"


_PLACES = ("body", "query", "path", "header")


def validation_body(errors: list[dict[str, object]]) -> dict[str, object]:
    details = [{"field": _field(tuple(err["loc"])),  # type: ignore[arg-type]
                "reason": str(err["msg"])} for err in errors]
    first = details[0] if details else {"field": "request", "reason": "invalid"}
    return {"error": "validation", "field": first["field"], "reason": first["reason"],
            "errors": details}


# Paths outside /api/ that programs read (the log's checkpoint and tiles, health, metrics,
# the OpenAPI document): their refusals stay JSON, as the API's do.
MACHINE_PATHS = ("/checkpoint", "/tile/", "/health", "/ready", "/metrics", "/openapi.json")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api/") and not path.startswith(MACHINE_PATHS)


def _visitor(request: Request) -> Account | None:
    """Who is signed in, so an error page keeps the header they know (their links, sign out)."""
    return optional_account(request, request.headers.get("authorization"))


async def _form(request: Request) -> FormData | None:
    """The form a page request sent, if it sent one that can still be read."""
    if request.method != "POST" or "form" not in request.headers.get("content-type", ""):
        return None
    try:
        return await request.form()
    except (ClientDisconnect, MultiPartException, RuntimeError):  # then it is not kept
        return None


def install(app: FastAPI) -> None:
    from api.i18n import translator
    from api.pages import FormExpiredError, PageAuthError, language, render
    from api.pages.problems import messages, problem_page

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

    @app.exception_handler(HTTPException)
    async def http_refused(request: Request, error: HTTPException) -> Response:
        if not is_page(request):
            return await http_exception_handler(request, error)
        t = translator(language(request))
        reason = (t("form_expired") if isinstance(error, FormExpiredError)
                  else t("page_missing") if error.status_code == 404
                  else t("request_refused").format(status=error.status_code))
        page = await problem_page(request, error.status_code, [reason],
                                  account=_visitor(request), form=await _form(request))
        page.headers.update(error.headers or {})
        return page

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, error: RequestValidationError) -> Response:
        if is_page(request):
            return await _invalid_page(request, list(error.errors()),
                                       error.body if isinstance(error.body, FormData) else None)
        return JSONResponse(status_code=422, content=validation_body(list(error.errors())))

    @app.exception_handler(PydanticValidationError)
    async def model_invalid(request: Request, error: PydanticValidationError) -> Response:
        if is_page(request):  # a command built from a page's form: its fields are the form's
            return await _invalid_page(request, [
                {**err, "loc": ("body", *err["loc"])} for err in error.errors()],
                await _form(request))
        return JSONResponse(status_code=422, content=validation_body(
            [dict(err) for err in error.errors()]))

    async def _invalid_page(request: Request, problems: list[Any],
                            form: FormData | None) -> Response:
        status, reasons, mend = messages(problems, language(request))
        return await problem_page(request, status, reasons, account=_visitor(request),
                                  form=form, mend=mend)
