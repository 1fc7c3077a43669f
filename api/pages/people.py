"""Pages of signed-in people: sign-in, the official's subject page, the auditor's timeline."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import reads
from api.auth import Account
from api.deps import ServicesDep
from api.exports import export
from api.i18n import translator, waiting_note
from api.pages import FormText, check_csrf, language, page_role, render
from api.pages.forms import page_number, pager
from api.pages.matters import official_actions, read_record, standing
from api.pages.signin import (
    check_login_csrf,
    login_form,
    remember_login_form,
    signed_in,
    signed_out,
)
from api.pages.timeline import timeline_page
from api.routes.records import MAX_OFFSET
from ledger import access, lifecycle
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.events import Role
from ledger.lifecycle import Step
from projections import records

router = APIRouter(tags=["pages"])
OFFICIAL = page_role(Role.SUBJECT_OFFICIAL)
AUDITORS = page_role(*access.AUDITORS)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The sign-in page: paste the access token issued to you."""
    failed = "failed" in request.query_params
    kept, csrf = login_form(request)
    response = render(request, "login.html", {"error": "令牌无效或已撤销" if failed else None,
                                              "csrf": csrf})
    remember_login_form(request, response, kept)
    return response


@router.post("/login")
def login(request: Request, services: ServicesDep,
          token: Annotated[str, Form(max_length=200)],
          csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Sign in with a token: it opens a session; each role lands on its own page."""
    check_login_csrf(request, csrf)
    return signed_in(request, services, token, services.tokens.lookup(token))


@router.post("/logout")
def logout(request: Request, services: ServicesDep,
           csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Sign out: the session is deleted."""
    return signed_out(request, services, csrf)


RECORD_COLUMNS = [("document_number", "决定文号"), ("category", "类别"), ("severity", "失信程度"),
                  ("status", "状态"), ("publicity_starts", "公示开始"),
                  ("publicity_max_end", "公示截止"), ("under_objection", "异议处理中"),
                  ("under_reconsideration", "复议或诉讼中"), ("explanation", "书面说明")]
DEADLINE_COLUMNS = [("kind", "类型"), ("document_number", "决定文号"), ("due", "截止日期"),
                    ("left", "剩余工作日"), ("overdue", "已逾期"), ("note", "说明")]
Format = Annotated[str | None, Query(pattern="^(csv|xlsx)$")]
FormatOrPicture = Annotated[str | None, Query(pattern="^(csv|xlsx|svg)$")]


PER_PAGE = 20
DEADLINES_SHOWN = 100
"""The subject's soonest open deadlines on its page; the export lists them all."""


@router.get("/subject", response_class=Response)
def subject_page(request: Request, services: ServicesDep,
                 account: Annotated[Account, OFFICIAL], format: Format = None,
                 table: Literal["records", "deadlines"] = "records",
                 page: str | None = None) -> Response:
    """An official's page: their subject's records, what is due, and the forms to answer."""
    ledger, code, lang = services.ledger, account.subject or "", language(request)
    if len(code) == 18:
        body = ledger.body(code)
        name, record_ids = body.name, body.records
    else:
        person = ledger.civil_servant(UUID(code))
        name, record_ids = person.masked_id, person.records
    ids = record_ids[:MAX_OFFSET]
    pages = max(1, -(-len(ids) // PER_PAGE))
    shown = min(page_number(page), pages)
    if format and table == "deadlines":  # every open one, from the deadlines view
        due = _deadlines(services, code, ids, [], [], shown, MAX_OFFSET)
        return export(due, DEADLINE_COLUMNS, format, table, lang=lang,
                      capped_at=MAX_OFFSET if len(due) >= MAX_OFFSET else None)
    if format:  # from the record view, in filing order
        with services.views() as conn:
            states = records.records_by_id(conn, ids)
        return export([s.model_dump() for s in states], RECORD_COLUMNS, format, table,
                      lang=lang, capped_at=MAX_OFFSET if len(record_ids) > MAX_OFFSET else None)
    on_page = ids[(shown - 1) * PER_PAGE:shown * PER_PAGE]
    rows, fresh = _subject_rows(ledger, code, on_page, lang)
    deadlines = _deadlines(services, code, ids, on_page, fresh, shown, DEADLINES_SHOWN)
    return render(request, "subject.html", {
        "subject_name": name, "subject_code": code, "records": rows, "deadlines": deadlines,
        "done": request.query_params.get("done"), "page": shown, "pages": pages,
        "pager": pager(shown, pages, {}), "more_deadlines": len(deadlines) >= DEADLINES_SHOWN,
    }, account=account)


def _deadlines(services: ServicesDep, code: str, ids: list[UUID], on_page: list[UUID],
               fresh: list[dict[str, Any]], page: int, limit: int) -> list[dict[str, Any]]:
    """The deadlines the subject must meet, soonest first: those of the records on this page
    as the ledger has them now, the others from the deadlines view. Each links to its record
    on the page that shows it."""
    read = set(on_page)
    others = [d for d in reads.open_deadlines(services, party=code, limit=limit + len(fresh))
              if d.record_id not in read]
    with services.views() as conn:
        numbers = records.document_numbers(conn, sorted({d.record_id for d in others}))
    rows = fresh + [{
        "record_id": d.record_id, "document_number": numbers.get(d.record_id, ""),
        "kind": d.kind, "due": d.due, "overdue": d.overdue, "left": d.working_days_left,
        "waiting": d.due is None, "starts_on": d.starts_on, "length": d.length, "unit": d.unit,
        "awaiting": d.awaiting, "note": waiting_note(d.starts_on, d.length, d.unit, d.awaiting)
        if d.due is None else None} for d in others]
    rows.sort(key=lambda d: (d["due"] is None, d["due"] or d["starts_on"]))
    where = {rid: n // PER_PAGE + 1 for n, rid in enumerate(ids)}
    for row in rows:
        on = where.get(row["record_id"], page)
        row["href"] = ("" if on == page else f"?page={on}") + f"#r-{row['record_id']}"
    return rows[:limit]


def _subject_rows(ledger: Ledger, code: str, record_ids: list[UUID], lang: str) -> (
    tuple[list[dict[str, Any]], list[dict[str, Any]]]
):
    """The subject's records, each with where its matters stand and what the official may do
    now, and the deadlines the subject must meet itself, soonest first."""
    calendar = ledger.settings().calendar()
    today = business_date(ledger.clock())
    me = {code: translator(lang)("our_body" if len(code) == 18 else "our_self")}
    records: list[dict[str, Any]] = []
    deadlines: list[dict[str, Any]] = []
    for rid in record_ids:
        r, events = read_record(ledger, rid)
        records.append({
            "id": r.id, "document_number": r.content.document_number,
            "category": r.content.category.value, "severity": r.content.severity.value,
            "status": r.status.value, "facts": r.content.facts,
            "publicity_starts": r.publicity_starts, "publicity_max_end": r.publicity_max_end,
            "under_objection": r.under_objection,
            "under_reconsideration": r.under_reconsideration,
            "explanation": r.explanation.value if r.explanation else None,
            "objection_open": r.open_objection() is not None,
            "repair_possible": today > r.publicity_min_end and r.open_repair() is None,
            "standing": standing(r, events, lang, me), "actions": official_actions(r, today),
        })
        for d in r.deadlines.values():
            if d.party == code:
                left = None if d.due is None else calendar.working_days_between(today, d.due)
                deadlines.append({"record_id": r.id, "document_number": r.content.document_number,
                                  "kind": d.kind.value, "due": d.due, "overdue": d.overdue,
                                  "left": left, "waiting": d.waiting, "starts_on": d.starts_on,
                                  "length": d.length, "unit": d.unit, "awaiting": d.awaiting,
                                  "note": waiting_note(d.starts_on, d.length, d.unit, d.awaiting)
                                  if d.waiting else None})
    deadlines.sort(key=lambda d: (d["due"] is None, d["due"] or d["starts_on"]))
    return records, deadlines


def _official_step(step: Step) -> None:
    """The official's form for a registered step: its text field (and the matter's number),
    posted to ``/subject/records/{record_id}/<page>``, behind the step's roles."""
    command = step.command
    texts = [name for name in command.model_fields if name not in ("record_id", "number")]

    def act(request: Request, record_id: UUID, services: ServicesDep, account: Account,
            csrf: str, **form: Any) -> Response:
        check_csrf(request, csrf)
        services.ledger.execute(command.model_validate({**form, "record_id": record_id}),
                                account.actor())
        return _done_at(record_id)

    keyword = inspect.Parameter.KEYWORD_ONLY
    act.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("record_id", keyword, annotation=UUID),
        inspect.Parameter("services", keyword, annotation=ServicesDep),
        inspect.Parameter("account", keyword,
                          annotation=Annotated[Account, page_role(*step.roles)]),
        *[inspect.Parameter("number", keyword, annotation=Annotated[int, Form(ge=1)])
          for _ in ("number",) if "number" in command.model_fields],
        *[inspect.Parameter(name, keyword, annotation=FormText) for name in texts],
        inspect.Parameter("csrf", keyword, annotation=Annotated[str, Form()]),
    ], return_annotation=Response)
    summary = (command.__doc__ or step.name.replace("_", " ")).strip().splitlines()[0]
    router.add_api_route(f"/subject/records/{{record_id}}/{step.page}", act, methods=["POST"],
                         name=step.name, summary=f"{summary} (from the subject page)")


for _step in lifecycle.PAGE_STEPS.values():
    if Role.SUBJECT_OFFICIAL in _step.roles:
        _official_step(_step)


def _done_at(record_id: UUID) -> RedirectResponse:
    """Back to the record the official acted on, where the confirmation shows."""
    return RedirectResponse(f"/subject?done={record_id}#r-{record_id}", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_home(request: Request, account: Annotated[Account, AUDITORS],
               record_id: Annotated[UUID | None, Query()] = None) -> Response:
    """The auditor's entry: open a record's timeline by its id."""
    if record_id is not None:
        return RedirectResponse(f"/audit/records/{record_id}", status_code=303)
    return render(request, "audit.html", {}, account=account)


@router.get("/audit/records/{record_id}", response_class=Response)
def audit_timeline(request: Request, record_id: UUID, services: ServicesDep,
                   account: Annotated[Account, AUDITORS],
                   as_of: Annotated[str | None, Query(max_length=40)] = None,
                   format: FormatOrPicture = None) -> Response:
    """A record's timeline as it stood at a chosen moment (Beijing time)."""
    return timeline_page(request, services.ledger, record_id, as_of, format, account)


@router.get("/audit/records/{record_id}/bundle")
def audit_bundle(record_id: UUID, account: Annotated[Account, AUDITORS]) -> Response:
    """Download the record's audit bundle (the same document as the API's)."""
    return RedirectResponse(f"/api/v1/audit/bundle?record={record_id}", status_code=303)
