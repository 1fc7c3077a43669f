"""The ``credit-ledger`` command line: every command module registers on one Typer app."""

from __future__ import annotations

from api import cli_ledger  # noqa: F401  (registers its commands)
from api.cli_app import app


def main() -> None:
    app()
