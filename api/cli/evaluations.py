"""``credit-ledger evaluations``: the quarterly and annual evaluations recorded in the log —
list them, record an ended period by hand, and replay one from the log.

``replay`` is the auditor's check: it builds the views the period read from the log up to the
positions it recorded, in a schema of its own (so it needs a role that may create one: the
database's owner, or an auditor's copy of the log), evaluates again under the period's formula
and compares line by line; any difference is printed and the exit code is 1.
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
from projections.log import log_table_of
from projections.period_evaluations import differences, replay, take_period

app = typer.Typer(help="Quarterly and annual evaluations: list, record, replay.",
                  no_args_is_help=True)
PeriodArgument = Annotated[str, typer.Argument(help="a quarter (2026-Q4) or a year (2026)")]


@app.command("list")
def list_periods() -> None:
    """Every period recorded: when it was taken, under which formula, how many evaluated."""
    with _reported(), _opened() as ledger:
        for found in ledger.evaluation_periods():
            typer.echo(f"{found.period}: taken {found.taken_on} under {found.formula_id}, "
                       f"{len(found.evaluated)} evaluated")


@app.command()
def take(period: PeriodArgument, account: AccountOption = "") -> None:
    """Record an ended period now (the calendar's run records each one on its own)."""
    with _reported(), _opened() as ledger:
        actor = _account(account, *access.OPERATORS)
        url = database_url("api", config())
        with psycopg.connect(url, autocommit=True) as conn:
            recorded = take_period(ledger, conn, period, business_date(ledger.clock()),
                                       actor)
    typer.echo(f"recorded {period}" if recorded else f"{period} was recorded before")


@app.command("replay")
def replay_period(
    period: PeriodArgument,
    url: Annotated[str | None, typer.Option(
        "--database-url", help="a database whose role may create a schema (default: the "
                               "embedded server's, as its owner)")] = None,
) -> None:
    """Evaluate a recorded period again from the log and compare it with what was recorded."""
    target = url or database_url(config=config())
    with _reported(), _opened(target) as ledger:
        header = ledger.evaluation_period(period)
        recorded = [p.evaluation for p in ledger.period_evaluations(period)]
        assert header is not None
        formula = ledger.formula_book().in_force(header.period_end)
        with psycopg.connect(target, autocommit=True) as conn:
            again = replay(conn, log_table_of(ledger), header, formula, ledger.regions)
    found = differences(recorded, again)
    for line in found:
        typer.echo(line)
    typer.echo(f"{period}: {len(recorded)} evaluations, {len(found)} differ from the log")
    if found:
        raise typer.Exit(1)
