"""The reviewer's proposed breaches: commitments a department proposes found breached, each
with its finding and the record it would file, confirmed (the record is filed) or declined
with reasons."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.auth import Account
from api.deps import ServicesDep
from api.pages import check_csrf, done, page_role, render
from ledger import access
from ledger import register_commands as rc
from ledger.events import Role
from projections import commitments as cr

router = APIRouter(tags=["pages"])
Readers = Annotated[Account, page_role(*access.QUEUE_READERS)]
Reviewer = Annotated[Account, page_role(Role.PLATFORM_REVIEWER)]


@router.get("/review/breaches", response_class=Response)
def proposals(request: Request, services: ServicesDep, account: Readers) -> Response:
    """Proposed breaches awaiting a reviewer, oldest first, with the record each would file."""
    with services.views() as conn:
        rows = cr.breach_proposals(conn)
    items: list[dict[str, Any]] = []
    for row in rows:
        proposal = services.ledger.commitment(row["commitment_id"]).pending_proposal()
        if proposal is not None:
            items.append({**row, "filing": proposal["filing"]})
    return render(request, "breach_proposals.html", {
        "items": items, "done": request.query_params.get("done"),
        "may_act": account.role is Role.PLATFORM_REVIEWER,
    }, account=account)


@router.post("/review/breaches/{commitment_id}/confirmation")
def confirm(request: Request, commitment_id: UUID, services: ServicesDep, account: Reviewer,
            csrf: Annotated[str, Form()]) -> Response:
    """Confirm the proposed breach: the record is filed in the proposing department's name."""
    check_csrf(request, csrf)
    services.ledger.execute(rc.ConfirmBreach(commitment_id=commitment_id), account.actor())
    return done("/review/breaches")


@router.post("/review/breaches/{commitment_id}/declination")
def decline(request: Request, commitment_id: UUID, services: ServicesDep, account: Reviewer,
            csrf: Annotated[str, Form()],
            reasons: Annotated[str, Form(min_length=1, max_length=20000)]) -> Response:
    """Decline the proposed breach, with the reasons."""
    check_csrf(request, csrf)
    services.ledger.execute(rc.DeclineBreach(commitment_id=commitment_id, reasons=reasons),
                            account.actor())
    return done("/review/breaches")
