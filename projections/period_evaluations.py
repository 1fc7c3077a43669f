"""Taking the quarterly and annual evaluations from the views (``ledger.period_evaluations``),
and replaying one from the log.

A period is evaluated once it has ended, under the formula in force on its last day and with
the regions of that day, from the views read in one repeatable-read transaction together with
their positions in the log. A replay builds the same views afresh in a schema of its own from the
log up to those positions and evaluates again: an auditor's check that the recorded numbers are
the log's, which must come out equal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.events import SYSTEM, Actor
from ledger.formulas import Formula
from ledger.period_evaluations import EvaluationPeriod, period_of
from ledger.ratings import period_end
from ledger.regions import RegionTable
from projections.evaluation import Evaluation, evaluate_all
from projections.log import LogTable, decode_wanted, read_page
from projections.registry import view_class
from projections.view import VIEWS_SCHEMA

READ_VIEWS = ("subject_status", "region_rollup", "commitments", "leads", "third_party_ratings")
"""The views an evaluation reads."""


def due_periods(on: date) -> list[str]:
    """What is evaluated on a day: the quarter before the day's, and on a year's first
    quarter the year before."""
    before = date(on.year - 1, 12, 31) if on.month <= 3 else date(
        on.year, (on.month - 1) // 3 * 3, 1)
    periods = [period_of(before, "quarter")]
    if on.month <= 3:
        periods.append(period_of(before, "year"))
    return periods


def ended_periods(on: date, quarters: int = 4) -> list[str]:
    """The periods one may record by hand on a day, latest first: the last ``quarters``
    quarters that have ended, then the last year."""
    found, end = [], date(on.year, (on.month - 1) // 3 * 3 + 1, 1) - timedelta(days=1)
    for _ in range(quarters):
        found.append(period_of(end, "quarter"))
        end = date(end.year, (end.month - 1) // 3 * 3 + 1, 1) - timedelta(days=1)
    return [*found, period_of(date(on.year - 1, 12, 31), "year")]


def positions(conn: psycopg.Connection[Any], schema: str = VIEWS_SCHEMA) -> dict[str, int]:
    rows = conn.execute(sql.SQL("SELECT view, position FROM {}.positions WHERE view = ANY(%s)")
                        .format(sql.Identifier(schema)), (list(READ_VIEWS),)).fetchall()
    return {str(view): int(position) for view, position in rows}


def take_period(ledger: Ledger, conn: psycopg.Connection[Any], period: str, today: date,
                actor: Actor, regions: RegionTable | None = None) -> bool:
    """Evaluate a period that has ended and record it; ``False`` if it was recorded before.
    ``conn`` reads the views and must not be inside a transaction."""
    if ledger.evaluation_period(period) is not None:
        return False
    ends = period_end(period)
    formula = ledger.formula_book().in_force(ends)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        read = positions(conn)
        found = evaluate_all(conn, formula, ends, regions=regions or ledger.regions)
    return ledger.record_period_evaluation(
        period, today, formula.id, read,
        [(e.kind, e.code, e.model_dump(mode="json")) for e in found], actor)


def take_due(ledger: Ledger, conn: psycopg.Connection[Any], today: date, actor: Actor) -> (
    list[str]
):
    """Record the periods due ``today`` not recorded yet; returns those recorded now."""
    return [period for period in due_periods(today)
            if take_period(ledger, conn, period, today, actor)]


def period_taker(url: str) -> Callable[[date], list[str]]:
    """What the quarterly evaluation workflow's activity runs: the periods due on a day
    recorded by the system, from the views at ``url`` (a role that reads the views and
    writes events: the API's)."""
    def take(on: date) -> list[str]:
        ledger = open_ledger(url, pool_size=1, personal_data=False)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                return take_due(ledger, conn, on, SYSTEM)
        finally:
            ledger.close()

    return take


def replay(conn: psycopg.Connection[Any], log: LogTable, header: EvaluationPeriod,
           formula: Formula, regions: RegionTable, *, page_size: int = 2000) -> (
               list[Evaluation]):
    """The period evaluated again from views built from the log up to the positions it
    recorded, in a schema made for the purpose and dropped after. ``conn`` is autocommit."""
    schema = f"{VIEWS_SCHEMA}_replay_{uuid.uuid4().hex[:12]}"
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        with conn.cursor() as cursor:
            for name, upto in header.positions.items():
                view = view_class(name)(schema)
                view.create_tables(cursor)
                _build(cursor, view, log, upto, page_size)
        return evaluate_all(conn, formula, header.period_end, regions=regions, schema=schema)
    finally:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _build(cursor: psycopg.Cursor[Any], view: Any, log: LogTable, upto: int,
           page_size: int) -> None:
    after = 0
    while after < upto:
        rows = [row for row in read_page(cursor, log, after, page_size) if row.position <= upto]
        if not rows:
            return
        entries = [e for e in decode_wanted(rows, view.handles) if e.event is not None]
        view.begin(cursor, entries)
        for entry in entries:
            view.apply(cursor, entry.event, entry.position)
        view.flush(cursor)
        after = rows[-1].position


def differences(recorded: Sequence[dict[str, Any]], replayed: Sequence[Evaluation]) -> (
    list[str]
):
    """Where a replay differs from what was recorded (nothing, when the log is whole)."""
    again = {(e.kind, e.code): e for e in replayed}
    found = []
    for row in recorded:
        was = Evaluation.model_validate(row)
        now = again.pop((was.kind, was.code), None)
        if now is None:
            found.append(f"{was.kind} {was.code}: not evaluated in the replay")
        elif now != was:
            found.append(f"{was.kind} {was.code}: recorded {was.score} ({was.grade}), "
                         f"replayed {now.score} ({now.grade})")
    found += [f"{kind} {code}: evaluated in the replay only" for kind, code in sorted(again)]
    return found
