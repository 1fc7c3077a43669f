"""``credit-ledger projections``: run the followers, rebuild views, show their status."""

from __future__ import annotations

import threading
from typing import Annotated

import psycopg
import typer
from tqdm import tqdm

from api.cli.app import config
from ledger.bootstrap import open_ledger
from ledger.store.storage import database_url
from projections.follower import Follower, run_followers
from projections.log import LogTable, head, log_table_of
from projections.positions import view_status
from projections.rebuild import RebuildError, rebuild, rebuild_upgraded
from projections.registry import VIEWS, view_class, view_names
from projections.view import View

app = typer.Typer(help="Read models: follow the log, rebuild views, show their status.",
                  no_args_is_help=True)


def _log(url: str) -> LogTable:
    ledger = open_ledger(url, pool_size=1, personal_data=False)
    try:
        return log_table_of(ledger)
    finally:
        ledger.close()


def _views(names: list[str] | None) -> list[type[View]]:
    try:
        return [view_class(name) for name in names] if names else list(VIEWS)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0])) from None


def rebuild_upgraded_views(url: str, classes: list[type[View]], log: LogTable) -> list[str]:
    """Rebuild the views an upgrade changed before they are followed (if another process is
    rebuilding them already, their followers wait for it); what happened, for the operator."""
    try:
        done = rebuild_upgraded(url, classes, log)
    except RebuildError as error:
        return [f"not rebuilt after the upgrade: {error}"]
    if done is None:
        return []
    return [f"rebuilt {', '.join(done.views)} (their code changed): {done.entries} events in "
            f"{done.seconds:.1f} s"]


@app.command()
def run(
    view: Annotated[list[str] | None, typer.Option(help="Follow only these views.")] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = 500,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds between polls.")] = 1.0,
    once: Annotated[bool, typer.Option(help="Catch up once and exit.")] = False,
) -> None:
    """Keep the views up to date with the log until Ctrl-C."""
    url = database_url("followers", config())
    log = _log(url)
    classes = _views(view)
    for line in rebuild_upgraded_views(url, classes, log):
        typer.echo(line)
    views = [cls() for cls in classes]
    if once:
        for v in views:
            follower = Follower(url, v, log, page_size=page_size)
            covered = follower.catch_up()
            follower.close()
            message = follower.failure.describe(v.name) if follower.failure else "ok"
            typer.echo(f"{v.name}: {covered} events applied; {message}")
        return
    stop = threading.Event()
    threads = run_followers(url, views, log, stop, page_size=page_size, poll_interval=poll)
    typer.echo(f"following {', '.join(v.name for v in views)}; Ctrl-C stops")
    try:
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=0.5)
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        stop.set()
        for thread in threads:
            thread.join()


@app.command("rebuild")
def rebuild_views(
    view: Annotated[str | None, typer.Argument(
        help=f"One of: {', '.join(view_names())}; all views if left out.")] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = 2000,
    processes: Annotated[int, typer.Option(min=1, help=(
        "Split the views over this many processes, each reading the log; "
        "up to the number of cores helps."))] = 1,
) -> None:
    """Rebuild views from the whole log into fresh tables and swap them in."""
    url = database_url("followers", config())
    log = _log(url)
    classes = _views([view] if view else None)
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        total = head(cursor, log)
    with tqdm(total=total, unit="ev", desc="rebuild", smoothing=0.1) as bar:
        try:
            done = rebuild(url, classes, log, page_size=page_size, progress=bar.update,
                           processes=processes)
        except RebuildError as error:
            typer.echo(f"rebuild failed, live views untouched: {error}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"rebuilt {', '.join(done.views)}: {done.entries} events in "
               f"{done.seconds:.1f} s ({done.rate:,.0f} events/s), position {done.position}")


@app.command()
def status() -> None:
    """Each view's position, lag behind the log, and health."""
    url = database_url("followers", config())
    log = _log(url)
    with psycopg.connect(url) as conn:
        found = view_status(conn, log)
    if not found:
        typer.echo("no views yet: run `credit-ledger projections run` or `rebuild`")
        return
    width = max(len(s.view) for s in found)
    typer.echo(f"{'view':<{width}}  {'position':>10}  {'lag':>8}  health")
    unhealthy = False
    for s in found:
        health = "ok" if s.healthy else f"STOPPED: {s.error}"
        unhealthy |= not s.healthy
        typer.echo(f"{s.view:<{width}}  {s.position:>10}  {s.lag:>8}  {health}")
    if unhealthy:
        raise typer.Exit(1)
