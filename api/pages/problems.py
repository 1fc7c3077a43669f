"""What a page answers when a request is refused before its route runs: an unknown path, an
expired form, a text too long, a record number that is not one.

The answer is a page in the page's language, never JSON. A refused form comes back with what
was typed: the fields to mend as text boxes, the others kept and listed, and a button that
sends them again to the same address with a fresh form value (offered only to a form sent from
this site, so a form planted elsewhere cannot borrow it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from api.auth import Account
from api.i18n import FIELDS, translator
from api.pages import LANDING, language, render
from api.pages.filing import worded

_SHOWN = 40  # characters of a bad value repeated in a message
_BOX = 60  # a kept value longer than this (or over several lines) is shown in a text box


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def label(name: str, lang: str) -> str:
    """A form field's name as its form shows it."""
    found = translator(lang)(name)
    pair = FIELDS.get(name) if found == name else None
    return pair[1 if lang == "en" else 0] if pair else found


def messages(problems: Sequence[Mapping[str, Any]], lang: str) -> tuple[int, list[str], set[str]]:
    """The status, the messages and the refused form fields of a request's validation
    problems: a bad value in the address names no page (404), anything else is 422."""
    t = translator(lang)
    found: list[str] = []
    fields: set[str] = set()
    status = 422
    for problem in problems:
        where, *rest = [str(part) for part in problem.get("loc", ())] or ["body"]
        name = rest[0] if rest else where
        value = _short(problem.get("input", ""))
        if where == "path":
            status = 404
            found.append(t("bad_record_id" if name == "record_id" else "bad_address")
                         .format(value=value))
            continue
        if where == "body" and name == "csrf":  # a form that never had its page's value
            status = 403 if status == 422 else status
            found.append(t("form_expired"))
            continue
        text = f"{label(name, lang)}：{worded(problem, lang)}" if lang != "en" else \
            f"{label(name, lang)}: {worded(problem, lang)}"
        if problem.get("type") == "string_too_long" and isinstance(problem.get("input"), str):
            text += t("typed_length").format(n=len(problem["input"]))
        if where == "body":
            fields.add(name)
        found.append(text)
    return status, found, fields


def _same_site(request: Request) -> bool:
    """Whether the request came from one of this site's pages (its Origin, or else its
    Referer, names this host)."""
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    return bool(sent) and urlsplit(sent).netloc == request.url.netloc


def _back(request: Request, account: Account | None) -> str:
    """The page the person came from, when it is on this site; else where their work starts."""
    referer = request.headers.get("referer", "")
    if referer and urlsplit(referer).netloc == request.url.netloc:
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return LANDING.get(account.role, "/") if account else "/"


def _kept(form: FormData | None, mend: set[str]) -> list[dict[str, Any]]:
    """What the form sent, field by field (not the form value, not files)."""
    found = []
    for name, value in (form.multi_items() if form is not None else []):
        if name == "csrf" or isinstance(value, UploadFile) or not value:
            continue
        boxed = name in mend or len(value) > _BOX or "\n" in value
        found.append({"name": name, "value": value, "boxed": boxed})
    return found


async def problem_page(request: Request, status: int, reasons: list[str], *,
                       account: Account | None, form: FormData | None = None,
                       mend: set[str] | None = None) -> HTMLResponse:
    """The page answering a refused request; a form's typed values come back with it."""
    lang = language(request)
    kept = _kept(form, mend or set()) if request.method == "POST" else []
    for field in kept:
        field["label"] = label(field["name"], lang)
    resend = bool(kept) and status != 404 and account is not None and _same_site(request)
    action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(request, "problem.html", {
        "status": status, "reasons": reasons, "kept": kept, "resend": resend,
        "action": action, "back": _back(request, account),
    }, account=account, status=status)
