"""The ``credit-ledger`` command line: every command module registers on one Typer app."""

from __future__ import annotations

import os
import signal
from typing import Annotated

import typer

# ``dev`` and the app's own commands (``file``, ``import``, ``timeline`` ...) register on import
import api.cli.dev
import api.cli.ledger  # noqa: F401
from api.cli import (
    accounts,
    audit,
    calendar,
    database,
    deadlines,
    evaluations,
    formulas,
    leads,
    projections,
    ratings,
    steps,
    warnings,
)
from api.cli.app import app, config
from ledger.config import Config, ConfigError
from ledger.store.keys import MissingKeyError

# Each group is named for its module (``credit-ledger leads ...``); the database's is ``db``.
for group in (accounts, audit, calendar, database, deadlines, evaluations, formulas, leads,
              projections, ratings, steps, warnings):
    app.add_typer(group.app, name="db" if group is database else group.__name__.split(".")[-1])



@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the HTTP API and the web pages."""
    from api.server import build_services
    from api.server import serve as run_server

    settings = config()
    run_server(build_services(settings), settings, host=host, port=port)


def main() -> None:
    # A stop request (``docker stop``, systemd, ``kill``) ends a long-running command the way
    # Ctrl-C does: its services stop in order and an embedded database is shut down.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = Config.from_environ(os.environ)  # the one read; a bad value stops us here
        app(obj=settings)
    except (ConfigError, MissingKeyError) as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
