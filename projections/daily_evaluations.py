"""Taking a day's evaluations: every body and region evaluated from the views under the
formula in force, recorded as dated snapshots (``ledger.evaluations``), and the warnings they
carry recorded as facts to act on (``ledger.warning``).

The operator's snapshot action (``POST /api/v1/evaluations/snapshots``, the form on
``/regions``), ``credit-ledger warnings raise`` and the worker's daily run
(``workflows.daily_warnings``, through ``day_taker``) all come here. Taking the day again, or a
retry after a failure half-way, records only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.events import SYSTEM, Actor
from ledger.formulas import Formula
from ledger.warning_steps import warnings_of
from projections.evaluation import evaluate_all


@dataclass(frozen=True)
class DayTaken:
    """What taking a day's evaluations recorded now."""

    taken_on: date
    formula_id: str
    recorded: int
    """Snapshots recorded now; those taken earlier the same day stand."""
    warnings: list[UUID]
    """The warnings recorded now; those still open were recorded before."""


def take_day(ledger: Ledger, conn: psycopg.Connection[Any], formula: Formula, on: date,
             actor: Actor) -> DayTaken:
    """Evaluate everything on ``on`` under ``formula`` and record the snapshots, then the
    warnings."""
    found = [e.model_dump(mode="json")
             for e in evaluate_all(conn, formula, on, regions=ledger.regions)]
    recorded = ledger.take_evaluations(
        on, formula.id, [(e["kind"], e["code"], e) for e in found], actor)
    raised = ledger.raise_warnings(on, formula.id, warnings_of(found), actor)
    return DayTaken(taken_on=on, formula_id=formula.id, recorded=recorded, warnings=raised)


def day_taker(url: str) -> Callable[[date], int]:
    """What the daily warnings workflow's activity runs: the day's evaluations taken by the
    system under the formula in force, from the views at ``url`` (a role that reads the views
    and writes events: the API's); returns how many warnings were recorded now."""
    def take(on: date) -> int:
        ledger = open_ledger(url, pool_size=1, personal_data=False)
        try:
            formula = ledger.formula_book().in_force(on)
            with psycopg.connect(url, autocommit=True) as conn:
                return len(take_day(ledger, conn, formula, on, SYSTEM).warnings)
        finally:
            ledger.close()

    return take
