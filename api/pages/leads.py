"""A department's lead inbox: the leads sent to it, each with its origin, reference number,
body concerned and verification due date; the four answers (unfounded, a record filed, a
commitment breached, handed over); and the import of leads from a CSV or xlsx file.

A department reaches only the leads sent to it; any other is answered 404, exactly like one
that does not exist.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.auth import Account
from api.deps import Services, ServicesDep
from api.errors import status_of
from api.exports import EXPORT_CAP, export_capped
from api.i18n import translator
from api.pages import Department, ExportFormat, check_csrf, language, render
from api.pages.department import organisation_name
from api.pages.forms import PER_PAGE, FilterForm, page_count, page_number, pager
from api.pages.register_forms import (
    CATEGORIES,
    SEVERITIES,
    AnswerFields,
    filing_of,
    refused,
    step_answered,
)
from api.uploads import CSV_XLSX, rows_report, saved, suffix_of
from api.visibility import responsible_for
from ledger import errors as e
from ledger import register_commands as rc
from ledger.bulk.leads import import_leads
from ledger.bulk.records import RowResult
from ledger.lead_events import VERIFICATION, LeadOrigin
from ledger.values import Organisation
from projections import commitments as cr
from projections import leads as lr

router = APIRouter(tags=["pages"])
ORIGINS = [o.value for o in LeadOrigin]
COLUMNS = [("origin", "origin"), ("reference", "reference"), ("received_on", "received_on"),
           ("summary", "summary"), ("body_name", "body_concerned"), ("body_code", "body_code"),
           ("due", "verification_due"), ("outcome", "lead_outcome"), ("answered_on", "answered_on"),
           ("reasons", "reasons")]


@router.get("/department/leads", response_class=Response)
def inbox(request: Request, services: ServicesDep, account: Department,
          origin: str | None = None, open_only: str | None = None, page: str | None = None,
          format: ExportFormat = None) -> Response:
    """The leads sent to the department, open ones due soonest first."""
    return _inbox(request, services, account, origin, open_only, page, format)


def _inbox(request: Request, services: Services, account: Account, origin: str | None = None,
           open_only: str | None = None, page: str | None = None, fmt: str | None = None,
           report: dict[str, Any] | None = None, problems: list[str] | None = None,
           status: int = 200) -> Response:
    lang = language(request)
    form = FilterForm(lang)
    filters: dict[str, Any] = {"origin": form.choice("origin", origin, ORIGINS),
                               "open_only": form.flag("open_only", open_only)}
    scope = {"department": account.subject or "", **filters}
    if fmt and not form.errors:
        t = translator(lang)
        with services.views() as conn:
            rows = lr.leads(conn, **scope, limit=EXPORT_CAP + 1)
        shown = [{**r, "origin": t(r["origin"]), "outcome": t(r["outcome"] or "open")}
                 for r in rows]
        return export_capped(shown, [(k, t(text)) for k, text in COLUMNS], fmt, "leads",
                             lang=lang)
    kept = {k: ("true" if v is True else v) for k, v in filters.items() if v}
    with services.views() as conn:
        total = 0 if form.errors else lr.count_leads(conn, **scope)
        pages = page_count(min(total, EXPORT_CAP))
        at = min(page_number(page), pages)  # past the end, the last page
        items = [] if form.errors else lr.leads(conn, **scope, limit=PER_PAGE,
                                                offset=(at - 1) * PER_PAGE)
    return render(request, "leads.html", {
        **filters, "form": form.typed, "errors": form.errors, "origins": ORIGINS,
        "items": items, "total": total, "page": at,
        "pages": pages, "pager": pager(at, pages, kept), "query": urlencode(kept),
        "report": report, "problems": problems or [],
    }, account=account, status=422 if form.errors else status)


@router.get("/department/leads/{lead_id}", response_class=Response)
def lead_page(request: Request, lead_id: UUID, services: ServicesDep,
              account: Department) -> Response:
    """One lead, how it ended, and the forms to answer it while it is open."""
    return _lead_page(request, services, account, lead_id)


def _lead_page(request: Request, services: Services, account: Account, lead_id: UUID, *,
               failed: str | None = None, problems: list[str] | None = None,
               typed: dict[str, str] | None = None, status: int = 200) -> Response:
    lead = responsible_for(account, services.ledger.lead(lead_id))
    deadline = lead.deadlines.get(VERIFICATION)
    with services.views() as conn:
        promised = [c for c in cr.commitments(conn, department=account.subject or "",
                                              maker=lead.body.code)
                    if c["state"] in ("open", "overdue")]
        shown = lr.lead(conn, lead_id)
    # An answered lead's deadline is closed in the ledger; the view keeps its due date.
    due = deadline.due if deadline else (shown or {}).get("due")
    filed = services.ledger.record(lead.record_id).content if lead.record_id else None
    return render(request, "lead.html", {
        "lead": lead, "due": due, "commitments": promised,
        "record_number": filed.document_number if filed else None,
        "categories": CATEGORIES, "severities": SEVERITIES, "failed": failed,
        "problems": problems or [], "typed": typed or {},
        "done": request.query_params.get("done"),
    }, account=account, status=status)


Fields = Annotated[AnswerFields, Form()]


def _answer(request: Request, services: Services, account: Account, lead_id: UUID,
            fields: AnswerFields, form_id: str, command: type[rc.LeadStep],
            **given: Any) -> Response:
    """Answer the lead from a form with ``command`` and what the form gave: done and back on
    the lead, or refused there with what was typed kept."""
    return step_answered(request, services, account, fields, command, lead_id, given,
                         done=f"/department/leads/{lead_id}?done={form_id}",
                         again=partial(_lead_page, request, services, account, lead_id,
                                       failed=form_id), refusals=(e.NotFoundError,))


@router.post("/department/leads/{lead_id}/unfounded")
def unfounded(request: Request, lead_id: UUID, services: ServicesDep, account: Department,
              fields: Fields) -> Response:
    """Answer the lead as unfounded, with the reasons."""
    return _answer(request, services, account, lead_id, fields, "unfounded",
                   rc.FindLeadUnfounded, reasons=fields.reasons.strip())


@router.post("/department/leads/{lead_id}/record")
def file_record(request: Request, lead_id: UUID, services: ServicesDep, account: Department,
                fields: Fields) -> Response:
    """File a record on the lead's body; the lead and the record name each other."""
    return _answer(request, services, account, lead_id, fields, "record", rc.FileRecordOnLead,
                   filing=filing_of(fields))


