"""Integrity evaluation (政务诚信评价) of bodies and regions, and the early warnings raised.

Evaluations read now are worked out from the views with the formula in force today; an
evaluation ``on`` a past day is the snapshot taken that day (``ledger.evaluations``), which
reads the same whatever formula was published since.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import Account
from api.deps import Services, ServicesDep, TokenFirstRoute, require
from ledger import access
from ledger.errors import SubjectNotFoundError
from ledger.evaluations import Kind
from ledger.formulas import Formula
from projections import evaluation, subjects
from projections.daily_evaluations import take_day
from projections.evaluation import Evaluation, formula_in_force
from projections.evaluation import Warning as EarlyWarning

router = APIRouter(prefix="/api/v1", tags=["evaluation"], route_class=TokenFirstRoute)
On = Annotated[date | None, Query(description="the evaluation taken on this day")]
WATCHERS = Depends(require(*access.WATCHERS))
BODY_READERS = Depends(require(*access.BODY_READERS))


@router.get("/subjects/bodies/{credit_code}/evaluation", response_model=Evaluation)
def body_evaluation(credit_code: str, services: ServicesDep,
                    account: Annotated[Account, BODY_READERS], on: On = None) -> Evaluation:
    """A body's score and grade under the formula in force, with the metrics behind it.

    Officials see only their own body's. Departments are not shown evaluations: the score and
    its metrics count every department's records about the body, not only those a department
    may see.
    """
    code = credit_code.upper()
    if on is not None:
        found = _taken(services, "body", code, on)
    else:
        with services.views() as conn:
            found = subjects.body_evaluation(conn, code, formula_now(services))
    if found is None or not access.sees_subject(account.actor(), code):
        raise SubjectNotFoundError("no body with this credit code in the views",
                                   field="credit_code")
    return found


@router.get("/regions/{region_code}/evaluation", response_model=Evaluation)
def region_evaluation(region_code: str, services: ServicesDep,
                      _: Annotated[Account, WATCHERS], on: On = None) -> Evaluation:
    """A region's score: the mean of its bodies' scores, those of every region below it
    included; its metrics count its records and those below it."""
    if on is not None:
        found = _taken(services, "region", region_code, on)
        if found is None:
            raise SubjectNotFoundError(f"no evaluation of {region_code} was taken on {on}",
                                       field="on")
        return found
    with services.views() as conn:
        return evaluation.evaluate_region(conn, region_code, formula=formula_now(services))


class TakenOut(BaseModel):
    taken_on: date
    formula_id: str
    recorded: int
    """Snapshots recorded now; those taken earlier the same day stand."""
    warnings_raised: int = 0
    """Warnings recorded now; a warning still open is not recorded again."""


@router.post("/evaluations/snapshots", response_model=TakenOut, status_code=201)
def take_snapshots(services: ServicesDep,
                   account: Annotated[Account, Depends(require(*access.OPERATORS))],
                   ) -> TakenOut:
    """Take today's evaluation of every body with records and every region, under today's
    formula, as dated snapshots in the log, and record the warnings they raise."""
    return take_today(services, account)


def formula_now(services: Services) -> Formula:
    """The formula in force today, published versions included."""
    return formula_in_force(services.today(), services.ledger.formula_book())


def take_today(services: Services, account: Account) -> TakenOut:
    with services.views() as conn:
        taken = take_day(services.ledger, conn, formula_now(services), services.today(),
                         account.actor())
    return TakenOut(taken_on=taken.taken_on, formula_id=taken.formula_id,
                    recorded=taken.recorded, warnings_raised=len(taken.warnings))


def _taken(services: Services, kind: Kind, code: str, on: date) -> Evaluation | None:
    snapshot = services.ledger.evaluation_on(kind, code, on)
    return None if snapshot is None else Evaluation.model_validate(snapshot.evaluation)


@router.get("/warnings", response_model=list[EarlyWarning])
def warnings(
    services: ServicesDep, _: Annotated[Account, WATCHERS],
    region: Annotated[str | None, Query(pattern=r"^\d{6}$",
                                        description="this region, those below it and "
                                        "their bodies")] = None,
    kind: Literal["body", "region"] | None = None,
) -> list[EarlyWarning]:
    """Early warnings raised now: thresholds crossed by regions and by bodies."""
    with services.views() as conn:
        return subjects.warnings(conn, region=region, kind=kind)
