"""Early warnings recorded in the log (``ledger.warning``): listed and exported by those who
watch the regions, acknowledged, followed up and closed by an operator of the warning's region
or of a region above it. ``GET /api/v1/warnings`` (``api.routes.evaluation``) is what the
formula raises now; these are the warnings recorded when evaluations were taken."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.auth import Account
from api.deps import Region, Services, ServicesDep, TokenFirstRoute, gives, require
from api.exports import EXPORT_CAP, export_capped
from ledger import access
from ledger import warning_commands as wc
from ledger.commands import Text
from ledger.events import Role as R
from ledger.warning_events import FollowUp
from ledger.warning_steps import WarningNotFoundError
from projections import warnings as board

router = APIRouter(prefix="/api/v1/warnings/recorded", tags=["warnings"],
                   route_class=TokenFirstRoute)
WATCHERS = Depends(require(*access.WATCHERS))
State = Annotated[Literal["open", "escalated", "acknowledged", "followed_up", "closed"] | None,
                  Query()]
COLUMNS = [("raised_on", "预警日期"), ("kind", "对象"), ("code", "代码"), ("name", "名称"),
           ("region_code", "所在地区"), ("rule_id", "预警规则"), ("formula_id", "评价指标版本"),
           ("metric", "指标"), ("value", "数值"), ("score", "评分"), ("message", "预警内容"),
           ("state", "状态"), ("due", "确认期限"), ("above", "上级地区"),
           ("acknowledged_on", "确认日期"), ("follow_up", "处置措施"), ("reasons", "处置说明"),
           ("result", "处置结果"), ("closed_on", "办结日期")]


class WarningOut(BaseModel):
    warning_id: UUID
    rule_id: str
    formula_id: str
    kind: str
    code: str
    name: str
    region_code: str
    above: str
    raised_on: date
    number: int
    metric: str
    value: Decimal
    score: Decimal
    message: str
    state: str
    due: date | None
    acknowledged_on: date | None
    follow_up: str | None
    reasons: str | None
    followed_up_on: date | None
    result: str | None
    closed_on: date | None
    overdue: bool
    escalated: bool


class Acknowledgement(BaseModel):
    note: Text | None = None


class FollowUpIn(BaseModel):
    follow_up: FollowUp
    reasons: Text


class ResultIn(BaseModel):
    result: Text


def scope(services: Services, account: Account, region: str | None) -> str | None:
    """The region whose warnings an account reads: an operator bound to a region reads its
    own and those below it, whatever it asks for."""
    if account.role is not R.OPERATOR or account.subject is None:
        return region
    if region is not None and account.subject in services.ledger.regions.reporting_chain(
            region, field="region"):
        return region
    return account.subject


@router.get("", response_model=list[WarningOut])
def list_warnings(services: ServicesDep, account: Annotated[Account, WATCHERS],
                  region: Region = None, state: State = None) -> list[dict[str, Any]]:
    """Recorded warnings with their state, those to act on first."""
    with services.views() as conn:
        return board.recorded_warnings(conn, region=scope(services, account, region),
                                       state=state)


@router.get("/export", response_class=Response)
def export_warnings(services: ServicesDep, account: Annotated[Account, WATCHERS],
                    region: Region = None, state: State = None,
                    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """The recorded warnings as CSV or xlsx."""
    with services.views() as conn:
        rows = board.recorded_warnings(conn, region=scope(services, account, region),
                                       state=state, limit=EXPORT_CAP + 1)
    return export_capped(rows, COLUMNS, format, "warnings")


@router.get("/{warning_id}", response_model=WarningOut)
def one_warning(warning_id: UUID, services: ServicesDep,
                account: Annotated[Account, WATCHERS]) -> dict[str, Any]:
    """One recorded warning: its inputs' gist, its state and what was done."""
    with services.views() as conn:
        found = board.recorded_warning(conn, warning_id)
    if found is None or (account.role is R.OPERATOR and account.subject is not None
                         and account.subject not in found["region_chain"]):
        raise WarningNotFoundError("no warning with this id", field="warning_id")
    return found


@router.post("/{warning_id}/acknowledgement", status_code=204)
def acknowledge(warning_id: UUID, body: Acknowledgement, services: ServicesDep,
                account: Annotated[Account, gives(wc.AcknowledgeWarning)]) -> None:
    """Acknowledge the warning (an operator of its region or above)."""
    services.ledger.execute(wc.AcknowledgeWarning(warning_id=warning_id, note=body.note),
                            account.actor())


@router.post("/{warning_id}/follow-up", status_code=204)
def follow_up(warning_id: UUID, body: FollowUpIn, services: ServicesDep,
              account: Annotated[Account, gives(wc.RecordWarningFollowUp)]) -> None:
    """Record the follow-up: 约谈, 督导, 通报, or none, with the reasons."""
    services.ledger.execute(wc.RecordWarningFollowUp(
        warning_id=warning_id, follow_up=body.follow_up, reasons=body.reasons), account.actor())


@router.post("/{warning_id}/result", status_code=204)
def result(warning_id: UUID, body: ResultIn, services: ServicesDep,
           account: Annotated[Account, gives(wc.RecordWarningResult)]) -> None:
    """Record what the follow-up achieved; the warning is closed."""
    services.ledger.execute(wc.RecordWarningResult(warning_id=warning_id, result=body.result),
                            account.actor())
