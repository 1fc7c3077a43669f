"""``credit-ledger accounts``: create, rotate, revoke and list API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from api.auth import Account, PostgresTokenStore
from api.cli.app import config
from ledger.events import Role
from ledger.store.storage import database_url

app = typer.Typer(help="API accounts and their bearer tokens (stored hashed).",
                  no_args_is_help=True)


def _tokens() -> PostgresTokenStore:
    """The API's token store, with the lifetime this command was started with."""
    settings = config()
    return PostgresTokenStore(database_url("api", settings), config=settings)


@app.command("create")
def create(
    account_id: Annotated[str, typer.Argument(help="a stable id, e.g. reviewer-lin")],
    role: Annotated[Role, typer.Option(help="the role the token acts in")],
    name: Annotated[str, typer.Option(help="who holds it (shown in lists)")],
    subject: Annotated[str | None, typer.Option(
        help="subject code a subject official acts for, a department's own code, or "
             "the region an operator acts for")] = None,
) -> None:
    """Create a token; it is printed once, stored only as a hash, and expires after
    LEDGER_TOKEN_DAYS (90) days."""
    try:
        tokens = _tokens()
        token = tokens.create(Account(account_id, role, subject, name))
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


@app.command("rotate")
def rotate(account_id: str) -> None:
    """Issue a new token for an account (printed once) and revoke its old ones."""
    token = _tokens().rotate(account_id)
    if token is None:
        typer.echo(f"error: no active token for {account_id}", err=True)
        raise typer.Exit(1)
    typer.echo(token)


@app.command("revoke")
def revoke(account_id: str) -> None:
    """Revoke every token of an account."""
    if not _tokens().revoke(account_id):
        typer.echo(f"error: no active token for {account_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {account_id}")


@app.command("list")
def list_accounts() -> None:
    """Every token with its account, role, subject, state and expiry (UTC)."""
    now = datetime.now(UTC)
    for issued in _tokens().issued():
        account = issued.account
        state = ("revoked" if issued.revoked else
                 "expired" if issued.expires_at <= now else "active")
        expires = issued.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{account.id:<24} {account.role.value:<18} {account.subject or '-':<20} "
                   f"{state:<8} expires {expires}  {account.name}")
