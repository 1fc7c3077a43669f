"""The commitment register: departments register commitments and record how they ended; the
public reads the public ones with their state."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import Account
from api.deps import Region, ServicesDep, TokenFirstRoute, gives, require
from api.schemas import Created
from api.visibility import run_as_responsible
from ledger import access
from ledger import register_commands as rc
from ledger.commands import Text
from ledger.events import Role as R
from projections import commitments as cr

router = APIRouter(prefix="/api/v1", tags=["commitments"], route_class=TokenFirstRoute)
READERS = access.READERS
PUBLIC_FIELDS = ("commitment_id", "reference", "maker_code", "maker_name", "region_code",
                 "kind", "content", "source_document", "made_to", "made_on", "due",
                 "recurring", "state", "closed_on", "record_id")


class CommitmentOut(BaseModel):
    commitment_id: UUID
    reference: str
    maker_code: str
    maker_name: str
    region_code: str
    kind: str
    content: str
    source_document: str
    made_to: str
    made_on: date
    due: date | None
    recurring: str | None
    state: str
    closed_on: date | None
    record_id: UUID | None
    department_code: str | None = None
    department_name: str | None = None
    public: bool | None = None
    evidence: str | None = None
    reasons: str | None = None
    finding: str | None = None
    overdue: bool | None = None
    urged: bool | None = None
    escalated: bool | None = None


class Evidence(BaseModel):
    evidence: Text


class Reasons(BaseModel):
    reasons: Text


class Breach(BaseModel):
    finding: Text
    filing: rc.ShortFiling


class RecordFiled(BaseModel):
    record_id: UUID


@router.post("/commitments", response_model=Created, status_code=201)
def make_commitment(body: rc.MakeCommitment, services: ServicesDep,
                    account: Annotated[Account, gives(rc.MakeCommitment)]) -> Created:
    """Register a commitment a body made (the same register number again changes nothing)."""
    return Created(id=services.ledger.execute(body, account.actor()).id)


@router.get("/commitments", response_model=list[CommitmentOut])
def list_commitments(
    services: ServicesDep, account: Annotated[Account, Depends(require(*READERS))],
    state: Annotated[str | None, Query(max_length=20)] = None,
    region: Region = None,
) -> list[dict[str, Any]]:
    """Commitments: a department's own, an official's body's, or all for the platform."""
    # An account with no organisation named sees nothing rather than everything.
    department = (account.subject or "") if account.role is R.SOURCE_DEPARTMENT else None
    maker = (account.subject or "") if account.role is R.SUBJECT_OFFICIAL else None
    with services.views() as conn:
        return cr.commitments(conn, department=department, maker=maker, region=region,
                              state=state)


@router.get("/public/commitments", response_model=list[CommitmentOut],
            response_model_exclude_none=True)
def public_commitments(
    services: ServicesDep, region: Region = None,
) -> list[dict[str, Any]]:
    """Public commitments of government bodies, with their state."""
    with services.views() as conn:
        rows = cr.commitments(conn, region=region, public_only=True)
        return cr.public_commitments(conn, rows, PUBLIC_FIELDS, services.today())


@router.post("/commitments/{commitment_id}/fulfilment", status_code=204)
def fulfil(commitment_id: UUID, body: Evidence, services: ServicesDep,
           account: Annotated[Account, gives(rc.FulfilCommitment)]) -> None:
    """Record the commitment fulfilled, with the evidence."""
    run_as_responsible(account, services.ledger, rc.FulfilCommitment(
        commitment_id=commitment_id, evidence=body.evidence))


@router.post("/commitments/{commitment_id}/release", status_code=204)
def release(commitment_id: UUID, body: Reasons, services: ServicesDep,
            account: Annotated[Account, gives(rc.ReleaseCommitment)]) -> None:
    """Release the body from the commitment, with the reasons."""
    run_as_responsible(account, services.ledger, rc.ReleaseCommitment(
        commitment_id=commitment_id, reasons=body.reasons))


@router.post("/commitments/{commitment_id}/breach", response_model=RecordFiled,
             status_code=201)
def breach(commitment_id: UUID, body: Breach, services: ServicesDep,
           account: Annotated[Account, gives(rc.FindBreach)]) -> RecordFiled:
    """Find the commitment breached: files its breach_of_commitment record."""
    return RecordFiled(record_id=run_as_responsible(account, services.ledger, rc.FindBreach(
        commitment_id=commitment_id, finding=body.finding, filing=body.filing)))


@router.post("/commitments/{commitment_id}/breach/proposal", status_code=204)
def propose_breach(commitment_id: UUID, body: Breach, services: ServicesDep,
                   account: Annotated[Account, gives(rc.ProposeBreach)]) -> None:
    """Propose the commitment breached and its record, for a platform reviewer to confirm."""
    run_as_responsible(account, services.ledger, rc.ProposeBreach(
        commitment_id=commitment_id, finding=body.finding, filing=body.filing))


@router.post("/commitments/{commitment_id}/breach/confirmation", response_model=RecordFiled,
             status_code=201)
def confirm_breach(commitment_id: UUID, services: ServicesDep,
                   account: Annotated[Account, gives(rc.ConfirmBreach)]) -> RecordFiled:
    """A reviewer confirms the proposed breach: its record is filed in the proposing
    department's name."""
    return RecordFiled(record_id=services.ledger.execute(
        rc.ConfirmBreach(commitment_id=commitment_id), account.actor()))


@router.post("/commitments/{commitment_id}/breach/declination", status_code=204)
def decline_breach(commitment_id: UUID, body: Reasons, services: ServicesDep,
                   account: Annotated[Account, gives(rc.DeclineBreach)]) -> None:
    """A reviewer declines the proposed breach, with the reasons."""
    services.ledger.execute(rc.DeclineBreach(commitment_id=commitment_id,
                                             reasons=body.reasons), account.actor())
