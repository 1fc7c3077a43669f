"""Health, readiness, Prometheus metrics and structured JSON logs with request ids.

Log lines carry the request id, method, route template, status and duration — never a query
string, a body or a header, since those may hold personal data.
"""

from __future__ import annotations

import contextvars
import logging
import time
import traceback
import uuid
from typing import Annotated, Any

import orjson
import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from psycopg import sql
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.auth import Account
from api.deps import Services, ServicesDep, require
from ledger import access
from ledger.clock import business_date

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
logger = logging.getLogger("credit_ledger.http")
router = APIRouter(tags=["operations"])


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and extras."""

    FIELDS = ("method", "route", "status", "duration_ms", "command", "outcome")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        line.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info and record.exc_info[1] is not None:
            line.update(_error(record.exc_info[1]))
        return orjson.dumps(line).decode()


def _error(error: BaseException) -> dict[str, str]:
    """The error's type and the first line of its message (a database error's later lines quote
    the statement), and where it was raised: enough to find it, short of a traceback."""
    message = (str(error).strip().splitlines() or [""])[0]
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "-"
    return {"error": f"{type(error).__name__}: {message}"[:300], "error_at": where}


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class Metrics:
    """The HTTP and command metrics of one app, in their own registry."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "ledger_http_request_seconds", "HTTP request latency", ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.commands = Counter("ledger_commands_total", "Commands by type and outcome",
                                ["command", "outcome"], registry=self.registry)
        self.registry.register(ViewCollector(services))
        self.registry.register(SealerCollector(services))


