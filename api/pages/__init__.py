"""Server-rendered pages (Jinja2), Simplified Chinese by default, usable without JavaScript.

Pages sign in with the same bearer tokens as the API, typed once to open a session kept on the
server (``api.pages.signin``); the HttpOnly, SameSite=Strict cookie holds only the session's id,
and every form carries a CSRF value derived from it.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.auth import Account
from api.deps import optional_account
from api.sessions import COOKIE
from ledger import access
from ledger.calendar_years import WARN_DAYS
from ledger.events import Role
from ledger.regions import PROVINCE, RegionTable

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if chosen == "en" else "zh"


def csrf_value(request: Request) -> str:
    token = request.cookies.get(COOKIE, "")
    return hmac.new(b"credit-ledger csrf", token.encode(), hashlib.sha256).hexdigest()[:32]


class FormExpiredError(HTTPException):
    """A form sent without the value its page gave it: the page is too old (or not ours)."""

    def __init__(self) -> None:
        super().__init__(403, detail="the form has expired; reload the page")


def check_csrf(request: Request, csrf: str) -> None:
    if not request.cookies.get(COOKIE) or not hmac.compare_digest(csrf, csrf_value(request)):
        raise FormExpiredError


def render(request: Request, template: str, context: dict[str, Any], *,
           account: Account | None = None, status: int = 200) -> HTMLResponse:
    from api.i18n import translator, waiting_note

    lang = language(request)
    response = TEMPLATES.TemplateResponse(request, template, {
        "lang": lang, "t": translator(lang), "account": account, "csrf": csrf_value(request),
        "message": None, "error": None, "banner": _banner(request, account, lang),
        "waiting": partial(waiting_note, lang=lang), "other_language": _other_language(request),
        **context,
    }, status_code=status)
    if "lang" in request.query_params:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def _other_language(request: Request) -> str:
    """This page in the other language: the same query, only ``lang`` replaced."""
    other = "zh" if language(request) == "en" else "en"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*kept, ("lang", other)])


def _banner(request: Request, account: Account | None, lang: str) -> str | None:
    """The calendar warning, for operators and administrators, once the last day the
    published calendar can count to is near."""
    from api.i18n import calendar_warning

    if account is None or account.role not in access.OPERATORS:
        return None
    services = request.app.state.services
    today = services.today()
    until = services.ledger.settings().calendar().computable_until(today)
    return calendar_warning(until, today, lang) if (until - today).days <= WARN_DAYS else None


class PageAuthError(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def page_role(*roles: Role) -> Any:
    """Pages for signed-in people: 401 with a sign-in link, or 403 for another role."""

    def check(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
        if account is None:
            raise PageAuthError(401)
        if account.role not in roles:
            raise PageAuthError(403)
        return account

    return Depends(check)


Department = Annotated[Account, page_role(Role.SOURCE_DEPARTMENT)]
"""A source department, on its own pages."""
ExportFormat = Annotated[str | None, Query(pattern="^(csv|xlsx)$")]
"""A list's ``?format=``: the list as a CSV or xlsx file rather than the page."""


def done(path: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done=1", status_code=303)


# Where each role starts its work; anyone else lands on the public search.
LANDING = {Role.SOURCE_DEPARTMENT: "/department", Role.SUBJECT_OFFICIAL: "/subject",
           Role.PLATFORM_REVIEWER: "/review",
           Role.OPERATOR: "/deadlines", Role.AUDITOR: "/audit",
           Role.ADMINISTRATOR: "/admin/calendar"}


FormText = Annotated[str, Form(min_length=1, max_length=20000)]


def region_tree(table: RegionTable) -> list[dict[str, Any]]:
    """Every current region in reporting order (province, each city and its counties, 平潭 on
    its own), with its depth, for the pages' region filters."""

    def below(code: str, depth: int) -> list[dict[str, Any]]:
        region = table.current(code)
        found = [{"code": region.code, "name": region.name, "name_en": region.name_en,
                  "depth": depth}]
        for child in sorted(table.children(code), key=lambda r: r.code):
            found += below(child.code, depth + 1)
        return found

    return below(PROVINCE, 0)
