"""Pages for the platform: the reviewer's queue and the operator's deadline board."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from api import charts, reads
from api.auth import Account
from api.deps import ServicesDep
from api.exports import export
from api.i18n import with_notes
from api.pages import ExportFormat, check_csrf, done, language, page_role, region_tree, render
from api.pages.forms import FilterForm, page_count, page_number, pager
from api.pages.matters import read_record, sent, standing
from api.readable import label, region_name
from api.reads import RegionsDep
from api.routes.records import MAX_OFFSET
from ledger import access, lifecycle
from ledger import commands as c
from ledger.deadline_keys import DeadlineKey
from ledger.events import DomainEvent
from ledger.record import CreditRecord
from ledger.regions import PROVINCE, RegionTable
from ledger.values import DeadlineKind
from projections import subjects
from projections.results import OpenDeadline
from workflows.inputs import workflow_id
from workflows.search_attributes import REGION_CODE, deadlines_query

router = APIRouter(tags=["pages"])
QUEUE_READERS = page_role(*access.QUEUE_READERS)
WATCHERS = page_role(*access.WATCHERS)
COLUMNS = [("kind", "类型"), ("record_id", "记录"), ("subject_name", "主体"),
           ("body_code", "机关代码"), ("region_name", "地区"), ("region_code", "地区代码"),
           ("due", "截止日期"), ("working_days_left", "剩余工作日"), ("overdue", "已逾期"),
           ("urged", "已催办"), ("escalated", "已上报"), ("note", "说明")]
# What a reviewer can do about each kind of platform deadline.
ACTIONS = {
    DeadlineKind.OBJECTION_MARK: ["mark"],
    DeadlineKind.OBJECTION_ACCEPTANCE: ["accept", "reject"],
    DeadlineKind.OBJECTION_FORWARDING: ["forward"],
    DeadlineKind.REPAIR_FORWARDING: ["forward_repair"],
}
KINDS = {k.value for k in DeadlineKind}
QUEUE_STEPS = {name: lifecycle.PAGE_STEPS[name] for names in ACTIONS.values() for name in names}
# Separation of duties: an administrator may look at the queue, only a reviewer acts on it.
REVIEWERS = page_role(*set.intersection(*(set(s.roles) for s in QUEUE_STEPS.values())))
PER_PAGE = 50
"""Queue tasks and board rows on one page; a list holds at most ``MAX_OFFSET`` rows."""


def _page(rows: list[Any], asked: str | None, filters: dict[str, Any]) -> (
    tuple[list[Any], dict[str, Any]]
):
    """The rows of the page asked for (past the end, the last one) and the pager's context."""
    pages = page_count(len(rows), PER_PAGE)
    page = min(page_number(asked), pages)
    return rows[(page - 1) * PER_PAGE:page * PER_PAGE], {
        "page": page, "pages": pages, "pager": pager(page, pages, filters)}


@router.get("/review", response_class=Response)
def review_queue(request: Request, services: ServicesDep,
                 account: Annotated[Account, QUEUE_READERS],
                 format: ExportFormat = None,
                 page: str | None = None) -> Response:
    """The reviewer's queue: every deadline the credit platform itself must meet."""
    rows = reads.open_deadlines(services, party="platform", limit=MAX_OFFSET)
    if format:
        return export(_named(services, rows, language(request)), COLUMNS, format,
                      "review-queue", lang=language(request),
                      capped_at=MAX_OFFSET if len(rows) >= MAX_OFFSET else None)
    shown, paging = _page(rows, page, {})
    read: dict[UUID, tuple[CreditRecord, list[DomainEvent]]] = {}
    tasks = []
    for d in with_notes(shown, language(request)):
        if d.record_id not in read:
            read[d.record_id] = read_record(services.ledger, d.record_id)
        tasks.append(_task(d, *read[d.record_id]))
    return render(request, "review.html", {
        "tasks": tasks, "message": "已记录。" if "done" in request.query_params else None,
        **paging,
    }, account=account)


def _task(deadline: OpenDeadline, record: CreditRecord, events: list[DomainEvent]) -> (
    dict[str, Any]
):
    """A queue task with what the reviewer decides on: whose record, which decision, what the
    subject sent (an objection's grounds, a review's, a repair's commitment), the facts."""
    number, content = DeadlineKey.parse(deadline.key).number, record.content
    kind = deadline.kind
    what = ("sent_review" if kind == DeadlineKind.REVIEW_DECISION
            else "sent_commitment" if kind.startswith("repair_")
            else "sent_objection" if kind.startswith("objection_") else None)
    return {**deadline.model_dump(), "number": number,
            "actions": ACTIONS.get(DeadlineKind(kind), []) if kind in KINDS else [],
            "subject_name": content.subject_name, "document_number": content.document_number,
            "source_name": content.source.name, "facts": content.facts,
            "category": content.category.value, "severity": content.severity.value,
            "what": what, "text": sent(events, what, number) if what else None}


@router.get("/review/records/{record_id}", response_class=Response)
def review_record(request: Request, record_id: UUID, services: ServicesDep,
                  account: Annotated[Account, QUEUE_READERS]) -> Response:
    """A record as the reviewer weighs it: its content, what the subject sent, each step."""
    record, events = read_record(services.ledger, record_id)
    return render(request, "review_record.html", {
        "record": record, "standing": standing(record, events, language(request)),
    }, account=account)