class _DatabaseCollector(Collector):
    """Metrics read from the database at scrape time; none where the ledger has none."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Any:
        if self.services.database_url is not None:
            yield from self.read()

    def read(self) -> Any:
        raise NotImplementedError


class ViewCollector(_DatabaseCollector):
    """Follower positions and lag, open and overdue deadlines by kind, read at scrape time."""

    def read(self) -> Any:
        position = GaugeMetricFamily("ledger_follower_position", "Last applied log position",
                                     labels=["follower"])
        lag = GaugeMetricFamily("ledger_follower_lag", "Log entries not yet applied",
                                labels=["follower"])
        healthy = GaugeMetricFamily("ledger_follower_healthy", "1 unless stopped on an error",
                                    labels=["follower"])
        open_ = GaugeMetricFamily("ledger_open_deadlines", "Open deadlines", labels=["kind"])
        overdue = GaugeMetricFamily("ledger_overdue_deadlines", "Overdue deadlines",
                                    labels=["kind"])
        waiting = GaugeMetricFamily(
            "ledger_deadlines_waiting", "Deadlines waiting for a calendar year to be published",
            labels=["year"])
        ledger = self.services.ledger
        today = business_date(ledger.clock())
        until = ledger.settings().calendar().computable_until(today)
        days_left = GaugeMetricFamily(
            "ledger_calendar_days_left",
            "Days until the last day the published working-day calendar can count to",
            value=(until - today).days)
        try:
            with self.services.views(timeout=3) as conn:
                table = getattr(self.services.ledger.recorder, "events_table_name", "")
                head = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}")
                                    .format(sql.Identifier(table))).fetchone()
                top = int(head[0]) if head else 0
                for name, pos, error in conn.execute(
                        "SELECT view, position, error FROM views.positions").fetchall():
                    position.add_metric([name], pos)
                    lag.add_metric([name], max(0, top - pos))
                    healthy.add_metric([name], 0 if error else 1)
                for kind, count, late in conn.execute(
                        "SELECT kind, count(*), count(*) FILTER (WHERE overdue OR due < "
                        "(now() AT TIME ZONE 'Asia/Shanghai')::date) FROM views.open_deadlines "
                        "GROUP BY kind").fetchall():
                    open_.add_metric([kind], count)
                    overdue.add_metric([kind], late)
                for year, count in conn.execute(
                        "SELECT awaiting[1], count(*) FROM views.open_deadlines "
                        "WHERE due IS NULL GROUP BY 1").fetchall():
                    waiting.add_metric([str(year)], count)
        except psycopg.Error:
            logger.warning("metrics: the views could not be read")
        yield from (position, lag, healthy, open_, overdue, waiting, days_left)


class SealerCollector(_DatabaseCollector):
    """The latest signed tree head, and whether a sealer refuses to sign a rewritten log."""

    def read(self) -> Any:
        size = GaugeMetricFamily("ledger_checkpoint_size", "Leaves in the latest signed head")
        age = GaugeMetricFamily("ledger_checkpoint_age_seconds",
                                "Seconds since the latest head was signed")
        refusing = GaugeMetricFamily(
            "ledger_sealer_refusing",
            "1 while a sealer refuses to sign: the log does not extend its last checkpoint",
            labels=["log"])
        try:
            with self.services.views(timeout=3) as conn:
                sealed = conn.execute("SELECT to_regclass('proofs.alarms')").fetchone()
                if sealed is None or sealed[0] is None:  # no sealer has run yet
                    return
                head = conn.execute("SELECT size, timestamp_ms FROM proofs.tree_heads "
                                    "ORDER BY id DESC LIMIT 1").fetchone()
                if head is not None:
                    size.add_metric([], head[0])
                    age.add_metric([], max(0.0, time.time() - head[1] / 1000))
                for log, _ in conn.execute("SELECT log, reason FROM proofs.alarms").fetchall():
                    refusing.add_metric([log], 1)
        except psycopg.Error:
            logger.warning("metrics: the proofs tables could not be read")
        yield from (size, age, refusing)



class Observe(HttpMiddleware):
    """ASGI middleware: a request id on every answer, latency and command metrics, one JSON log
    line per request, and a JSON 500 naming the request id for an error no handler knows.

    Plain ASGI rather than ``@app.middleware("http")``, whose extra task and streams per request
    cost the filing path a measurable share of the event loop."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get("x-request-id")
        token = REQUEST_ID.set((given or uuid.uuid4().hex)[:64])
        started, status = time.perf_counter(), 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = REQUEST_ID.get()
            await send(message)

        try:
            try:
                await self.app(scope, receive, answer)
            except Exception:
                # Not an error the handlers know: logged here, with the request id the caller
                # is given, instead of an anonymous traceback and a dropped connection.
                logger.exception("unexpected error", extra={"method": scope["method"],
                                                            "request_id": REQUEST_ID.get()})
                failed = JSONResponse(status_code=500, content={
                    "error": "InternalError", "field": None, "request_id": REQUEST_ID.get(),
                    "reason": "an unexpected error; the server's log has it under this "
                              "request id"})
                await failed(scope, receive, answer)
        finally:
            self._account(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _account(self, scope: Scope, status: int, elapsed: float) -> None:
        method = scope["method"]
        route = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.latency.labels(method, route, str(status)).observe(elapsed)
        if method == "POST" and route.startswith("/api/"):
            outcome = "ok" if status < 400 else "refused" if status < 500 else "error"
            self.metrics.commands.labels(route, outcome).inc()
        logger.info("request", extra={"method": method, "route": route, "status": status,
                                      "request_id": REQUEST_ID.get(),
                                      "duration_ms": round(elapsed * 1000, 1)})

def install(app: FastAPI, services: Services) -> Metrics:
    metrics = Metrics(services)
    app.state.metrics = metrics

    app.add_middleware(Observe, metrics=metrics)
    app.include_router(router)
    return metrics


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up (liveness)."""
    return {"status": "ok"}


@router.get("/ready")
def ready(services: ServicesDep) -> JSONResponse:
    """The database answers and the log is readable (readiness)."""
    try:
        services.ledger.recorder.max_notification_id()
    except (PersistenceError, psycopg.Error, OSError) as error:
        return JSONResponse({"status": "unavailable", "reason": type(error).__name__},
                            status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request,
            _: Annotated[Account, Depends(require(*access.OPERATORS))],
            ) -> Response:
    """Prometheus metrics: HTTP latency, commands, followers, deadlines."""
    found: Metrics = request.app.state.metrics
    return Response(generate_latest(found.registry), media_type=CONTENT_TYPE_LATEST)
