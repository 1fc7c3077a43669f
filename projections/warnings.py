"""``warnings``: every early warning recorded in the log (``ledger.warning``), its inputs' gist,
its state and what the region did about it — the operators' board on ``/regions``.

A warning is ``open`` when raised, ``escalated`` once its acknowledgement is overdue (it then
answers to the region above, ``above``), ``acknowledged``, ``followed_up`` (约谈, 督导, 通报 or
none, with reasons) and ``closed`` with its result. ``region_chain`` is its region and every
region above, so a region's board lists the warnings of all below it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from ledger import held_deadlines as hd
from ledger import warning_events as we
from projections.tables import Row, Table
from projections.view import AggregateRowView

WARNINGS = Table(
    name="warnings",
    columns=(
        ("warning_id", "uuid"),
        ("rule_id", "text NOT NULL"),
        ("formula_id", "text NOT NULL"),
        ("kind", "text NOT NULL"),
        ("code", "text NOT NULL"),
        ("name", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
        ("above", "text NOT NULL"),
        ("raised_on", "date NOT NULL"),
        ("number", "integer NOT NULL"),
        ("metric", "text NOT NULL"),
        ("value", "numeric NOT NULL"),
        ("score", "numeric NOT NULL"),
        ("message", "text NOT NULL"),
        ("state", "text NOT NULL"),
        ("due", "date"),
        ("acknowledged_on", "date"),
        ("follow_up", "text"),
        ("reasons", "text"),
        ("followed_up_on", "date"),
        ("result", "text"),
        ("closed_on", "date"),
        ("overdue", "boolean NOT NULL"),
        ("urged", "boolean NOT NULL"),
        ("escalated", "boolean NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("warning_id",),
    indexes=("USING gin (region_chain)", "(state)", "(raised_on)"),
)
STATES = ("open", "escalated", "acknowledged", "followed_up", "closed")


def state_of(row: Row) -> str:
    if row["result"] is not None:
        return "closed"
    if row["follow_up"] is not None:
        return "followed_up"
    if row["acknowledged_on"] is not None:
        return "acknowledged"
    return "escalated" if row["overdue"] or row["escalated"] else "open"


class WarningBoard(AggregateRowView):
    """Every warning and its state."""

    name = "warnings"
    tables = (WARNINGS,)
    handles = frozenset({we.WarningRaised, we.WarningAcknowledged, we.FollowUpRecorded,
                         we.ResultRecorded, hd.DeadlineDated, hd.DeadlineMissed,
                         hd.DeadlineUrged, hd.DeadlineEscalated})

    first = we.WarningRaised

    def change(self, row: Row, event: Any) -> None:
        if isinstance(event, we.WarningAcknowledged):
            row["acknowledged_on"] = event.acknowledged_on
        elif isinstance(event, we.FollowUpRecorded):
            row.update(follow_up=event.follow_up.value, reasons=event.reasons,
                       followed_up_on=event.recorded_on)
        elif isinstance(event, we.ResultRecorded):
            row.update(result=event.result, closed_on=event.recorded_on)
        elif isinstance(event, hd.DeadlineDated) and event.starts is not None:
            row["due"] = event.starts.due
        elif isinstance(event, hd.DeadlineMissed | hd.DeadlineUrged | hd.DeadlineEscalated):
            row[event.flag] = True
        row["state"] = state_of(row)

    def new_row(self, event: we.WarningRaised, position: int) -> Row:
        return {
            "warning_id": event.originator_id, "rule_id": event.rule_id,
            "formula_id": event.formula_id, "kind": event.kind, "code": event.code,
            "name": event.name, "region_code": event.region_code,
            "region_chain": self.regions.reporting_chain(event.region_code),
            "above": event.above, "raised_on": event.raised_on, "number": event.number,
            "metric": event.metric, "value": event.value, "score": event.score,
            "message": event.message, "state": "open",
            "due": event.starts.due if event.starts is not None else None,
            "acknowledged_on": None, "follow_up": None, "reasons": None,
            "followed_up_on": None, "result": None, "closed_on": None, "overdue": False,
            "urged": False, "escalated": False, "position": position,
        }


_WHERE = """
    WHERE (%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text])
      AND (%(state)s::text IS NULL OR state = %(state)s)"""


def _fetch(conn: psycopg.Connection[Any], query: str, params: dict[str, Any]) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def recorded_warnings(conn: psycopg.Connection[Any], *, region: str | None = None,
                      state: str | None = None, limit: int = 10_000) -> list[Row]:
    """Warnings in ``region`` and below it (all without one), those still to act on first,
    escalated and earliest due first; then the closed ones, latest first."""
    return _fetch(conn, f"""
        SELECT * FROM views.warnings {_WHERE}
        ORDER BY state = 'closed', state <> 'escalated', due NULLS LAST, raised_on DESC,
                 closed_on DESC NULLS LAST, warning_id
        LIMIT %(limit)s""", {"region": region, "state": state, "limit": limit})


def recorded_warning(conn: psycopg.Connection[Any], warning_id: UUID) -> Row | None:
    found = _fetch(conn, "SELECT * FROM views.warnings WHERE warning_id = %(id)s",
                   {"id": warning_id})
    return found[0] if found else None
