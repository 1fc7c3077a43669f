"""Records: filing, listing, reading, the auditor's timeline, one POST per registered lifecycle
step (``ledger.lifecycle``), each behind the roles ``ledger.access`` gives its command."""

# Route bodies are built from the ledger's command classes at import time, so annotations
# must be real objects here, not strings.
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api import idempotency
from api.auth import Account
from api.deps import Region, ServicesDep, TokenFirstRoute, gives, require
from api.idempotency import Keyed
from api.schemas import Done, EventOut, FilingOut, NumberOut, RecordOut, body_of
from ledger import access, lifecycle
from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import parse_instant
from ledger.errors import PermissionDeniedError, RecordNotFoundError, ValidationError
from ledger.events import Role
from ledger.lifecycle import Step
from ledger.values import Category, RecordStatus, Severity
from projections import records
from projections.results import RecordPage

router = APIRouter(prefix="/api/v1/records", tags=["records"], route_class=TokenFirstRoute)
R = Role
READERS = access.READERS
AsOf = Annotated[str | None, Query(max_length=40, description=(
    "the record as it stood then: ISO 8601, Beijing time without an offset "
    "(2026-05-06T09:30, 2026-05-06T01:30Z, 2026-05-06)"))]
MAX_OFFSET = 10_000
"""How far into a list a page may start: a deeper offset makes the database walk and drop every
row before it, so a filter is the way further in."""


def readable(account: Account, record_id: UUID, ledger: Ledger) -> None:
    """A reader sees a record as ``ledger.access.may_read`` says (an official their own
    subject's, a department what it filed or had forwarded to it).

    A record another reader may not see is answered exactly as one that does not exist, so
    record ids cannot be probed; this runs before the version or instant asked for is loaded.
    """
    if account.role not in (R.SUBJECT_OFFICIAL, R.SOURCE_DEPARTMENT):
        return
    try:
        record = ledger.record(record_id)
    except RecordNotFoundError:
        raise _absent() from None
    if not access.may_read(account.actor(), record):
        raise _absent()


def _absent() -> RecordNotFoundError:
    return RecordNotFoundError("no record with this id", field="record_id")


@router.post("", response_model=FilingOut, status_code=201)
def file_record(body: c.FileRecord, services: ServicesDep,
                account: Annotated[Account, gives(c.FileRecord)], key: Keyed) -> JSONResponse:
    """File a record (a resend of the same filing returns the existing record)."""
    def act(answer: idempotency.Answer | None) -> tuple[FilingOut, bool]:
        filing = services.ledger.file_record(body, account.actor(), answer=None if (
            answer is None) else lambda f: answer(FilingOut(record_id=f.record_id,
                                                            created=f.created)))
        return FilingOut(record_id=filing.record_id, created=filing.created), (
            answer is not None and filing.created)
    return key.run_once(account, body, act, 201)


@router.get("", response_model=RecordPage)
def list_records(
    services: ServicesDep, account: Annotated[Account, Depends(require(*READERS))],
    status: RecordStatus | None = None,
    region: Region = None,
    category: Category | None = None,
    severity: Severity | None = None,
    subject: Annotated[str | None, Query(max_length=36, description="credit code or the "
                                         "civil servant's subject id")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RecordPage:
    """Records from the record view, by state, region, category, severity or subject."""
    if (page - 1) * per_page >= MAX_OFFSET:
        raise ValidationError(f"only the first {MAX_OFFSET:,} records of a list can be paged "
                              "through; narrow it with a filter", field="page")
    source = None
    if account.role is R.SUBJECT_OFFICIAL:
        if subject not in (None, account.subject):
            raise PermissionDeniedError("an official may list only their own subject's records",
                                        field="subject")
        subject = account.subject
    elif account.role is R.SOURCE_DEPARTMENT:
        source = account.subject
    with services.views() as conn:
        return records.record_list(
            conn, region=region, status=status, category=category, severity=severity,
            subject_code=subject, source_code=source, page=page, per_page=per_page)


@router.get("/{record_id}", response_model=RecordOut)
def get_record(
    record_id: UUID, services: ServicesDep,
    account: Annotated[Account, Depends(require(*READERS))],
    as_of: AsOf = None, version: Annotated[int | None, Query(ge=1)] = None,
) -> RecordOut:
    """A record's current state, or as it stood at an instant or version."""
    ledger = services.ledger
    readable(account, record_id, ledger)
    record = (ledger.record_as_of(record_id, parse_instant(as_of)) if as_of
              else ledger.record(record_id, version))
    return RecordOut.of(record)


@router.get("/{record_id}/timeline", response_model=list[EventOut])
def timeline(
    record_id: UUID, services: ServicesDep,
    account: Annotated[Account, Depends(require(*READERS))],
    as_of: AsOf = None,
) -> list[EventOut]:
    """Every fact about a record, in order, optionally only those up to an instant."""
    readable(account, record_id, services.ledger)
    moment = parse_instant(as_of) if as_of else None
    return [EventOut.of(e) for e in services.ledger.timeline(record_id, moment)]


def _add_step(step: Step) -> None:
    command = step.command
    if not issubclass(command, c.RecordStep):
        raise TypeError(f"{command.__name__} is not a step on a record")
    body_model = body_of(command)
    has_number = "{number}" in step.path
    roles = step.roles

    def endpoint(record_id: UUID, services: ServicesDep, account: Account, body: Any,
                 key: idempotency.Key, number: int | None = None) -> JSONResponse:
        fields = {**body.model_dump(), "record_id": record_id}
        if has_number:
            fields["number"] = number
        cmd = command.model_validate(fields)

        def run() -> Any:
            answer = services.ledger.execute(cmd, account.actor())
            if step.numbered:
                return NumberOut(record_id=record_id, number=answer)
            return Done(record_id=record_id, version=services.ledger.record(record_id).version)
        return key.run(account, cmd, run)

    def route(record_id: UUID, services: ServicesDep,
              account: Annotated[Account, Depends(require(*roles))],
              body: body_model,  # type: ignore[valid-type]
              key: Keyed) -> JSONResponse:
        return endpoint(record_id, services, account, body, key)

    def numbered_route(record_id: UUID, number: int, services: ServicesDep,
                       account: Annotated[Account, Depends(require(*roles))],
                       body: body_model,  # type: ignore[valid-type]
                       key: Keyed) -> JSONResponse:
        return endpoint(record_id, services, account, body, key, number=number)

    handler = numbered_route if has_number else route
    summary = (step.command.__doc__ or step.name.replace("_", " ")).strip().splitlines()[0]
    router.add_api_route(
        f"/{{record_id}}/{step.path}", handler, methods=["POST"], summary=summary,
        response_model=NumberOut if step.numbered else Done, name=step.name,
    )


for _step in lifecycle.RECORD_STEPS:
    _add_step(_step)
