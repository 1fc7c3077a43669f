"""``credit-ledger deadlines``: the operators' list of open deadlines, and the deadline engine.

``list`` is one visibility query over the deadline workflows' search attributes, so it needs no
running worker; the same query can be typed into the Temporal web UI. It connects to
``TEMPORAL_ADDRESS`` (default ``localhost:7233``). ``serve`` runs the worker and the dispatcher
(against ``TEMPORAL_ADDRESS``, or a dev server it starts itself).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from api.cli.app import config
from ledger.store.storage import database_url
from projections.daily_evaluations import day_taker
from projections.period_evaluations import period_taker
from workflows.inputs import business_day
from workflows.search_attributes import DeadlineWorkflowRow, deadlines_query, list_deadlines
from workflows.worker import connect, serve_until_signalled

app = typer.Typer(help="Open, near and overdue deadlines (Temporal workflows).",
                  no_args_is_help=True)


@app.command("list")
def list_command(
    region: Annotated[str | None, typer.Option(help="reporting region code, e.g. 350102")] = None,
    kind: Annotated[str | None, typer.Option(help="deadline kind, e.g. explanation")] = None,
    due_before: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="only deadlines due before this day")] = None,
    near: Annotated[int | None, typer.Option(
        help="only deadlines due within this many days from today")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only deadlines already passed")] = (
        False
    ),
    show_query: Annotated[bool, typer.Option("--query", help="print the query too")] = False,
) -> None:
    """List open deadlines, soonest first."""
    now = datetime.now(UTC)
    before: date | None = due_before.date() if due_before else None
    if near is not None:
        horizon = business_day(now) + timedelta(days=near + 1)
        before = min(before, horizon) if before else horizon
    query = deadlines_query(region=region, kind=kind, due_before=before,
                            overdue_at=now if overdue else None)
    if show_query:
        typer.echo(query)
    rows = asyncio.run(_list(query))
    for row in rows:
        typer.echo(_line(row, now))
    typer.echo(f"{len(rows)} open deadline(s)", err=True)


async def _list(query: str) -> list[DeadlineWorkflowRow]:
    return await list_deadlines(await connect(config=config()), query)


def _line(row: DeadlineWorkflowRow, now: datetime) -> str:
    if row.deadline_at is None:
        due, flag = "?", ""
    else:
        due = (business_day(row.deadline_at) - timedelta(days=1)).isoformat()
        flag = "OVERDUE" if row.deadline_at <= now else ""
    return "\t".join([due, row.kind, row.state, flag, row.region_code, row.subject_code,
                      str(row.record_id or ""), row.workflow_id])


@app.command("serve")
def serve_command(
    worker: Annotated[bool, typer.Option(help="run the workflow worker")] = True,
    dispatcher: Annotated[bool, typer.Option(help="run the dispatcher")] = True,
) -> None:
    """Run the deadline worker and dispatcher until interrupted."""
    settings = config()
    periods = period_taker(database_url("api", settings)) if worker else None
    warnings = day_taker(database_url("api", settings)) if worker else None
    asyncio.run(serve_until_signalled(run_worker=worker, run_dispatcher=dispatcher,
                                      periods=periods, warnings=warnings, config=settings))