@router.post("/department/leads/{lead_id}/breach")
def breach(request: Request, lead_id: UUID, services: ServicesDep, account: Department,
           fields: Fields) -> Response:
    """The lead shows a commitment broken: find the breach and file its record."""
    return _answer(request, services, account, lead_id, fields, "breach", rc.FindBreachOnLead,
                   commitment_id=fields.commitment_id.strip() or None,
                   finding=fields.finding.strip(), filing=filing_of(fields))


@router.post("/department/leads/{lead_id}/handover")
def hand_over(request: Request, lead_id: UUID, services: ServicesDep, account: Department,
              fields: Fields) -> Response:
    """Hand the lead to the department responsible; its own verification period starts."""
    return _answer(request, services, account, lead_id, fields, "handover", rc.HandOverLead,
                   reasons=fields.reasons.strip(),
                   to={"name": fields.to_name.strip(), "code": fields.to_code.strip()})


@router.post("/department/leads/import", response_class=Response)
def import_file(request: Request, services: ServicesDep, account: Department,
                file: Annotated[UploadFile | None, File()] = None,
                csrf: Annotated[str, Form()] = "") -> Response:
    """Take in every row of an uploaded CSV or xlsx file as a lead sent to the department."""
    check_csrf(request, csrf)
    t = translator(language(request))
    suffix = suffix_of(file, CSV_XLSX)
    if file is None or suffix is None:
        return _inbox(request, services, account, problems=[t("choose_leads_file")],
                      status=422)
    code = account.subject or ""
    department = Organisation(name=organisation_name(services, code) or code, code=code)
    results: list[RowResult] = []
    failure: e.LedgerError | None = None
    with saved(file, suffix, "ledger-leads-") as path:
        try:
            results = list(import_leads(services.ledger, path, department, account.actor()))
        except e.LedgerError as error:
            failure = error
    return _inbox(request, services, account, report=rows_report(results),
                  problems=refused(failure, language(request)) if failure else None,
                  status=status_of(failure) if failure else 200)
