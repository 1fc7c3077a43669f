"""A source department's workspace: the matters forwarded to it, the rectifications it must
verify, its records, and on each record the steps it may take (decide, verify, withdraw,
correct). Filing and importing are in ``api.pages.department_filing``.

A department account is bound to one organisation (``account.subject``, its credit code). It
sees the records it filed and those with an objection or repair forwarded to it; any other
record is answered 404, exactly like one that does not exist. The ledger checks every step
again (``Ledger._step``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import pydantic
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Account
from api.deps import Services, ServicesDep
from api.errors import status_of
from api.exports import export
from api.i18n import translator, waiting_note
from api.pages import Department, ExportFormat, check_csrf, language, region_tree, render
from api.pages.filing import (
    CHANGEABLE,
    StepFields,
    changes_data,
    placed,
    refusal,
    refusals,
)
from api.pages.forms import PER_PAGE, FilterForm, page_count, page_number, pager
from api.pages.matters import read_record, sent, standing
from api.reads import RegionsDep
from api.routes.records import MAX_OFFSET
from ledger import access
from ledger import commands as c
from ledger import errors as e
from ledger.deadline_keys import DeadlineKey
from ledger.events import DomainEvent
from ledger.record import CreditRecord
from ledger.values import (
    Category,
    DeadlineKind,
    Domain,
    Objection,
    ObjectionOutcome,
    RecordStatus,
    Repair,
    Severity,
    StepStatus,
)
from projections import deadlines, dishonesty, queries, records
from projections import leads as lr
from projections.dishonesty import SeriousDishonesty
from projections.results import OpenDeadline, RecordPage

router = APIRouter(tags=["pages"])
SCANNED = 1_000
"""In-force records looked through for rectifications reported complete."""
MATTERS_SHOWN = 50
"""Forwarded matters listed, soonest due first: each reads its record whole."""
COLUMNS = [("document_number", "决定文号"), ("subject_name", "主体名称"),
           ("subject_code", "主体代码"), ("category", "类别"), ("domain", "领域"),
           ("severity", "失信程度"), ("decision_date", "决定日期"), ("status", "状态"),
           ("publicity_starts", "公示开始"), ("publicity_max_end", "公示截止"),
           ("under_objection", "异议处理中"), ("under_reconsideration", "复议或诉讼中"),
           ("record_id", "记录编号")]
CHOICES = {"categories": [v.value for v in Category], "domains": [v.value for v in Domain],
           "severities": [v.value for v in Severity], "statuses": [v.value for v in RecordStatus],
           "outcomes": [v.value for v in ObjectionOutcome], "changeable": CHANGEABLE}


@router.get("/department", response_class=Response)
def workspace(
    request: Request, services: ServicesDep, account: Department, regions: RegionsDep,
    region: str | None = None, status: str | None = None, category: str | None = None,
    severity: str | None = None, page: str | None = None,
    format: ExportFormat = None,
) -> Response:
    """A department's workspace: what it must decide, rectifications to verify, its records."""
    code, lang = account.subject or "", language(request)
    form = FilterForm(lang)
    filters: dict[str, Any] = {
        "region": form.region("region", region, regions),
        "status": form.choice("status", status, CHOICES["statuses"]),
        "category": form.choice("category", category, CHOICES["categories"]),
        "severity": form.choice("severity", severity, CHOICES["severities"])}
    shown = {k: v for k, v in filters.items() if v}
    if format and not form.errors:
        with services.views() as conn:
            rows = _all_records(conn, code, filters)
        return export(rows, COLUMNS, format, "department-records", lang=lang,
                      capped_at=len(rows) if len(rows) >= MAX_OFFSET else None)
    with services.views() as conn:
        matters = forwarded(services, conn, code, lang)
        checks = to_verify(services, conn, code)
        result = None if form.errors else _records(conn, code, filters, page_number(page))
    pages = page_count(result.total) if result else 1
    return render(request, "department.html", {
        **CHOICES, **filters, "form": form.typed, "errors": form.errors,
        "regions": region_tree(regions), "organisation": organisation_name(services, code),
        "code": code,
        "matters": matters, "more_matters": len(matters) >= MATTERS_SHOWN, "checks": checks,
        "result": result, "pages": pages,
        "page": result.page if result else 1, "query": urlencode(shown),
        "pager": pager(result.page, pages, shown) if result else [],
    }, account=account, status=422 if form.errors else 200)


