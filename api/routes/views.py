"""The read models: public disclosure (no token), deadlines, subject status, region roll-ups."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api import reads
from api.auth import Account
from api.deps import Region, Services, ServicesDep, TokenFirstRoute, require
from api.i18n import with_notes
from api.reads import RegionsDep
from api.visibility import visible
from ledger import access
from ledger.errors import SubjectNotFoundError
from ledger.events import Role as R
from projections import disclosure, rollup
from projections.results import (
    DisclosedRecord,
    DisclosurePage,
    OpenDeadline,
    RegionSummary,
    SubjectSummary,
)

router = APIRouter(prefix="/api/v1", tags=["views"], route_class=TokenFirstRoute)
WATCHERS = Depends(require(*access.WATCHERS))
STATUS_READERS = Depends(require(*access.STATUS_READERS))


@router.get("/public/records", response_model=DisclosurePage)
def public_records(
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Region = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DisclosurePage:
    """Search the public disclosure: bodies' public records inside their publicity window."""
    with services.views() as conn:
        return disclosure.public_disclosure(conn, q=q, region=region, category=category,
                                         severity=severity, page=page, per_page=per_page,
                                         today=services.today())


@router.get("/public/records/{record_id}", response_model=DisclosedRecord)
def public_record(record_id: UUID, services: ServicesDep) -> DisclosedRecord:
    """One disclosed record, with its objection or reconsideration mark."""
    return reads.disclosed_record(services, record_id)


@router.get("/deadlines", response_model=list[OpenDeadline])
def deadlines(
    services: ServicesDep, _: Annotated[Account, WATCHERS], regions: RegionsDep,
    region: Region = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    due_before: date | None = None,
    within: Annotated[int | None, Query(ge=0, le=365,
                                        description="due within N working days")] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[OpenDeadline]:
    """Open deadlines, earliest first, with working days left and the overdue flag."""
    return with_notes(reads.open_deadlines(
        services, region=region, kind=kind, due_before=reads.due_before(services, within,
                                                                         due_before),
        overdue=overdue, limit=limit, regions=regions), "en")


@router.get("/subjects/{subject_id}/status", response_model=SubjectSummary)
def subject_status(subject_id: UUID, services: ServicesDep,
                   account: Annotated[Account, STATUS_READERS]) -> SubjectSummary:
    """A subject's records by state and severity, marks, sanctions in force, deadlines.

    An official sees only their own subject. A department sees only the records it filed or
    had an objection or repair application forwarded to it, without the evaluation (it counts
    every department's records); a subject of which it sees no record is answered as unknown.
    """
    found = _as_seen(account, services, reads.subject_status(services, subject_id=subject_id))
    if found is None or not access.sees_subject(account.actor(), found.credit_code,
                                                str(found.subject_id)):
        raise SubjectNotFoundError("no subject with this id in the views", field="subject_id")
    return found


@router.get("/subjects/bodies/{credit_code}/status", response_model=SubjectSummary)
def body_status(credit_code: str, services: ServicesDep,
                account: Annotated[Account, STATUS_READERS]) -> SubjectSummary:
    """A government body's status, found by its unified social credit code (seen as
    ``subject_status`` says)."""
    code = credit_code.upper()
    found = _as_seen(account, services, reads.subject_status(services, credit_code=code))
    if found is None or not access.sees_subject(account.actor(), code):
        raise SubjectNotFoundError("no body with this credit code in the views",
                                   field="credit_code")
    return found


def _as_seen(account: Account, services: Services, found: SubjectSummary | None) -> (
    SubjectSummary | None
):
    """A department's view of a subject's status: its own records only, or none at all."""
    if found is None or account.role is not R.SOURCE_DEPARTMENT:
        return found
    subject = (services.ledger.body(found.credit_code) if found.credit_code
               else services.ledger.civil_servant(found.subject_id))
    seen = visible(account, services.ledger, subject.records) or []
    if not seen:
        return None
    return reads.subject_status(services, subject_id=found.subject_id, only=seen)


@router.get("/regions/{region_code}/rollup", response_model=RegionSummary)
def region_rollup(region_code: str, services: ServicesDep, regions: RegionsDep,
                  _: Annotated[Account, WATCHERS]) -> RegionSummary:
    """A region's records and deadlines, rolled up from everything that reports to it."""
    with services.views() as conn:
        return rollup.region_rollup(conn, region_code, regions)
