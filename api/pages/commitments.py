"""The commitment register's pages: the public commitments (no sign-in), an official's body's
commitments, and a department's commitments with the forms that end them.

The public page shows what the public API shows (``api.routes.commitments.PUBLIC_FIELDS``):
bodies' commitments only, never who in a department handled them.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api import reads
from api.auth import Account
from api.deps import Services, ServicesDep, optional_account
from api.exports import EXPORT_CAP, export_capped
from api.i18n import translator
from api.pages import Department, ExportFormat, language, page_role, render
from api.pages.forms import PER_PAGE, FilterForm, page_count, page_number, pager
from api.pages.public import region_choices
from api.pages.register_forms import (
    CATEGORIES,
    SEVERITIES,
    AnswerFields,
    filing_of,
    step_answered,
)
from api.routes.commitments import PUBLIC_FIELDS
from ledger import register_commands as rc
from ledger.commitment_events import CommitmentKind, CommitmentState
from ledger.events import Role
from projections import commitments as cr

router = APIRouter(tags=["pages"])
Official = Annotated[Account, page_role(Role.SUBJECT_OFFICIAL)]
KINDS = [k.value for k in CommitmentKind]
STATES = [s.value for s in CommitmentState]
COLUMNS = [("maker_name", "maker"), ("maker_code", "maker_code"), ("kind", "commitment_kind"),
           ("content", "content"), ("source_document", "source_document"),
           ("made_to", "made_to"), ("made_on", "made_on"), ("due", "due"),
           ("recurring", "recurring"), ("state", "commitment_state"), ("closed_on", "closed_on")]
ENDED = ("fulfilled", "breached", "released")


def _filters(request: Request, services: Services, region: str | None, kind: str | None,
             state: str | None) -> tuple[FilterForm, dict[str, Any]]:
    form = FilterForm(language(request), labels={"kind": "commitment_kind",
                                                 "state": "commitment_state"})
    return form, {"region": form.region("region", region, reads.region_table(services)),
                  "kind": form.choice("kind", kind, KINDS),
                  "state": form.choice("state", state, STATES)}


def _read(services: Services, filters: dict[str, Any], *, limit: int = EXPORT_CAP + 1,
          offset: int = 0, **scope: Any) -> list[dict[str, Any]]:
    """The commitments in the scope matching the filters: a page, or as far as an export
    goes."""
    with services.views() as conn:
        return cr.commitments(conn, **filters, **scope, limit=limit, offset=offset)


def _public(services: Services, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> (
    list[dict[str, Any]]
):
    """The public's fields, linking a breach record only where the public may see it."""
    with services.views() as conn:
        return cr.public_commitments(conn, rows, fields, services.today())


def _count(services: Services, filters: dict[str, Any], **scope: Any) -> int:
    with services.views() as conn:
        return cr.count_commitments(conn, **filters, **scope)


def _export(rows: list[dict[str, Any]], fmt: str, name: str, lang: str) -> Response:
    t = translator(lang)
    shown = [{**row, "kind": t(row["kind"]), "state": t(row["state"])} for row in rows]
    return export_capped(shown, [(key, t(text)) for key, text in COLUMNS], fmt, name, lang=lang)


def _listing(request: Request, template: str, services: Services, form: FilterForm,
             filters: dict[str, Any], page: str | None, account: Account | None,
             scope: dict[str, Any], fields: tuple[str, ...] | None = None,
             **extra: Any) -> Response:
    """One page of the list (past the end, the last), read with its total."""
    shown = {k: v for k, v in filters.items() if v}
    total = 0 if form.errors else _count(services, filters, **scope)
    pages = page_count(min(total, EXPORT_CAP))
    at = min(page_number(page), pages)
    rows = [] if form.errors else _read(services, filters, limit=PER_PAGE,
                                        offset=(at - 1) * PER_PAGE, **scope)
    if fields is not None:
        rows = _public(services, rows, fields)
    return render(request, template, {
        **filters, **extra, "form": form.typed, "errors": form.errors, "kinds": KINDS,
        "states": STATES, "regions": region_choices(reads.region_table(services)),
        "query": urlencode(shown),
        "items": rows, "total": total, "page": at, "pages": pages,
        "pager": pager(at, pages, shown),
    }, account=account, status=422 if form.errors else 200)