def _records(conn: queries.Conn, code: str, filters: dict[str, Any], asked: int) -> RecordPage:
    """The page asked for or, past the end, the last one."""
    last_readable = MAX_OFFSET // PER_PAGE
    result = records.record_list(conn, **filters, source_code=code,
                                 page=min(asked, last_readable), per_page=PER_PAGE)
    last = min(page_count(result.total), last_readable)
    if result.page > last:
        result = records.record_list(conn, **filters, source_code=code, page=last,
                                     per_page=PER_PAGE)
    return result


def _all_records(conn: queries.Conn, code: str, filters: dict[str, Any]) -> (
    list[dict[str, Any]]
):
    """Every record matching the filters, up to ``MAX_OFFSET``, for an export."""
    rows: list[dict[str, Any]] = []
    per_page = queries.MAX_PER_PAGE
    for page in range(1, MAX_OFFSET // per_page + 1):
        found = records.record_list(conn, **filters, source_code=code, page=page,
                                    per_page=per_page)
        rows += [item.model_dump() for item in found.items]
        if page * per_page >= found.total:
            break
    return rows


def organisation_name(services: Services, code: str) -> str | None:
    """The department's name as its latest filing gives it, or as registered as a body."""
    with services.views() as conn:
        latest = records.record_list(conn, source_code=code, per_page=1).items
    if latest:
        return services.ledger.record(latest[0].record_id).content.source.name
    try:
        return services.ledger.body(code).name
    except e.SubjectNotFoundError:
        return None


# -- what the department must decide or verify ---------------------------------------------------


def forwarded(services: Services, conn: queries.Conn, code: str, lang: str) -> (
    list[dict[str, Any]]
):
    """The objections and repair applications forwarded to the department and not yet decided,
    soonest due first, each with its record and what the subject sent."""
    calendar, today = services.ledger.settings().calendar(), services.today()
    found = []
    for kind in (DeadlineKind.OBJECTION_DECISION, DeadlineKind.REPAIR_DECISION):
        for deadline in deadlines.open_deadlines(conn, kind=kind.value, party=code, today=today,
                                               calendar=calendar, limit=MATTERS_SHOWN):
            record, events = read_record(services.ledger, deadline.record_id)
            matter = _matter(record, events, deadline, code, lang)
            if matter is not None:
                found.append(matter)
    return sorted(found, key=lambda m: (m["due"] is None, str(m["due"])))[:MATTERS_SHOWN]


def _matter(record: CreditRecord, events: list[DomainEvent], deadline: OpenDeadline,
            code: str, lang: str) -> dict[str, Any] | None:
    """One forwarded matter, or ``None`` when the ledger shows it decided already (the views
    follow the ledger a moment later)."""
    key = DeadlineKey.parse(deadline.key)
    objection, number = deadline.kind == DeadlineKind.OBJECTION_DECISION, key.number
    matters = record.objections if objection else record.repairs
    pending = None if number is None else matters.get(number)
    if pending is None or pending.status is not StepStatus.FORWARDED or (
            pending.forwarded_to != code):
        return None
    what = "sent_objection" if objection else "sent_commitment"
    return {**_summary(record), "matter": "objection" if objection else "repair",
            "number": number, "what": what, "text": sent(events, what, number),
            "due": deadline.due, "left": deadline.working_days_left,
            "overdue": deadline.overdue, "form_id": f"decide-{key.matter}",
            "note": None if deadline.due is not None else waiting_note(
                deadline.starts_on, deadline.length, deadline.unit, deadline.awaiting, lang)}


def _summary(record: CreditRecord) -> dict[str, Any]:
    content = record.content
    return {"record_id": record.id, "document_number": content.document_number,
            "subject_name": content.subject_name, "subject_type": content.subject_type.value,
            "facts": content.facts, "category": content.category.value,
            "severity": content.severity.value}


def to_verify(services: Services, conn: queries.Conn, code: str) -> list[dict[str, Any]]:
    """The department's records whose rectification the subject reported complete."""
    found = []
    per_page = queries.MAX_PER_PAGE
    for page in range(1, SCANNED // per_page + 1):
        result = records.record_list(conn, source_code=code, status="in_force", page=page,
                                     per_page=per_page)
        for item in result.items:
            if "rectification" in item.open_deadlines:
                record, events = read_record(services.ledger, item.record_id)
                if record.rectification is StepStatus.COMPLETION_REPORTED:
                    found.append({**_summary(record), "due": record.deadlines[
                        "rectification"].due, "report": sent(events, "sent_report", None),
                        "plan": sent(events, "sent_plan", None)})
        if page * per_page >= result.total:
            break
    return found


# -- one record, and the steps the department takes on it ----------------------------------------


def _readable_record(services: Services, record_id: UUID, account: Account) -> (
    tuple[CreditRecord, list[DomainEvent]]
):
    record, events = read_record(services.ledger, record_id)
    if not access.may_read(account.actor(), record):
        raise e.RecordNotFoundError("no record with this id", field="record_id")
    return record, events


@router.get("/department/records/{record_id}", response_class=Response)
def department_record(request: Request, record_id: UUID, services: ServicesDep,
                      account: Department) -> Response:
    """One of the department's records: its content, where it stands, and its steps."""
    return _record_page(request, services, account, record_id)


def _record_page(request: Request, services: Services, account: Account, record_id: UUID, *,
                 failed: str | None = None, typed: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    code, lang = account.subject or "", language(request)
    record, events = _readable_record(services, record_id, account)
    t = translator(lang)
    me = {code: t("our_department")}
    own = record.content.source.code == code
    revoked = "revocation" in record.deadlines
    return render(request, "department_record.html", {
        **CHOICES, "record": record, "content": record.content, "own": own,
        "standing": standing(record, events, lang, me),
        "matters": _to_decide(record, events, code),
        "verify": own and record.rectification is StepStatus.COMPLETION_REPORTED,
        "report": sent(events, "sent_report", None), "plan": sent(events, "sent_plan", None),
        "may_withdraw": own and (record.is_active or revoked),
        "may_correct": own and record.is_active,
        "done": request.query_params.get("done"), "failed": failed, "typed": typed or {},
        "errors": errors or {}, "dishonesty": subject_flag(services, record.content.subject_id),
        "origin": origin_of(services, record.id),
    }, account=account, status=status)


def origin_of(services: Services, record_id: UUID) -> dict[str, Any] | None:
    """The lead or commitment the record was filed on: the lead's or commitment's own event
    names the record, and the record page reads that link back from the views."""
    if services.database_url is None:
        return None
    with services.views() as conn:
        return lr.origin_of_record(conn, record_id)


def subject_flag(services: Services, subject_id: UUID) -> SeriousDishonesty | None:
    """The subject's seriously dishonest flag today, for 取消资格 and 从严考核."""
    if services.database_url is None:  # no views to derive it from
        return None
    today = services.today()
    rules = services.ledger.settings().rule_book().in_force(today)
    with services.views() as conn:
        return dishonesty.flag(conn, rules, subject_id, today)


def _to_decide(record: CreditRecord, events: list[DomainEvent], code: str) -> (
    list[dict[str, Any]]
):
    """The record's objections and repair applications the department is to decide now."""
    found = []
    matters: list[tuple[str, str, Objection | Repair]] = [
        *(("objection", "sent_objection", o) for o in record.objections.values()),
        *(("repair", "sent_commitment", r) for r in record.repairs.values())]
    for matter, what, pending in matters:
        if pending.status is StepStatus.FORWARDED and pending.forwarded_to == code:
            found.append({"matter": matter, "number": pending.number, "what": what,
                          "text": sent(events, what, pending.number)})
    return found


Fields = Annotated[StepFields, Form()]


def _step(request: Request, services: Services, account: Account, record_id: UUID,
          fields: StepFields, form_id: str, command: Callable[[], c.RecordStep]) -> Response:
    """Take a step from a form: validated as the API validates it, refused next to its field
    with what was typed kept, or done and back on the record with a confirmation."""
    check_csrf(request, fields.csrf)
    _readable_record(services, record_id, account)
    lang = language(request)
    typed = fields.model_dump(exclude={"csrf"})
    try:
        services.ledger.execute(command(), account.actor())
    except pydantic.ValidationError as error:
        return _record_page(request, services, account, record_id, failed=form_id, typed=typed,
                            errors=placed(refusals(error, lang), StepFields),
                            status=422)
    except (e.ValidationError, e.LifecycleError, e.ConflictError) as error:
        return _record_page(request, services, account, record_id, failed=form_id, typed=typed,
                            errors=placed(refusal(error, lang), StepFields),
                            status=status_of(error))
    return RedirectResponse(f"/department/records/{record_id}?done={form_id}#steps",
                            status_code=303)


@router.post("/department/records/{record_id}/objections/{number}/decision")
def decide_objection(request: Request, record_id: UUID, number: int, services: ServicesDep,
                     account: Department, fields: Fields) -> Response:
    """Decide an objection forwarded to the department; a correction names the changed
    fields."""
    return _step(request, services, account, record_id, fields, f"decide-objection-{number}",
                 lambda: c.DecideObjection.model_validate({
                     "record_id": record_id, "number": number, "outcome": fields.outcome or None,
                     "reasons": fields.reasons, "changes": changes_data(fields)}))


@router.post("/department/records/{record_id}/repairs/{number}/decision")
def decide_repair(request: Request, record_id: UUID, number: int, services: ServicesDep,
                  account: Department, fields: Fields) -> Response:
    """Approve or refuse a credit repair application forwarded to the department."""
    return _step(request, services, account, record_id, fields, f"decide-repair-{number}",
                 lambda: c.DecideRepair.model_validate({
                     "record_id": record_id, "number": number,
                     "approved": fields.approved or None, "reasons": fields.reasons}))


@router.post("/department/records/{record_id}/rectification/verification")
def verify_rectification(request: Request, record_id: UUID, services: ServicesDep,
                         account: Department, fields: Fields) -> Response:
    """Confirm that the subject's rectification is complete."""
    return _step(request, services, account, record_id, fields, "verify",
                 lambda: c.VerifyRectification(record_id=record_id))


@router.post("/department/records/{record_id}/rectification/rejection")
def reject_rectification(request: Request, record_id: UUID, services: ServicesDep,
                         account: Department, fields: Fields) -> Response:
    """Refuse a completion report: rectification goes on to its due date."""
    return _step(request, services, account, record_id, fields, "verify",
                 lambda: c.RejectRectification(record_id=record_id, reasons=fields.reasons))


@router.post("/department/records/{record_id}/withdrawal")
def withdraw_record(request: Request, record_id: UUID, services: ServicesDep,
                    account: Department, fields: Fields) -> Response:
    """Withdraw a record the department filed, with the reasons."""
    return _step(request, services, account, record_id, fields, "withdraw",
                 lambda: c.WithdrawRecord(record_id=record_id, reasons=fields.reasons))


@router.post("/department/records/{record_id}/correction")
def correct_record(request: Request, record_id: UUID, services: ServicesDep,
                   account: Department, fields: Fields) -> Response:
    """Correct named fields of a record the department filed, with the reasons."""
    return _step(request, services, account, record_id, fields, "correct",
                 lambda: c.CorrectRecord.model_validate({
                     "record_id": record_id, "changes": changes_data(fields) or {},
                     "reasons": fields.reasons}))
