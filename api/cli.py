"""The ``credit-ledger`` command line: every command module registers on one Typer app."""

from __future__ import annotations

import os
import signal
from typing import Annotated

import typer

from api import (
    cli_accounts,
    cli_audit,
    cli_calendar,
    cli_database,
    cli_deadlines,
    cli_evaluations,
    cli_formulas,
    cli_leads,
    cli_ledger,
    cli_projections,
    cli_ratings,
    cli_steps,
    cli_warnings,
    devstack,
)
from api.cli_app import app, config
from ledger.config import Config, ConfigError
from ledger.storage import MissingKeyError

app.add_typer(cli_accounts.app, name="accounts")
app.add_typer(cli_audit.app, name="audit")
app.add_typer(cli_calendar.app, name="calendar")
app.add_typer(cli_database.app, name="db")
app.add_typer(cli_deadlines.app, name="deadlines")
app.add_typer(cli_evaluations.app, name="evaluations")
app.add_typer(cli_formulas.app, name="formulas")
app.add_typer(cli_leads.app, name="leads")
app.add_typer(cli_projections.app, name="projections")
app.add_typer(cli_ratings.app, name="ratings")
app.add_typer(cli_steps.app, name="steps")
app.add_typer(cli_warnings.app, name="warnings")

# ``credit-ledger dev`` starts these after the database, in order, and stops them in reverse.
cli_ledger.DEV_SERVICES += [devstack.dev_followers, devstack.dev_deadlines, devstack.dev_sealer,
                             devstack.dev_http]


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
