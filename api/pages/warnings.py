"""The operators' warnings on ``/regions``: one recorded warning with its inputs and state, the
forms to acknowledge it, record the follow-up (约谈, 督导, 通报, or none with reasons) and its
result, and the form that takes today's evaluations (which records the warnings they raise).

Only an operator of the warning's region or of one above it may act; an operator bound to a
region sees no warning outside it (404, as for one that does not exist).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from uuid import UUID

import pydantic
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Account
from api.deps import Services, ServicesDep
from api.pages import check_csrf, page_role, render
from api.pages.register_forms import answered
from api.routes.evaluation import formula_now
from ledger import access
from ledger import errors as e
from ledger import warning_commands as wc
from ledger.events import Role
from ledger.warning_events import FollowUp
from ledger.warning_steps import WarningNotFoundError
from projections import warnings as board
from projections.daily_evaluations import take_day

router = APIRouter(tags=["pages"])
WATCHERS = page_role(*access.WATCHERS)
# The operator's three steps on a warning share their roles (ledger.access).
Operator = Annotated[Account, page_role(*access.roles(wc.AcknowledgeWarning))]
FOLLOW_UPS = [f.value for f in FollowUp]


class WarningFields(pydantic.BaseModel):
    """A step on a warning as its form sends it."""

    note: str = ""
    follow_up: str = ""
    reasons: str = ""
    result: str = ""
    csrf: str = ""


Fields = Annotated[WarningFields, Form()]


def visible(account: Account, row: dict[str, Any] | None) -> dict[str, Any]:
    """The warning's row, if the account may see it."""
    if row is None or (account.role is Role.OPERATOR and account.subject is not None
                       and account.subject not in row["region_chain"]):
        raise WarningNotFoundError("no warning with this id", field="warning_id")
    return row


@router.get("/regions/warnings/{warning_id}", response_class=Response)
def warning_page(request: Request, warning_id: UUID, services: ServicesDep,
                 account: Annotated[Account, WATCHERS]) -> Response:
    """One warning: what raised it, its state, and the operator's forms."""
    return _page(request, services, account, warning_id)


def _page(request: Request, services: Services, account: Account, warning_id: UUID, *,
          failed: str | None = None, problems: list[str] | None = None,
          typed: dict[str, str] | None = None, status: int = 200) -> Response:
    with services.views() as conn:
        row = board.recorded_warning(conn, warning_id)
    warning = services.ledger.early_warning(warning_id)
    if row is None:  # recorded, not yet in the view: shown from the log
        row = {"region_chain": services.ledger.regions.reporting_chain(warning.region_code)}
    visible(account, row)
    chain = services.ledger.regions.reporting_chain(warning.region_code)
    may_act = account.role is Role.OPERATOR and (
        account.subject is None or account.subject in chain)
    return render(request, "warning.html", {
        "w": warning, "state": warning.state.value, "due": row.get("due"),
        "may_act": may_act, "follow_ups": FOLLOW_UPS, "failed": failed,
        "problems": problems or [], "typed": typed or {},
        "done": request.query_params.get("done"),
    }, account=account, status=status)


def _act(request: Request, services: Services, account: Account, warning_id: UUID,
         fields: WarningFields, form_id: str, act: Callable[[], None]) -> Response:
    check_csrf(request, fields.csrf)
    return answered(request, fields, act, done=f"/regions/warnings/{warning_id}?done={form_id}",
                    again=partial(_page, request, services, account, warning_id,
                                  failed=form_id), refusals=(e.PermissionDeniedError,))


@router.post("/regions/warnings/{warning_id}/acknowledgement")
def acknowledge(request: Request, warning_id: UUID, services: ServicesDep, account: Operator,
                fields: Fields) -> Response:
    """Acknowledge the warning."""
    return _act(request, services, account, warning_id, fields, "acknowledgement", lambda: (
        services.ledger.acknowledge_warning(warning_id, account.actor(),
                                            fields.note.strip() or None)))


def _follow_up(fields: WarningFields) -> FollowUp:
    try:
        return FollowUp(fields.follow_up)
    except ValueError:
        raise e.ValidationError(f"one of {', '.join(FOLLOW_UPS)}", field="follow_up") from None


@router.post("/regions/warnings/{warning_id}/follow-up")
def follow_up(request: Request, warning_id: UUID, services: ServicesDep, account: Operator,
              fields: Fields) -> Response:
    """Record the follow-up: 约谈, 督导, 通报, or none with the reasons."""
    return _act(request, services, account, warning_id, fields, "follow_up", lambda: (
        services.ledger.record_warning_follow_up(warning_id, account.actor(),
                                                 _follow_up(fields), fields.reasons.strip())))


@router.post("/regions/warnings/{warning_id}/result")
def result(request: Request, warning_id: UUID, services: ServicesDep, account: Operator,
           fields: Fields) -> Response:
    """Record what the follow-up achieved; the warning is closed."""
    return _act(request, services, account, warning_id, fields, "result", lambda: (
        services.ledger.record_warning_result(warning_id, account.actor(),
                                              fields.result.strip())))


@router.post("/regions/evaluations")
def take_today(request: Request, services: ServicesDep,
               account: Annotated[Account, page_role(*access.OPERATORS)],
               csrf: Annotated[str, Form()] = "",
               region: Annotated[str, Form(pattern=r"^\d{6}$")] = "350000") -> Response:
    """Take today's evaluations and record the warnings they raise."""
    check_csrf(request, csrf)
    with services.views() as conn:
        taken = take_day(services.ledger, conn, formula_now(services), services.today(),
                         account.actor())
    return RedirectResponse(f"/regions?region={region}&taken={taken.recorded}"
                            f"&raised={len(taken.warnings)}#board", status_code=303)