@router.post("/review/records/{record_id}/{action}")
def review_action(request: Request, record_id: UUID, action: str, services: ServicesDep,
                  account: Annotated[Account, REVIEWERS],
                  number: Annotated[int, Form(ge=1)], csrf: Annotated[str, Form()],
                  reasons: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Take a queue step: mark, accept, reject or forward an objection; forward a repair."""
    check_csrf(request, csrf)
    step = QUEUE_STEPS.get(action)
    if step is None:
        raise HTTPException(404, detail=f"no queue step {action!r}")
    source = services.ledger.record(record_id).content.source
    offered = {"record_id": record_id, "number": number, "reasons": reasons or "理由不足",
               "to": c.Authority(name=source.name, code=source.code)}
    services.ledger.execute(step.command.model_validate(
        {name: value for name, value in offered.items() if name in step.command.model_fields}),
        account.actor())
    return done("/review")


@router.get("/deadlines", response_class=Response)
def deadline_board(
    request: Request, services: ServicesDep, account: Annotated[Account, WATCHERS],
    regions: RegionsDep, region: str | None = None, kind: str | None = None,
    within: str | None = None, overdue: str | None = None,
    picture: Literal["due", "overdue"] = "due",
    format: Annotated[str | None, Query(pattern="^(csv|xlsx|svg)$")] = None,
    page: str | None = None,
) -> Response:
    """Open, near and overdue deadlines across the province, filtered like the operator needs.

    A region keeps its own deadlines and those of every region that reports to it.
    """
    form = FilterForm(language(request), labels={"within": "within_days"})
    region_code, kind_code = form.region("region", region, regions), form.choice(
        "kind", kind, (k.value for k in DeadlineKind))
    days, late = form.number("within", within, low=0, high=365), form.flag("overdue", overdue)
    context: dict[str, Any] = {
        "regions": region_tree(regions), "region": region_code,
        "kinds": [k.value for k in DeadlineKind], "kind": kind_code, "within": days,
        "overdue": late, "form": form.typed, "errors": form.errors}
    if form.errors:
        return render(request, "deadlines.html", {**context, "rows": []}, account=account,
                      status=422)
    due_before, lang = reads.due_before(services, days), language(request)
    rows = reads.open_deadlines(services, region=region_code, kind=kind_code,
                                due_before=due_before, overdue=True if late else None,
                                limit=MAX_OFFSET, regions=regions)
    load = reads.deadline_load(services, region=region_code, kind=kind_code, regions=regions)
    pictures = _pictures(load, lang)
    if format == "svg":
        return charts.download(pictures[picture], f"deadlines-{picture}")
    if format:
        return export(_named(services, rows, lang), COLUMNS, format, "deadlines",
                      lang=language(request),
                      capped_at=MAX_OFFSET if len(rows) >= MAX_OFFSET else None)
    filters = {k: v for k, v in {"region": region_code, "kind": kind_code, "within": days,
                                 "overdue": "true" if late else None}.items()
               if v is not None}
    rows, paging = _page(rows, page, filters)
    named = _named(services, rows, lang)
    temporal = Temporal(services.temporal_ui, services.temporal_namespace)
    return render(request, "deadlines.html", {
        **context, "rows": [{**row, "temporal": temporal.workflow(d)}
                            for d, row in zip(rows, named, strict=True)],
        "query": urlencode(filters),
        "temporal_list": temporal.deadlines(
            region=region_code, kind=kind_code, due_before=due_before,
            overdue_at=services.ledger.clock() if late else None, regions=regions),
        "load": load, "pictures": pictures, **paging,
    }, account=account)


def _pictures(load: reads.Load, lang: str) -> dict[str, str]:
    """The board's pictures of its load, under its region and kind filters (not its others)."""
    return {
        "due": charts.columns(label("due_per_working_day", lang), [
            charts.Bar(f"{d.month}/{d.day}", n) for d, n in load.due]),
        "overdue": charts.bars(label("overdue_by_kind", lang), [
            charts.Bar(label(k, lang), n, warned=True) for k, n in load.overdue]),
    }


def _named(services: ServicesDep, rows: list[OpenDeadline], lang: str) -> list[dict[str, Any]]:
    """Deadlines with their subject's and region's names beside the codes (a civil servant by
    masked ID and body), a waiting one with its note in ``lang``."""
    with services.views() as conn:
        names = subjects.subject_names(conn, sorted({d.body_code for d in rows}
                                                   | {d.party for d in rows}))
    found = []
    for d in with_notes(rows, lang):
        body = names.get(d.body_code, {}).get("name") or d.body_code
        subject = body
        if d.subject_type == "civil_servant":
            person = names.get(d.party, {}).get("masked_id")
            who = label("civil_servant", lang) + (f" {person}" if person else "")
            subject = f"{who} ({body})" if lang == "en" else f"{who}（{body}）"
        found.append({**d.model_dump(), "subject_name": subject,
                      "region_name": region_name(d.region_code, lang)})
    return found


class Temporal:
    """Links into the Temporal web UI: one deadline's workflow, or the board's filter as a
    visibility query over the deadlines' search attributes."""

    def __init__(self, ui: str, namespace: str) -> None:
        self.base = f"{ui.rstrip('/')}/namespaces/{quote(namespace, safe='')}/workflows"

    def workflow(self, deadline: OpenDeadline) -> str:
        return f"{self.base}/{quote(workflow_id(deadline.record_id, deadline.key), safe='')}"

    def deadlines(self, *, region: str | None, kind: str | None, due_before: date | None,
                  overdue_at: datetime | None, regions: RegionTable) -> str:
        query = deadlines_query(kind=kind, due_before=due_before, overdue_at=overdue_at)
        if region is not None and regions.current(region, field="region").code != PROVINCE:
            # The attribute holds the code the record was filed with, so list every code,
            # old ones included, that rolls up to the region.
            codes = ", ".join(f"'{code}'" for code in regions.under(region, field="region"))
            query += f" AND {REGION_CODE.name} IN ({codes})"
        return f"{self.base}?{urlencode({'query': query}, quote_via=quote)}"
