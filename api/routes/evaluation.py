"""Integrity evaluation (政务诚信评价) of bodies and regions, and the early warnings raised."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import Account
from api.deps import ServicesDep, require
from ledger.errors import SubjectNotFoundError
from ledger.events import Role as R
from projections import queries
from projections.evaluation import Evaluation
from projections.evaluation import Warning as EarlyWarning

router = APIRouter(prefix="/api/v1", tags=["evaluation"])
WATCHERS = Depends(require(R.OPERATOR, R.PLATFORM_REVIEWER, R.AUDITOR, R.ADMINISTRATOR))
BODY_READERS = Depends(require(R.SUBJECT_OFFICIAL, R.PLATFORM_REVIEWER, R.OPERATOR, R.AUDITOR,
                               R.ADMINISTRATOR))


@router.get("/subjects/bodies/{credit_code}/evaluation", response_model=Evaluation)
def body_evaluation(credit_code: str, services: ServicesDep,
                    account: Annotated[Account, BODY_READERS]) -> Evaluation:
    """A body's score and grade under the formula in force, with the metrics behind it.

    Officials see only their own body's. Departments are not shown evaluations: the score and
    its metrics count every department's records about the body, not only those a department
    may see.
    """
    code = credit_code.upper()
    with services.views() as conn:
        found = queries.body_evaluation(conn, code)
    if found is None or (account.role is R.SUBJECT_OFFICIAL and account.subject != code):
        raise SubjectNotFoundError("no body with this credit code in the views",
                                   field="credit_code")
    return found


@router.get("/regions/{region_code}/evaluation", response_model=Evaluation)
def region_evaluation(region_code: str, services: ServicesDep,
                      _: Annotated[Account, WATCHERS]) -> Evaluation:
    """A region's score: the mean of its bodies' scores, those of every region below it
    included; its metrics count its records and those below it."""
    with services.views() as conn:
        return queries.evaluate_region(conn, region_code)


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
        return queries.warnings(conn, region=region, kind=kind)
