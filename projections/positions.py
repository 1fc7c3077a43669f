"""Each view's position in the log, and its health, in ``views.positions``.

The position is written in the same transaction as the view's tables, so after any crash the
tables and the position agree: a page is either wholly applied and counted, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from projections.log import LogTable, head
from projections.view import VIEWS_SCHEMA, View

_DDL_LOCK = 0x5649455753  # any constant; serialises concurrent first-time setup

_POSITIONS = (
    "CREATE TABLE IF NOT EXISTS {}.positions ("
    " view text PRIMARY KEY,"
    " position bigint NOT NULL DEFAULT 0,"
    " error text,"
    " error_position bigint,"
    " error_topic text,"
    " definition text,"
    " updated_at timestamptz NOT NULL DEFAULT now())"
)


# Composed once: they run for every page of every view.
_LOCK = sql.SQL(sql.SQL(
    "SELECT position, error, definition FROM {}.positions WHERE view = %s FOR UPDATE"
).format(sql.Identifier(VIEWS_SCHEMA)).as_string())
_STORE = sql.SQL(sql.SQL(
    "UPDATE {}.positions SET position = %s, error = NULL, error_position = NULL, "
    "error_topic = NULL, updated_at = now() WHERE view = %s"
).format(sql.Identifier(VIEWS_SCHEMA)).as_string())


@dataclass(frozen=True)
class Failure:
    """Where a view stopped: the event it could not apply, and why."""

    position: int
    topic: str
    message: str
    described: bool = False
    """``message`` is already a full description (read back from ``views.positions``)."""

    def describe(self, view: str) -> str:
        if self.described:
            return self.message
        if not self.topic:
            return f"view {view} stopped after position {self.position}: {self.message}"
        return f"view {view} stopped at event {self.position} ({self.topic}): {self.message}"


@dataclass(frozen=True)
class ViewStatus:
    """A view's position, how far behind the log it is, and whether it is healthy."""

    view: str
    position: int
    lag: int
    error: str | None
    error_position: int | None
    updated_at: datetime | None

    @property
    def healthy(self) -> bool:
        return self.error is None


def ensure_positions(cursor: psycopg.Cursor[Any]) -> None:
    """Create the ``views`` schema and its positions table if missing."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
    cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(VIEWS_SCHEMA)))
    cursor.execute(sql.SQL(_POSITIONS).format(sql.Identifier(VIEWS_SCHEMA)))


def install(conn: psycopg.Connection[Any], view: View) -> None:
    """Create the positions table, and the view's tables and row if missing; commit."""
    with conn.transaction(), conn.cursor() as cursor:
        ensure_positions(cursor)
        cursor.execute(sql.SQL(
            "INSERT INTO {}.positions (view, definition) VALUES (%s, %s) "
            "ON CONFLICT (view) DO NOTHING RETURNING view"
        ).format(sql.Identifier(VIEWS_SCHEMA)), (view.name, view.fingerprint()))
        if cursor.fetchone() is not None:
            view.create_tables(cursor, VIEWS_SCHEMA)


@dataclass(frozen=True)
class Held:
    """A view's row in ``views.positions``, locked by the current transaction."""

    position: int
    error: str | None
    stale: bool
    """The tables were made by another version of the view's code: only a rebuild helps."""


def made_by_other_code(conn: psycopg.Connection[Any], view: type[View]) -> bool:
    """The view's installed tables were made by another version of its code (an upgrade)."""
    if conn.execute("SELECT to_regclass(%s)", (f"{VIEWS_SCHEMA}.positions",)).fetchone() in (
            None, (None,)):
        return False
    row = conn.execute(sql.SQL("SELECT definition FROM {}.positions WHERE view = %s").format(
        sql.Identifier(VIEWS_SCHEMA)), (view.name,)).fetchone()
    return row is not None and row[0] != view.fingerprint()


def lock_position(cursor: psycopg.Cursor[Any], view: View) -> Held:
    """The view's position and error, locked until the transaction ends.

    The row lock is what makes a page exactly-once: a second follower of the same view (a
    standby that took over too early, say) waits here and then reads the position the first
    one stored, never the one before it.
    """
    cursor.execute(_LOCK, (view.name,))
    row = cursor.fetchone()
    if row is None:
        raise LookupError(f"view {view.name} is not installed")
    position, error, definition = row
    stale = definition != view.fingerprint()
    if stale and error is None:
        failure = Failure(position, "", "its tables were made by another version of its code; "
                          f"rebuild it (credit-ledger projections rebuild {view.name})")
        record_failure(cursor, view.name, failure)
        error = failure.describe(view.name)
    return Held(int(position), error, stale)


def store_position(cursor: psycopg.Cursor[Any], view: str, position: int) -> None:
    cursor.execute(_STORE, (position, view))


def record_failure(cursor: psycopg.Cursor[Any], view: str, failure: Failure) -> None:
    cursor.execute(sql.SQL(
        "UPDATE {}.positions SET error = %s, error_position = %s, error_topic = %s, "
        "updated_at = now() WHERE view = %s"
    ).format(sql.Identifier(VIEWS_SCHEMA)),
        (failure.describe(view), failure.position, failure.topic, view))


def view_status(conn: psycopg.Connection[Any], log: LogTable) -> list[ViewStatus]:
    """Every installed view's position, lag behind the log's head, and error."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", (f"{VIEWS_SCHEMA}.positions",))
        found = cursor.fetchone()
        if found is None or found[0] is None:
            return []
        top = head(cursor, log)
        cursor.execute(sql.SQL(
            "SELECT view, position, error, error_position, updated_at FROM {}.positions "
            "ORDER BY view"
        ).format(sql.Identifier(VIEWS_SCHEMA)))
        return [
            ViewStatus(view=v, position=p, lag=max(top - p, 0), error=e, error_position=ep,
                       updated_at=u)
            for v, p, e, ep, u in cursor.fetchall()
        ]
