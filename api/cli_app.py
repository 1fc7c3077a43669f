"""The Typer application that every command module of ``credit-ledger`` registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Government-integrity (政务诚信) credit-record ledger.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
