"""Calendar years and rule sets (what deadlines are computed with), and evaluation formulas."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Account
from api.deps import ServicesDep, TokenFirstRoute, require
from api.idempotency import Keyed
from ledger import access
from ledger import commands as c
from ledger.calendar import PublishedYear
from ledger.formulas import Formula
from ledger.rules import RuleSet

router = APIRouter(prefix="/api/v1", tags=["calendar and rules"], route_class=TokenFirstRoute)
SignedIn = Annotated[Account, Depends(require(*access.READERS))]
Administrator = Annotated[Account, Depends(require(*access.ADMINISTRATORS))]


class CalendarOut(BaseModel):
    version: str
    published: list[PublishedYear]
    dated: int | None = None
    """On publishing: how many waiting deadlines the year gave a due date."""


class CalendarStatusOut(BaseModel):
    today: date
    version: str
    published: list[PublishedYear]
    package_years: tuple[int, int]
    computable_until: date
    """The last day a deadline starting today can be counted to."""
    days_left: int
    waiting: dict[int, int]
    """Deadlines waiting for a calendar year, by the first year each waits for."""
    warning: str | None


@router.get("/calendar", response_model=CalendarOut)
def calendar(services: ServicesDep, _: SignedIn) -> CalendarOut:
    """The working-day calendar in use: its version and the years published into the ledger."""
    cal = services.ledger.settings(fresh=True).calendar()
    return CalendarOut(version=cal.version, published=list(cal.published))


@router.post("/calendar/years", response_model=CalendarOut, status_code=201)
def publish_year(body: PublishedYear, services: ServicesDep, account: Administrator,
                 key: Keyed) -> JSONResponse:
    """Publish a calendar year from the State Council's holiday notice."""
    def act() -> CalendarOut:
        dated = services.ledger.publish_calendar_year(c.PublishCalendarYear(year=body),
                                                      account.actor())
        cal = services.ledger.settings(fresh=True).calendar()
        return CalendarOut(version=cal.version, published=list(cal.published), dated=dated)
    return key.run(account, body, act, 201)


@router.get("/calendar/status", response_model=CalendarStatusOut)
def calendar_status(services: ServicesDep, _: SignedIn) -> CalendarStatusOut:
    """How far deadlines can be counted, and the deadlines waiting for a calendar year."""
    status = services.ledger.calendar_status(services.today())
    return CalendarStatusOut(
        today=status.today, version=services.ledger.settings().calendar().version,
        published=list(status.published), package_years=status.package_years,
        computable_until=status.computable_until, days_left=status.days_left,
        waiting=status.waiting, warning=status.warning(),
    )


@router.get("/rule-sets", response_model=list[RuleSet])
def rule_sets(services: ServicesDep, _: SignedIn) -> list[RuleSet]:
    """Every rule set with its effective dates."""
    return services.ledger.settings(fresh=True).rule_book().all()


@router.post("/rule-sets", response_model=RuleSet, status_code=201)
def publish_rule_set(body: RuleSet, services: ServicesDep, account: Administrator,
                     key: Keyed) -> JSONResponse:
    """Publish a new rule set; it applies to records filed from its effective date."""
    def act() -> RuleSet:
        services.ledger.publish_rule_set(c.PublishRuleSet(rule_set=body), account.actor())
        return body
    return key.run(account, body, act, 201)


@router.get("/formulas", response_model=list[Formula])
def formulas(services: ServicesDep, _: SignedIn) -> list[Formula]:
    """Every evaluation formula version with its effective dates."""
    return services.ledger.settings(fresh=True).formula_book().all()


@router.post("/formulas", response_model=Formula, status_code=201)
def publish_formula(body: Formula, services: ServicesDep, account: Administrator,
                    key: Keyed) -> JSONResponse:
    """Publish an evaluation formula version; it scores evaluations from its effective date,
    which must be after today."""
    def act() -> Formula:
        return services.ledger.publish_formula(c.PublishFormula(formula=body), account.actor())
    return key.run(account, body, act, 201)
