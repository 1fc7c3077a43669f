"""Leads (线索): taken in by the credit office or a department, answered by the department they
were sent to; and the departments' response rates and times."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import Account
from api.deps import Region, ServicesDep, TokenFirstRoute, gives, require
from api.routes.commitments import Reasons, RecordFiled
from api.visibility import run_as_responsible
from ledger import access
from ledger import register_commands as rc
from ledger.commands import Authority, Text
from ledger.events import Role as R
from projections import leads as lr

router = APIRouter(prefix="/api/v1/leads", tags=["leads"], route_class=TokenFirstRoute)
WATCHERS = access.REGISTER_READERS


class LeadOut(BaseModel):
    lead_id: UUID
    origin: str
    reference: str
    received_on: date
    summary: str
    body_code: str
    body_name: str
    region_code: str
    department_code: str
    department_name: str
    assigned_on: date
    due: date | None
    outcome: str | None
    reasons: str | None
    record_id: UUID | None
    commitment_id: UUID | None
    answered_on: date | None
    handovers: int
    overdue: bool
    urged: bool
    escalated: bool


class LeadReceived(BaseModel):
    id: UUID
    created: bool


class Response(BaseModel):
    code: str
    name: str | None
    received: int
    answered: int
    answered_in_time: int
    overdue: int
    days_total: int
    unfounded: int
    record_filed: int
    commitment_breach: int
    handed_over: int
    answer_share: float | None
    in_time_share: float | None
    mean_days: float | None


class Handover(BaseModel):
    to: Authority
    reasons: Text


class LeadBreach(BaseModel):
    commitment_id: UUID
    finding: Text
    filing: rc.ShortFiling


class Filing(BaseModel):
    filing: rc.ShortFiling


@router.post("", response_model=LeadReceived, status_code=201)
def receive(body: rc.ReceiveLead, services: ServicesDep,
            account: Annotated[Account, gives(rc.ReceiveLead)]) -> LeadReceived:
    """Take a lead in and send it to a department (the same reference number again changes
    nothing)."""
    done = services.ledger.execute(body, account.actor())
    return LeadReceived(id=done.id, created=done.created)


@router.get("", response_model=list[LeadOut])
def list_leads(
    services: ServicesDep, account: Annotated[Account, Depends(require(*WATCHERS))],
    open_only: bool = False, region: Region = None,
) -> list[dict[str, Any]]:
    """Leads: a department's own inbox, or every lead for the platform."""
    # An account with no organisation named sees nothing rather than everything.
    department = (account.subject or "") if account.role is R.SOURCE_DEPARTMENT else None
    with services.views() as conn:
        return lr.leads(conn, department=department, region=region, open_only=open_only)


@router.get("/responses", response_model=list[Response])
def responses(
    services: ServicesDep, account: Annotated[Account, Depends(require(*WATCHERS))],
    by: Annotated[str, Query(pattern="^(department|region)$")] = "department",
    region: Region = None,
) -> list[dict[str, Any]]:
    """Response rates and times of leads per department or region."""
    with services.views() as conn:
        return lr.lead_responses(conn, by=by, region=region)


@router.post("/{lead_id}/unfounded", status_code=204)
def unfounded(lead_id: UUID, body: Reasons, services: ServicesDep,
              account: Annotated[Account, gives(rc.FindLeadUnfounded)]) -> None:
    """Answer the lead as unfounded, with the reasons."""
    run_as_responsible(account, services.ledger, rc.FindLeadUnfounded(
        lead_id=lead_id, reasons=body.reasons))


@router.post("/{lead_id}/record", response_model=RecordFiled, status_code=201)
def file_record(lead_id: UUID, body: Filing, services: ServicesDep,
                account: Annotated[Account, gives(rc.FileRecordOnLead)]) -> RecordFiled:
    """File a record on the lead's body; the lead and the record name each other."""
    return RecordFiled(record_id=run_as_responsible(account, services.ledger, rc.FileRecordOnLead(
        lead_id=lead_id, filing=body.filing)))


@router.post("/{lead_id}/breach", response_model=RecordFiled, status_code=201)
def breach(lead_id: UUID, body: LeadBreach, services: ServicesDep,
           account: Annotated[Account, gives(rc.FindBreachOnLead)]) -> RecordFiled:
    """The lead shows a commitment broken: find the breach and file its record."""
    return RecordFiled(record_id=run_as_responsible(account, services.ledger, rc.FindBreachOnLead(
        lead_id=lead_id, commitment_id=body.commitment_id, finding=body.finding,
        filing=body.filing)))


@router.post("/{lead_id}/handover", status_code=204)
def hand_over(lead_id: UUID, body: Handover, services: ServicesDep,
              account: Annotated[Account, gives(rc.HandOverLead)]) -> None:
    """Hand the lead to the department responsible; its own verification period starts."""
    run_as_responsible(account, services.ledger, rc.HandOverLead(
        lead_id=lead_id, to=body.to, reasons=body.reasons))