@router.get("/commitments", response_class=Response)
def public_commitments(request: Request, services: ServicesDep, region: str | None = None,
                       kind: str | None = None, state: str | None = None,
                       page: str | None = None, format: ExportFormat = None) -> Response:
    """Government bodies' public commitments and whether each was kept."""
    form, filters = _filters(request, services, region, kind, state)
    scope: dict[str, Any] = {"public_only": True}
    if format and not form.errors:
        rows = _public(services, _read(services, filters, **scope), PUBLIC_FIELDS)
        return _export(rows, format, "commitments", language(request))
    return _listing(request, "commitments_public.html", services, form, filters, page,
                    optional_account(request), scope, fields=PUBLIC_FIELDS)


@router.get("/subject/commitments", response_class=Response)
def official_commitments(request: Request, services: ServicesDep, account: Official,
                         region: str | None = None, kind: str | None = None,
                         state: str | None = None, page: str | None = None,
                         format: ExportFormat = None) -> Response:
    """The commitments the official's body made, with their state and due dates."""
    form, filters = _filters(request, services, region, kind, state)
    scope: dict[str, Any] = {"maker": account.subject or ""}
    if format and not form.errors:
        return _export(_read(services, filters, **scope), format, "our-commitments",
                       language(request))
    return _listing(request, "commitments.html", services, form, filters, page, account,
                    scope, heading="our_commitments")


@router.get("/department/commitments", response_class=Response)
def department_commitments(request: Request, services: ServicesDep, account: Department,
                           region: str | None = None, kind: str | None = None,
                           state: str | None = None, page: str | None = None,
                           format: ExportFormat = None) -> Response:
    """The commitments the department is responsible for, with the forms that end them."""
    return _department_page(request, services, account, region, kind, state, page, format)


def _department_page(request: Request, services: Services, account: Account,
                     region: str | None = None, kind: str | None = None,
                     state: str | None = None, page: str | None = None,
                     fmt: str | None = None, failed: str | None = None,
                     problems: list[str] | None = None, typed: dict[str, str] | None = None,
                     status: int = 200) -> Response:
    form, filters = _filters(request, services, region, kind, state)
    scope: dict[str, Any] = {"department": account.subject or ""}
    if fmt and not form.errors:
        return _export(_read(services, filters, **scope), fmt, "department-commitments",
                       language(request))
    response = _listing(request, "commitments.html", services, form, filters, page, account,
                        scope, heading="department_commitments",
                        answering=True, ended=ENDED, categories=CATEGORIES,
                        severities=SEVERITIES, failed=failed, problems=problems or [],
                        typed=typed or {}, done=request.query_params.get("done"))
    response.status_code = status if status != 200 else response.status_code
    return response


Fields = Annotated[AnswerFields, Form()]


def _answer(request: Request, services: Services, account: Account, commitment_id: UUID,
            fields: AnswerFields, command: type[rc.CommitmentStep], **given: Any) -> Response:
    """End a commitment from a form with ``command`` and what the form gave: done and back on
    the list with a confirmation, or refused there with what was typed kept."""
    return step_answered(request, services, account, fields, command, commitment_id, given,
                         done=f"/department/commitments?done={commitment_id}#c-{commitment_id}",
                         again=partial(_department_page, request, services, account,
                                       failed=str(commitment_id)))


@router.post("/department/commitments/{commitment_id}/fulfilment")
def fulfil(request: Request, commitment_id: UUID, services: ServicesDep, account: Department,
           fields: Fields) -> Response:
    """Record the commitment fulfilled, with the evidence."""
    return _answer(request, services, account, commitment_id, fields, rc.FulfilCommitment,
                   evidence=fields.evidence.strip())


@router.post("/department/commitments/{commitment_id}/release")
def release(request: Request, commitment_id: UUID, services: ServicesDep, account: Department,
            fields: Fields) -> Response:
    """Release the body from the commitment, with the reasons."""
    return _answer(request, services, account, commitment_id, fields, rc.ReleaseCommitment,
                   reasons=fields.reasons.strip())


@router.post("/department/commitments/{commitment_id}/breach")
def breach(request: Request, commitment_id: UUID, services: ServicesDep, account: Department,
           fields: Fields) -> Response:
    """Find the commitment breached: its breach_of_commitment record is filed."""
    return _answer(request, services, account, commitment_id, fields, rc.FindBreach,
                   finding=fields.finding.strip(), filing=filing_of(fields))


@router.post("/department/commitments/{commitment_id}/breach/proposal")
def propose_breach(request: Request, commitment_id: UUID, services: ServicesDep,
                   account: Department, fields: Fields) -> Response:
    """Propose the commitment breached and its record, for a platform reviewer to confirm."""
    return _answer(request, services, account, commitment_id, fields, rc.ProposeBreach,
                   finding=fields.finding.strip(), filing=filing_of(fields))
