"""Calendar horizons: when each record's publicity window and each sanction period ends.

Deadlines months or years away are not workflows; the dispatcher keeps this small table of them
from the log (a view of its own: ``workflows`` reads no other package's views), and a daily
Temporal Schedule sweeps it for those that have ended. Rows are keyed by (record, what), so
replaying a page rewrites the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from workflows.plans import closes_every_deadline
from workflows.tables import WorkflowsTable

PUBLICITY = "publicity"


def sanction(number: int) -> str:
    return f"sanction-{number}"


@dataclass(frozen=True)
class Horizon:
    """The end of a publicity window (``what`` = ``publicity``) or of sanction ``n``."""

    record_id: UUID
    what: str
    ends_on: date


@dataclass(frozen=True)
class Change:
    """Set a horizon (``ends_on`` given) or forget it."""

    record_id: UUID
    what: str
    ends_on: date | None


def horizon_changes(event: DomainEvent) -> list[Change]:
    """What an event changes in the horizons."""
    rid = event.originator_id
    if isinstance(event, ev.RecordFiled):
        return [Change(rid, PUBLICITY, event.publicity_max_end)]
    if isinstance(event, ev.SanctionImposed):
        return [Change(rid, sanction(event.number), event.ends_on)]
    if isinstance(event, ev.SanctionLifted):
        return [Change(rid, sanction(event.number), None)]
    if isinstance(event, ev.SanctionRestored):
        return [Change(rid, sanction(event.number), event.ends_on)]
    if isinstance(event, ev.RepairRevoked):  # in force again: its window ends as before
        return [Change(rid, PUBLICITY, event.window.max_end)]
    if isinstance(event, ev.Corrected | ev.ObjectionDecided | ev.ReviewDecided
                  | ev.ListingExtended) and event.window is not None:
        return [Change(rid, PUBLICITY, event.window.max_end)]
    ended = isinstance(event, ev.PublicityExpired) or closes_every_deadline(event) or (
        isinstance(event, ev.RepairDecided) and event.approved
    )
    return [Change(rid, PUBLICITY, None)] if ended else []


class Horizons(Protocol):
    def apply(self, changes: list[Change]) -> None: ...

    def ended_before(self, day: date, limit: int, after: Horizon | None = None) -> (
        list[Horizon]
    ):
        """Horizons ending before ``day``, in (ends_on, record, what) order, after ``after``."""
        ...


def _order(h: Horizon) -> tuple[date, str, str]:
    return (h.ends_on, str(h.record_id), h.what)


class MemoryHorizons:
    def __init__(self) -> None:
        self.rows: dict[tuple[UUID, str], date] = {}

    def apply(self, changes: list[Change]) -> None:
        for change in changes:
            if change.ends_on is None:
                self.rows.pop((change.record_id, change.what), None)
            else:
                self.rows[change.record_id, change.what] = change.ends_on

    def ended_before(self, day: date, limit: int, after: Horizon | None = None) -> (
        list[Horizon]
    ):
        ended = sorted((Horizon(rid, what, ends) for (rid, what), ends in self.rows.items()
                        if ends < day), key=_order)
        if after is not None:
            ended = [h for h in ended if _order(h) > _order(after)]
        return ended[:limit]


class PostgresHorizons(WorkflowsTable):
    """``workflows.horizons`` in the ledger's database."""

    TABLES = (
        "CREATE TABLE IF NOT EXISTS workflows.horizons (record_id uuid NOT NULL, "
        "what text NOT NULL, ends_on date NOT NULL, PRIMARY KEY (record_id, what))",
        "CREATE INDEX IF NOT EXISTS horizons_ends_on ON workflows.horizons (ends_on)",
    )

    def apply(self, changes: list[Change]) -> None:
        latest = {(c.record_id, c.what): c for c in changes}  # in log order: the last one wins
        gone = [(c.record_id, c.what) for c in latest.values() if c.ends_on is None]
        kept = [(c.record_id, c.what, c.ends_on) for c in latest.values() if c.ends_on]
        if not latest:
            return
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            if gone:
                cur.executemany("DELETE FROM workflows.horizons WHERE record_id = %s "
                                "AND what = %s", gone)
            if kept:
                cur.executemany(
                    "INSERT INTO workflows.horizons (record_id, what, ends_on) "
                    "VALUES (%s, %s, %s) ON CONFLICT (record_id, what) "
                    "DO UPDATE SET ends_on = EXCLUDED.ends_on", kept,
                )

    def ended_before(self, day: date, limit: int, after: Horizon | None = None) -> (
        list[Horizon]
    ):
        cursor = _order(after) if after else (date.min, "", "")
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT record_id, what, ends_on FROM workflows.horizons WHERE ends_on < %s "
                "AND (ends_on, record_id::text, what) > (%s, %s, %s) "
                "ORDER BY ends_on, record_id::text, what LIMIT %s", (day, *cursor, limit),
            ).fetchall()
        return [Horizon(rid, what, ends) for rid, what, ends in rows]
