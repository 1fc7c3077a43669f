"""``credit-ledger warnings``: take today's evaluations and record the warnings they raise
(what the operator's snapshot action does), and list the recorded warnings with their state.

``raise`` is safe to run again, or to retry after it was cut short: the day's snapshots taken
stand and a warning still open is not recorded twice. A scheduler (cron) may run it daily.
"""

from __future__ import annotations

from typing import Annotated

import psycopg
import typer

from api.cli.app import config
from api.cli.ledger import AccountOption, _account, _opened, _reported
from ledger import access
from ledger.clock import business_date
from ledger.store.storage import database_url
from projections import warnings as board
from projections.daily_evaluations import take_day

app = typer.Typer(help="Early warnings: record today's, list them.", no_args_is_help=True)


@app.command("raise")
def raise_today(account: AccountOption = "") -> None:
    """Take today's evaluations under the formula in force and record the warnings raised."""
    with _reported(), _opened() as ledger:
        actor = _account(account, *access.OPERATORS)
        today = business_date(ledger.clock())
        formula = ledger.formula_book().in_force(today)
        with psycopg.connect(database_url("api", config()), autocommit=True) as conn:
            taken = take_day(ledger, conn, formula, today, actor)
    typer.echo(f"{taken.taken_on} under {taken.formula_id}: {taken.recorded} evaluations and "
               f"{len(taken.warnings)} new warnings recorded")


@app.command("list")
def list_warnings(
    region: Annotated[str | None, typer.Option(help="this region and those below it")] = None,
    state: Annotated[str | None, typer.Option(
        help="open, escalated, acknowledged, followed_up or closed")] = None,
) -> None:
    """The recorded warnings with their state, those to act on first."""
    with _reported(), psycopg.connect(database_url("api", config()), autocommit=True) as conn:
        for w in board.recorded_warnings(conn, region=region, state=state):
            typer.echo(f"{w['warning_id']}  {w['raised_on']}  {w['state']:<12} "
                       f"{w['region_code']}  {w['code']}  {w['rule_id']}: {w['message']}")
