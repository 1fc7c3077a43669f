"""``credit-ledger calendar``: the working-day calendar, and the deadlines that wait for it.

``status`` shows the published years with their notice numbers, the last day a deadline can be
counted to, and the deadlines waiting for a year, by year. ``publish`` records one year from the
State Council's notice (a ``PublishedYear`` JSON file) and dates every deadline that waited for
it. Both open the ledger the way ``credit-ledger`` always does (``LEDGER_DATABASE_URL``, else
the embedded PostgreSQL under ``LEDGER_HOME``).
"""

from __future__ import annotations

import typer

from api.cli.ledger import AccountOption, InputFile, _account, _opened, _read_json, _reported
from ledger import access
from ledger import commands as c
from ledger.calendar import PublishedYear
from ledger.calendar_years import CalendarStatus

app = typer.Typer(help="Working-day calendar years and the deadlines waiting for them.",
                  no_args_is_help=True)


@app.command()
def status() -> None:
    """Published years, the last day deadlines can be counted to, and who waits."""
    with _reported(), _opened() as ledger:
        typer.echo(describe(ledger.calendar_status()))


@app.command()
def publish(file: InputFile, account: AccountOption = "") -> None:
    """Publish one year's holidays and make-up working days (a PublishedYear JSON file)."""
    publish_file(file, account)


def publish_file(file: InputFile, account: str) -> None:
    with _reported():
        year = PublishedYear.model_validate(_read_json(file))
        with _opened() as ledger:
            cmd = c.PublishCalendarYear(year=year)
            dated = ledger.execute(cmd, _account(account, *access.roles(type(cmd))))
    typer.echo(f"published {year.year} revision {year.revision} ({year.notice}): "
               f"{len(year.holidays)} holidays, {len(year.workdays)} make-up working days; "
               f"{dated} waiting deadline(s) dated")


def describe(status: CalendarStatus) -> str:
    """The status as an operator reads it at the console."""
    first, last = status.package_years
    lines = [f"today: {status.today}",
             f"package calendar: {first}-{last} (chinesecalendar)"]
    lines += [f"published {y.year} revision {y.revision}: {y.notice} "
              f"({len(y.holidays)} holidays, {len(y.workdays)} make-up working days)"
              for y in status.published]
    lines.append(f"deadlines can be counted until {status.computable_until} "
                 f"({status.days_left} days from today)")
    if status.waiting:
        lines += [f"waiting for the {year} calendar: {count} deadline(s)"
                  for year, count in status.waiting.items()]
    else:
        lines.append("no deadline is waiting for a calendar year")
    if (warning := status.warning()) is not None:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
