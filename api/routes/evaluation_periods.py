"""Quarterly and annual evaluations (季度、年度政务诚信评价) recorded in the log: listed, read
and exported by those who watch the evaluation; an operator or administrator records a period
that has ended by hand when the calendar's run was missed (``ledger.period_evaluations``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.auth import Account
from api.deps import Services, ServicesDep, TokenFirstRoute, require
from api.exports import export
from api.i18n import translator
from ledger import access
from ledger.formulas import METRICS, PLAN_METRICS
from ledger.period_evaluations import PeriodNotRecordedError
from projections.evaluation import Evaluation
from projections.period_evaluations import take_period

router = APIRouter(prefix="/api/v1/evaluations/periods", tags=["evaluation"],
                   route_class=TokenFirstRoute)
WATCHERS = Depends(require(*access.WATCHERS))
Period = Annotated[str, Path(pattern=r"^\d{4}(-Q[1-4])?$",
                             description="a quarter (2026-Q4) or a year (2026)")]


class PeriodOut(BaseModel):
    period: str
    period_end: date
    taken_on: date
    formula_id: str
    positions: dict[str, int]
    """The log position each view read had reached: what a replay builds up to."""
    evaluated: int


class PeriodDetail(PeriodOut):
    evaluations: list[Evaluation]


class Taken(BaseModel):
    period: str
    recorded: bool
    """False when the period was recorded before (nothing changed)."""


def _header(services: Services, period: str) -> PeriodOut:
    found = services.ledger.evaluation_period(period)
    if found is None:
        raise PeriodNotRecordedError(f"no evaluation of {period} was recorded",
                                     field="period")
    return PeriodOut(period=found.period, period_end=found.period_end,
                     taken_on=found.taken_on, formula_id=found.formula_id,
                     positions=found.positions, evaluated=len(found.evaluated))


def period_rows(services: Services, period: str) -> list[Evaluation]:
    return [Evaluation.model_validate(p.evaluation)
            for p in services.ledger.period_evaluations(period)]


@router.get("", response_model=list[PeriodOut])
def periods(services: ServicesDep, _: Annotated[Account, WATCHERS]) -> list[PeriodOut]:
    """The quarters and years evaluated, in the order they were recorded."""
    return [_header(services, p.period) for p in services.ledger.evaluation_periods()]


@router.get("/{period}", response_model=PeriodDetail)
def period_detail(period: Period, services: ServicesDep,
                  _: Annotated[Account, WATCHERS]) -> PeriodDetail:
    """One period's evaluation of every body and region, with the formula and positions."""
    header = _header(services, period)
    return PeriodDetail(**header.model_dump(), evaluations=period_rows(services, period))


@router.get("/{period}/export", response_class=Response)
def period_export(period: Period, services: ServicesDep, _: Annotated[Account, WATCHERS],
                  format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
                  lang: Literal["zh", "en"] = "zh") -> Response:
    """One period's evaluation as a CSV or xlsx file, one line per body or region."""
    header = _header(services, period)
    rows, columns = export_table(period_rows(services, period), header.formula_id, lang)
    return export(rows, columns, format, f"evaluation-{period}", lang=lang)


def export_table(found: list[Evaluation], formula_id: str, lang: str) -> (
    tuple[list[dict[str, Any]], list[tuple[str, str]]]
):
    """The lines and (key, title) columns of a period's export."""
    t = translator("zh")
    names = [*METRICS, *(PLAN_METRICS if any(e.third_party_score is not None or
                                             "leads_received" in e.metrics for e in found)
                         else ())]
    columns = [("kind", t("subject_kind")), ("code", t("code")), ("name", t("name")),
               ("formula_id", t("formula_id")), ("score", t("score")), ("grade", t("grade")),
               ("third_party_score", t("third_party_score")),
               *((m, t(m)) for m in names)]
    rows = [{"kind": translator(lang)(f"kind_{e.kind}"), "code": e.code, "name": e.name,
             "formula_id": formula_id, "score": e.score, "grade": e.grade,
             "third_party_score": e.third_party_score, **e.metrics} for e in found]
    return rows, columns


@router.post("/{period}", response_model=Taken, status_code=201)
def take(period: Period, services: ServicesDep,
         account: Annotated[Account, Depends(require(*access.OPERATORS))]) -> Taken:
    """Record a period that has ended now, when the calendar's run missed it."""
    with services.views() as conn:
        recorded = take_period(services.ledger, conn, period, services.today(),
                               account.actor())
    return Taken(period=period, recorded=recorded)
