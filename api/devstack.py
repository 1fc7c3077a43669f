"""The parts of ``credit-ledger dev`` beyond the database: followers, sealer, HTTP server.

Each is a context manager that starts its part in this process, yields the lines that tell a
newcomer where to look, and stops it on exit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from api.auth import PostgresTokenStore
from api.cli_app import config
from api.cli_projections import rebuild_upgraded_views
from api.limits import Limits
from api.server import build_services, sample_tokens
from ledger.bootstrap import open_ledger
from ledger.events import Role
from ledger.sample import sample_plan
from ledger.sealer import LogTable, Sealer
from ledger.storage import database_url
from ledger.values import SubjectType
from projections.daily_evaluations import day_taker
from projections.follower import run_followers
from projections.log import log_table_of
from projections.period_evaluations import period_taker
from projections.registry import VIEWS, all_views
from workflows.worker import serve as serve_deadlines


@contextmanager
def dev_followers() -> Iterator[list[str]]:
    """One follower per view, in threads."""
    settings = config()
    url = database_url("followers", settings)
    ledger = open_ledger(url, pool_size=1, personal_data=False, config=settings)
    stop = threading.Event()
    log = log_table_of(ledger)
    upgraded = rebuild_upgraded_views(url, list(VIEWS), log)
    threads = run_followers(url, all_views(), log, stop)
    try:
        yield [*upgraded, f"views: {len(threads)} followers keep the read models current "
               "(credit-ledger projections status)"]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        ledger.close()


@contextmanager
def dev_deadlines() -> Iterator[list[str]]:
    """The Temporal dev server (unless ``TEMPORAL_ADDRESS``), the worker and the dispatcher."""
    settings = config()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve_deadlines(
                stop, periods=period_taker(database_url("api", settings)),
                warnings=day_taker(database_url("api", settings)), config=settings))
        except Exception:
            logging.getLogger(__name__).exception("the deadline engine stopped")

    thread = threading.Thread(target=run, name="deadlines", daemon=True)
    thread.start()
    try:
        yield ["deadlines: Temporal worker and dispatcher running; web UI on "
               "http://localhost:8233 (credit-ledger deadlines list)"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)


@contextmanager
def dev_sealer() -> Iterator[list[str]]:
    """The Merkle sealer, signing a tree head every few seconds while the log grows."""
    settings = config()
    url = database_url("sealer", settings)
    ledger = open_ledger(url, pool_size=1, personal_data=False, config=settings)
    sealer = Sealer(url, LogTable.of(ledger), config=settings)
    stop = threading.Event()
    thread = threading.Thread(target=sealer.run, args=(stop,), name="sealer", daemon=True)
    thread.start()
    try:
        yield ["proofs: the sealer signs tree heads (credit-ledger audit head)"]
    finally:
        stop.set()
        thread.join(timeout=10)
        sealer.close()
        ledger.close()


def _sample_subjects() -> dict[Role, str]:
    """The sample official acts for the body of the first routine record, and the sample
    department is the one that filed it."""
    for item in sample_plan().records:
        cmd = item.command
        if cmd.subject_type is SubjectType.BODY and cmd.subject_code and item.story == "routine":
            return {Role.SUBJECT_OFFICIAL: cmd.subject_code,
                    Role.SOURCE_DEPARTMENT: cmd.source.code}
    raise LookupError("the sample has no routine record of a body")


@contextmanager
def dev_http(host: str = "127.0.0.1", port: int = 8000) -> Iterator[list[str]]:
    """The API and the pages on http://localhost:8000, with one sample account per role."""
    settings = config()
    services = build_services(settings)
    assert services.database_url is not None
    issued = sample_tokens(PostgresTokenStore(services.database_url), _sample_subjects())
    app = create_app(services, Limits.from_config(settings))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    try:
        lines = [f"pages and API: http://localhost:{port}/  (OpenAPI: /docs)",
                 "sample accounts (sign in at /login with the token, or send "
                 "'Authorization: Bearer <token>'):"]
        lines += [f"  {who}  {token}" for who, token in issued]
        yield lines
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.ledger.close()
