"""Records: filing, listing, reading, the auditor's timeline, one POST per lifecycle step."""

# Route bodies are built from the ledger's command classes at import time, so annotations
# must be real objects here, not strings.
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from api import idempotent
from api.auth import Account
from api.deps import ServicesDep, TokenFirstRoute, require
from api.schemas import Done, EventOut, FilingOut, NumberOut, RecordOut, body_of
from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import parse_instant
from ledger.errors import PermissionDeniedError, RecordNotFoundError, ValidationError
from ledger.events import Role
from ledger.values import Category, RecordStatus, Severity
from projections import queries
from projections.results import RecordPage

router = APIRouter(prefix="/api/v1/records", tags=["records"], route_class=TokenFirstRoute)
R = Role
READERS = (R.SOURCE_DEPARTMENT, R.SUBJECT_OFFICIAL, R.PLATFORM_REVIEWER, R.OPERATOR, R.AUDITOR,
           R.ADMINISTRATOR)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
AsOf = Annotated[str | None, Query(max_length=40, description=(
    "the record as it stood then: ISO 8601, Beijing time without an offset "
    "(2026-05-06T09:30, 2026-05-06T01:30Z, 2026-05-06)"))]
MAX_OFFSET = 10_000
"""How far into a list a page may start: a deeper offset makes the database walk and drop every
row before it, so a filter is the way further in."""


def readable(account: Account, record_id: UUID, ledger: Ledger) -> None:
    """Officials read their own subject's records only, departments the records they filed.

    A record another reader may not see is answered exactly as one that does not exist, so
    record ids cannot be probed; this runs before the version or instant asked for is loaded.
    """
    if account.role not in (R.SUBJECT_OFFICIAL, R.SOURCE_DEPARTMENT):
        return
    try:
        content = ledger.record(record_id).content
    except RecordNotFoundError:
        raise _absent() from None
    if account.role is R.SUBJECT_OFFICIAL and account.subject != content.subject_code:
        raise _absent()
    if account.role is R.SOURCE_DEPARTMENT and account.subject not in (None, content.source.code):
        raise _absent()


def _absent() -> RecordNotFoundError:
    return RecordNotFoundError("no record with this id", field="record_id")


