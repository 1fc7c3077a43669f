"""The quarterly and annual evaluations and the third-party ratings, for those who watch the
evaluation (operators, reviewers, auditors, administrators): the periods recorded, one period's
scores of every body and region, and the ratings with their sources, each exportable as CSV or
xlsx."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from api.auth import Account
from api.deps import Services, ServicesDep
from api.exports import EXPORT_CAP, export, export_capped
from api.i18n import translator
from api.pages import ExportFormat, check_csrf, language, page_role, render
from api.pages.register_forms import refused
from api.routes.evaluation_periods import export_table, period_rows
from api.routes.ratings import COLUMNS as RATING_COLUMNS
from api.uploads import CSV_XLSX, rows_report, saved, suffix_of
from ledger import access
from ledger import errors as e
from ledger.bulk.ratings import import_ratings
from projections.period_evaluations import ended_periods, take_period
from projections.ratings import ratings

router = APIRouter(tags=["pages"])
Watcher = Annotated[Account, page_role(*access.WATCHERS)]
Importer = Annotated[Account, page_role(*access.OPERATORS)]


@router.get("/evaluations", response_class=Response)
def periods_page(request: Request, services: ServicesDep, account: Watcher) -> Response:
    """The quarters and years evaluated, latest first."""
    return _periods(request, services, account)


@router.post("/evaluations", response_class=Response)
def record_period(request: Request, services: ServicesDep, account: Importer,
                  period: Annotated[str, Form()] = "",
                  csrf: Annotated[str, Form()] = "") -> Response:
    """Record an ended quarter or year by hand, when the calendar's run missed it; the page
    of the period follows."""
    check_csrf(request, csrf)
    if period not in _unrecorded(services):
        problem = translator(language(request))("choose_period")
        return _periods(request, services, account, problems=[problem], status=422)
    try:
        with services.views() as conn:
            take_period(services.ledger, conn, period, services.today(), account.actor())
    except e.LedgerError as error:
        return _periods(request, services, account,
                        problems=refused(error, language(request)), status=422)
    return RedirectResponse(f"/evaluations/{period}", status_code=303)


def _unrecorded(services: Services) -> list[str]:
    recorded = {p.period for p in services.ledger.evaluation_periods()}
    return [p for p in ended_periods(services.today()) if p not in recorded]


def _periods(request: Request, services: Services, account: Account,
             problems: list[str] | None = None, status: int = 200) -> Response:
    found = list(reversed(services.ledger.evaluation_periods()))
    may_record = account.role in access.OPERATORS
    return render(request, "evaluation_periods.html", {
        "periods": found, "problems": problems or [],
        "unrecorded": _unrecorded(services) if may_record else [],
    }, account=account, status=status)


@router.get("/evaluations/ratings", response_class=Response)
def ratings_page(request: Request, services: ServicesDep, account: Watcher,
                 format: ExportFormat = None) -> Response:
    """Third-party ratings with their sources, latest period first."""
    if format:
        with services.views() as conn:
            rows = ratings(conn, limit=EXPORT_CAP + 1)
        return export_capped(rows, RATING_COLUMNS, format, "third-party-ratings",
                             lang=language(request))
    return _ratings(request, services, account)


@router.post("/evaluations/ratings/import", response_class=Response)
def import_ratings_file(request: Request, services: ServicesDep, account: Importer,
                        file: Annotated[UploadFile | None, File()] = None,
                        csrf: Annotated[str, Form()] = "") -> Response:
    """Import every row of an uploaded CSV or xlsx file of third-party ratings; the page
    reports each refused row by line and field, and lists the ratings as they now stand."""
    check_csrf(request, csrf)
    suffix = suffix_of(file, CSV_XLSX)
    if file is None or suffix is None:
        problem = translator(language(request))("choose_ratings_file")
        return _ratings(request, services, account, problems=[problem], status=422)
    with saved(file, suffix, "ledger-ratings-") as path:
        results = list(import_ratings(services.ledger, path, account.actor()))
    return _ratings(request, services, account, report=rows_report(results))


def _ratings(request: Request, services: Services, account: Account,
             report: dict[str, Any] | None = None, problems: list[str] | None = None,
             status: int = 200) -> Response:
    with services.views() as conn:
        rows = ratings(conn, limit=500)
    return render(request, "ratings.html", {
        "ratings": rows, "report": report, "problems": problems or [],
        "may_import": account.role in access.OPERATORS,
    }, account=account, status=status)


@router.get("/evaluations/{period}", response_class=Response)
def period_page(request: Request, services: ServicesDep, account: Watcher,
                period: Annotated[str, Path(pattern=r"^\d{4}(-Q[1-4])?$")],
                format: ExportFormat = None) -> Response:
    """One period's score of every body and region, with the formula it was taken under."""
    header = services.ledger.evaluation_period(period)
    found = period_rows(services, period)  # refused 404 when the period was not recorded
    assert header is not None
    lang = language(request)
    if format:
        rows, columns = export_table(found, header.formula_id, lang)
        return export(rows, columns, format, f"evaluation-{period}", lang=lang)
    return render(request, "evaluation_period.html", {
        "header": header, "regions": [e for e in found if e.kind == "region"],
        "bodies": [e for e in found if e.kind == "body"],
        "plan": any(e.third_party_score is not None or "leads_received" in e.metrics
                    for e in found),
    }, account=account)
