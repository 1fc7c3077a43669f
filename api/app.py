"""The FastAPI application: routers, error mapping, OpenAPI."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.deps import Services
from api.routes import records, settings, subjects


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="credit-ledger",
        summary="Government-integrity (政务诚信) credit records: every fact an event.",
        version="0.1.0",
    )
    app.state.services = services
    errors.install(app)
    for router in (records.router, subjects.router, settings.router):
        app.include_router(router)
    return app
