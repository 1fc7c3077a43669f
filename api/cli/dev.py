"""``credit-ledger dev``: the system on this machine, with the sample, until Ctrl-C.

``DEV_SERVICES`` are started in order and stopped in reverse. Each is a context manager that
starts its part in this process, yields the lines that tell a newcomer where to look, and stops
it on exit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

import typer
import uvicorn
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.app import create_app
from api.auth import PostgresTokenStore
from api.cli.app import app, config
from api.cli.ledger import _describe_sample, _opened, _reported
from api.cli.projections import rebuild_upgraded_views
from api.limits import Limits
from api.server import build_services, sample_subjects, sample_tokens
from ledger.bootstrap import open_ledger
from ledger.proof.sealer import Sealer
from ledger.sample.load import load_sample, sample_summary
from ledger.store.follow import LogTable
from ledger.store.storage import database_url
from projections.daily_evaluations import day_taker
from projections.follower import run_followers
from projections.log import log_table_of
from projections.period_evaluations import period_taker
from projections.registry import VIEWS, all_views
from workflows.worker import serve as serve_deadlines

DevService = Callable[[], AbstractContextManager[list[str]]]
"""Starts one part of the local system, yields lines saying where to look, stops it on exit."""


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


@contextmanager
def dev_http(host: str = "127.0.0.1", port: int = 8000) -> Iterator[list[str]]:
    """The API and the pages on http://localhost:8000, with one sample account per role."""
    settings = config()
    services = build_services(settings)
    assert services.database_url is not None
    issued = sample_tokens(PostgresTokenStore(services.database_url), sample_subjects())
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


@contextmanager
def dev_ledger() -> Iterator[list[str]]:
    """The ledger's database (embedded unless ``LEDGER_DATABASE_URL``), with the sample."""
    settings = config()
    url = database_url("api", settings)
    with _opened(url) as ledger:
        empty = not ledger.recorder.max_notification_id()
        table = str(getattr(ledger.recorder, "events_table_name", "ledger_events"))
        summary = None if empty else sample_summary(ledger)
        warning = ledger.calendar_status().warning()
    if empty:
        summary = load_sample(lambda clock: open_ledger(url, clock=clock, pool_size=2,
                                                        config=settings))
    params = conninfo_to_dict(url)
    params.pop("password", None)
    shown = make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})
    lines = [f"ledger database: {shown}"]
    lines += _describe_sample(summary) if summary else ["the ledger holds other data than the "
                                                        "sample; it was left as it is"]
    lines.append(f'the log itself: psql "{shown}" -c "select count(*) from {table}"')
    if warning is not None:
        lines.append(f"warning: {warning} (credit-ledger calendar status)")
    yield lines


@app.command()
def dev() -> None:
    """Run the system on this machine with sample data until Ctrl-C."""
    with _reported(), ExitStack() as services:
        for service in DEV_SERVICES:
            for line in services.enter_context(service()):
                typer.echo(line)
        typer.echo("running; press Ctrl-C to stop")
        wait_until_interrupted()


def wait_until_interrupted() -> None:
    try:
        while not threading.Event().wait(1.0):
            pass
    except KeyboardInterrupt:
        typer.echo("stopping")


DEV_SERVICES: tuple[DevService, ...] = (
    dev_ledger, dev_followers, dev_deadlines, dev_sealer, dev_http)
