"""Subjects: government bodies and civil servants, and the logged read of personal data."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Account
from api.deps import ServicesDep, TokenFirstRoute, gives, require
from api.idempotency import Keyed
from api.schemas import Created
from api.visibility import visible
from ledger import access
from ledger import commands as c
from ledger.errors import SubjectNotFoundError
from ledger.values import ReadingPurpose

router = APIRouter(prefix="/api/v1/subjects", tags=["subjects"], route_class=TokenFirstRoute)
READERS = access.READERS


class BodyOut(BaseModel):
    credit_code: str
    name: str
    region_code: str
    parent_code: str | None
    kind: str
    records: list[UUID]


class CivilServantOut(BaseModel):
    """What shared views may show of a civil servant: the masked ID, body and position."""

    id: UUID
    masked_id: str
    body_code: str
    position: str
    records: list[UUID]


class PersonalData(BaseModel):
    name: str
    citizen_id: str


@router.post("/bodies", response_model=Created, status_code=201)
def register_body(body: c.RegisterBody, services: ServicesDep,
                  account: Annotated[Account, gives(c.RegisterBody)], key: Keyed) -> JSONResponse:
    """Register a government body (registering the same body again changes nothing)."""
    return key.run(account, body, lambda: Created(
        id=services.ledger.register_body(body, account.actor())), 201)


@router.get("/bodies/{credit_code}", response_model=BodyOut)
def get_body(credit_code: str, services: ServicesDep,
             account: Annotated[Account, Depends(require(*READERS))]) -> BodyOut:
    """A registered government body and its records.

    The body's registration is shown to every reader; its records only as far as the reader
    sees them: an official those of their own body, a department those it filed or had an
    objection or repair application forwarded to it (``api.visibility``).
    """
    found = services.ledger.body(credit_code.upper(), field="credit_code")
    seen = visible(account, services.ledger, found.records, found.credit_code)
    return BodyOut(credit_code=found.credit_code, name=found.name, region_code=found.region_code,
                   parent_code=found.parent_code, kind=found.kind,
                   records=found.records if seen is None else seen)


@router.post("/civil-servants", response_model=Created, status_code=201)
def register_civil_servant(
    body: c.RegisterCivilServant, services: ServicesDep,
    account: Annotated[Account, gives(c.RegisterCivilServant)], key: Keyed,
) -> JSONResponse:
    """Register a civil servant; the name and ID are sealed and never returned here."""
    return key.run(account, body, lambda: Created(
        id=services.ledger.register_civil_servant(body, account.actor())), 201)


@router.get("/civil-servants/{person_id}", response_model=CivilServantOut)
def get_civil_servant(
    person_id: UUID, services: ServicesDep,
    account: Annotated[Account, Depends(require(*access.PERSON_READERS))],
) -> CivilServantOut:
    """A civil servant as shared views show them: masked ID only.

    A department sees only a person of whom it sees a record (filed by it, or with a matter
    forwarded to it), with those records; anyone else is answered as unknown.
    """
    person = services.ledger.civil_servant(person_id)
    seen = visible(account, services.ledger, person.records)
    if seen == []:
        raise SubjectNotFoundError("no civil servant with this ID is registered",
                                   field="subject_citizen_id")
    return CivilServantOut(id=person.id, masked_id=person.masked_id, body_code=person.body_code,
                           position=person.position,
                           records=person.records if seen is None else seen)


@router.get("/civil-servants/{person_id}/personal-data", response_model=PersonalData)
def read_personal_data(
    person_id: UUID, services: ServicesDep,
    account: Annotated[Account, Depends(require(*access.PERSONAL_DATA))],
    purpose: Annotated[ReadingPurpose, Query(description="why the data is read")],
) -> PersonalData:
    """A civil servant's name and ID for an authorised reader; the read is itself recorded."""
    revealed = services.ledger.reveal_person(person_id, account.actor(), purpose)
    return PersonalData(**revealed)