@router.post("", response_model=FilingOut, status_code=201)
def file_record(
    body: c.FileRecord, request: Request, services: ServicesDep,
    account: Annotated[Account, Depends(require(R.SOURCE_DEPARTMENT))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File a record (a resend of the same filing returns the existing record)."""
    def act(answer: idempotent.Answer | None) -> tuple[FilingOut, bool]:
        filing = services.ledger.file_record(body, account.actor(), answer=None if (
            answer is None) else lambda f: answer(FilingOut(record_id=f.record_id,
                                                            created=f.created)))
        return FilingOut(record_id=filing.record_id, created=filing.created), (
            answer is not None and filing.created)
    return idempotent.run_once(services, account, idempotency_key, request.url.path, body, act,
                               201)


@router.get("", response_model=RecordPage)
def list_records(
    services: ServicesDep, account: Annotated[Account, Depends(require(*READERS))],
    status: RecordStatus | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$",
                                        description="this region and all below it")] = None,
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
        return queries.record_list(
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


# (path, command, ledger method, roles allowed, the step answers with a new number)
STEPS: list[tuple[str, type[c.RecordStep], str, tuple[Role, ...], bool]] = [
    ("explanation", c.SubmitExplanation, "submit_explanation", (R.SUBJECT_OFFICIAL,), False),
    ("rectification/plan", c.SubmitRectificationPlan, "submit_rectification_plan",
     (R.SUBJECT_OFFICIAL,), False),
    ("rectification/completion", c.ReportRectificationCompletion,
     "report_rectification_completion", (R.SUBJECT_OFFICIAL,), False),
    ("rectification/verification", c.VerifyRectification, "verify_rectification",
     (R.SOURCE_DEPARTMENT,), False),
    ("rectification/rejection", c.RejectRectification, "reject_rectification",
     (R.SOURCE_DEPARTMENT,), False),
    ("rectification/extension", c.ExtendRectification, "extend_rectification",
     (R.SOURCE_DEPARTMENT, R.PLATFORM_REVIEWER), False),
    ("objections", c.FileObjection, "file_objection", (R.SUBJECT_OFFICIAL,), True),
    ("objections/{number}/mark", c.MarkObjection, "mark_objection", (R.PLATFORM_REVIEWER,),
     False),
    ("objections/{number}/acceptance", c.AcceptObjection, "accept_objection",
     (R.PLATFORM_REVIEWER,), False),
    ("objections/{number}/rejection", c.RejectObjection, "reject_objection",
     (R.PLATFORM_REVIEWER,), False),
    ("objections/{number}/forwarding", c.ForwardObjection, "forward_objection",
     (R.PLATFORM_REVIEWER,), False),
    ("objections/{number}/extension", c.ExtendObjection, "extend_objection",
     (R.PLATFORM_REVIEWER,), False),
    ("objections/{number}/decision", c.DecideObjection, "decide_objection",
     (R.SOURCE_DEPARTMENT,), False),
    ("objections/{number}/review", c.RequestReview, "request_review", (R.SUBJECT_OFFICIAL,),
     False),
    ("objections/{number}/review/decision", c.DecideReview, "decide_review",
     (R.PLATFORM_REVIEWER,), False),
    ("reconsideration", c.MarkReconsideration, "mark_reconsideration",
     (R.SOURCE_DEPARTMENT, R.SUBJECT_OFFICIAL), False),
    ("reconsideration/conclusion", c.ConcludeReconsideration, "conclude_reconsideration",
     (R.SOURCE_DEPARTMENT,), False),
    ("withdrawal", c.WithdrawRecord, "withdraw_record", (R.SOURCE_DEPARTMENT,), False),
    ("correction", c.CorrectRecord, "correct_record", (R.SOURCE_DEPARTMENT,), False),
    ("repairs", c.ApplyForRepair, "apply_for_repair", (R.SUBJECT_OFFICIAL,), True),
    ("repairs/{number}/forwarding", c.ForwardRepair, "forward_repair", (R.PLATFORM_REVIEWER,),
     False),
    ("repairs/{number}/extension", c.ExtendRepair, "extend_repair",
     (R.PLATFORM_REVIEWER, R.SOURCE_DEPARTMENT), False),
    ("repairs/{number}/decision", c.DecideRepair, "decide_repair", (R.SOURCE_DEPARTMENT,),
     False),
    ("repairs/{number}/revocation", c.RevokeRepair, "revoke_repair", (R.SOURCE_DEPARTMENT,),
     False),
    ("repairs/{number}/propagation", c.PropagateRepair, "propagate_repair",
     (R.PLATFORM_REVIEWER,), False),
    ("performance", c.RecordPerformance, "record_performance", (R.SOURCE_DEPARTMENT,), False),
    ("listing/extension", c.ExtendListing, "extend_listing", (R.SOURCE_DEPARTMENT,), False),
    ("sanctions", c.ImposeSanction, "impose_sanction", (R.SOURCE_DEPARTMENT,), False),
    ("mitigations", c.RecordMitigation, "record_mitigation", (R.SOURCE_DEPARTMENT,), False),
]


def _add_step(path: str, command: type[c.RecordStep], method: str, roles: tuple[Role, ...],
              numbered: bool) -> None:
    body_model = body_of(command)
    has_number = "{number}" in path

    def endpoint(record_id: UUID, request: Request, services: ServicesDep,
                 account: Account, body: Any, idempotency_key: str | None,
                 number: int | None = None) -> JSONResponse:
        fields = {**body.model_dump(), "record_id": record_id}
        if has_number:
            fields["number"] = number
        cmd = command.model_validate(fields)
        act: Callable[..., Any] = getattr(services.ledger, method)

        def run() -> Any:
            answer = act(cmd, account.actor())
            if numbered:
                return NumberOut(record_id=record_id, number=answer)
            return Done(record_id=record_id, version=services.ledger.record(record_id).version)
        return idempotent.run(services, account, idempotency_key, request.url.path, cmd, run)

    def route(record_id: UUID, request: Request, services: ServicesDep,
              account: Annotated[Account, Depends(require(*roles))],
              body: body_model,  # type: ignore[valid-type]
              idempotency_key: IdempotencyKey = None) -> JSONResponse:
        return endpoint(record_id, request, services, account, body, idempotency_key)

    def numbered_route(record_id: UUID, number: int, request: Request, services: ServicesDep,
                       account: Annotated[Account, Depends(require(*roles))],
                       body: body_model,  # type: ignore[valid-type]
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
        return endpoint(record_id, request, services, account, body, idempotency_key,
                        number=number)

    handler = numbered_route if has_number else route
    summary = (command.__doc__ or method.replace("_", " ")).strip().splitlines()[0]
    router.add_api_route(
        f"/{{record_id}}/{path}", handler, methods=["POST"], summary=summary,
        response_model=NumberOut if numbered else Done, name=method,
    )


for _step in STEPS:
    _add_step(*_step)
