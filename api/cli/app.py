"""The Typer application that every command module of ``credit-ledger`` registers on."""

from __future__ import annotations

import click
import typer

from ledger.config import Config, current

app = typer.Typer(
    help="Government-integrity (政务诚信) credit-record ledger.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def config() -> Config:
    """The settings ``credit-ledger`` read from its environment at start (``api.cli.main.main``);
    the environment as it is now when a command is invoked without them, as tests do."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Config) if context is not None else None
    return found if found is not None else current()
