"""The ``credit-ledger`` command line."""

from __future__ import annotations

import typer

from api import cli_ledger

app = typer.Typer(help="Government-integrity credit-record ledger.", no_args_is_help=True)
app.add_typer(cli_ledger.app, name="")


def main() -> None:
    app()
