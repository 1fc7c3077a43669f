"""The ``credit-ledger`` command line: every command module registers on one Typer app."""

from __future__ import annotations

from api import (
    cli_audit,
    cli_deadlines,
    cli_ledger,  # noqa: F401  (registers its commands)
    cli_projections,
)
from api.cli_app import app

app.add_typer(cli_audit.app, name="audit")
app.add_typer(cli_deadlines.app, name="deadlines")
app.add_typer(cli_projections.app, name="projections")


def main() -> None:
    app()
