"""``credit-ledger db``: the database's roles and the guard on the log."""

from __future__ import annotations

import typer

from api.cli.app import config
from ledger.store.roles import SERVICES, ServerTooOldError, configured_passwords, migrate, role_name
from ledger.store.storage import database_url

app = typer.Typer(help="The ledger's database: roles per service and an append-only log.",
                  no_args_is_help=True)


@app.command("migrate")
def migrate_command() -> None:
    """As the database's owner: make the events table and the trigger that keeps it
    append-only, one role per service (passwords from LEDGER_<SERVICE>_DB_PASSWORD) and their
    grants. Safe to run again; compose runs it before the services start."""
    try:
        settings = config()
        migrate(database_url(config=settings), configured_passwords(settings))
    except ServerTooOldError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    for service in SERVICES:
        typer.echo(f"role {role_name(service)} ready for the {service}")
