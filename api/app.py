"""The FastAPI application: routers, error mapping, OpenAPI."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors, observability
from api.deps import Services
from api.headers import SecurityHeaders
from api.limits import BodyLimit, Limits, PublicRateLimit
from api.pages import (
    admin,
    breach_proposals,
    department,
    department_filing,
    lead_responses,
    people,
    public,
    regions,
    work,
)
from api.pages import commitments as commitment_pages
from api.pages import evaluations as evaluation_pages
from api.pages import leads as lead_pages
from api.pages import warnings as warning_pages
from api.routes import (
    audit,
    commitments,
    dishonesty,
    evaluation,
    evaluation_periods,
    leads,
    ratings,
    records,
    settings,
    subjects,
    transparency,
    views,
)
from api.routes import warnings as warning_routes

STATIC = Path(__file__).resolve().parent / "static"


def create_app(services: Services, limits: Limits | None = None) -> FastAPI:
    """The app over ``services``; ``limits`` bound bodies and public searches (by default
    bodies only: ``api.server`` passes the configured limits)."""
    app = FastAPI(
        title="credit-ledger",
        summary="Government-integrity (政务诚信) credit records: every fact an event.",
        version="0.1.0",
    )
    app.state.services = services
    errors.install(app)
    # Inside the request log (so refusals are logged and counted), outside everything else.
    limits = limits or Limits()
    app.add_middleware(BodyLimit, limits=limits)
    app.add_middleware(PublicRateLimit, limits=limits)
    observability.install(app, services)
    for router in (records.router, subjects.router, settings.router, audit.router,
                   department.router, department_filing.router,
                   views.router, evaluation.router, people.router, public.router, work.router,
                   regions.router, admin.router, transparency.router, commitments.router,
                   leads.router, commitment_pages.router, lead_pages.router,
                   evaluation_periods.router, ratings.router, evaluation_pages.router,
                   warning_routes.router, warning_pages.router, dishonesty.router,
                   lead_responses.router, breach_proposals.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs = tuple(path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
                 if path)
    app.add_middleware(SecurityHeaders, docs=docs)
    return app
