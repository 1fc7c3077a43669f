"""Rebuilding views from the whole log into fresh tables, then swapping them in.

The new tables are filled in a scratch schema per view (``views_rebuild_<view>``), a page per
transaction, while the live tables keep serving reads and the live follower keeps them current.
The swap is one transaction: it locks the views' position rows (so their followers pause),
applies the few events written since, drops the live tables, moves the new ones into ``views``
and stores the new position. Readers wait on the table locks for that moment and then see the new
tables; they never see a missing or half-built one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from projections.follower import advisory_key
from projections.log import LogTable, UndecodableEventError, decode_wanted, read_page
from projections.positions import Failure, ensure_positions
from projections.view import VIEWS_SCHEMA, View

Progress = Callable[[int], None]
"""Called after each page with the number of log entries it covered."""


class RebuildError(Exception):
    """A view's code failed on an event while rebuilding; the live tables are untouched."""

    def __init__(self, view: str, message: str, failure: Failure | None = None) -> None:
        self.view = view
        self.failure = failure
        super().__init__(message)


@dataclass(frozen=True)
class Rebuilt:
    views: tuple[str, ...]
    position: int
    entries: int
    seconds: float

    @property
    def rate(self) -> float:
        """Log entries per second."""
        return self.entries / self.seconds if self.seconds > 0 else 0.0


def scratch_schema(view: str) -> str:
    return f"{VIEWS_SCHEMA}_rebuild_{view}"


def apply_page(cursor: psycopg.Cursor[Any], views: Sequence[View], log: LogTable, after: int,
               page_size: int) -> tuple[int, int]:
    """Apply one page of the log after ``after`` to every view.

    Returns how many log entries the page held and the position after it.
    """
    rows = read_page(cursor, log, after, page_size)
    if not rows:
        return 0, after
    wanted = set().union(*(view.handles for view in views))
    try:
        entries = decode_wanted(rows, wanted)
    except UndecodableEventError as error:
        failure = Failure(error.position, error.topic, str(error))
        raise RebuildError(views[0].name, failure.describe(views[0].name), failure) from error
    for view in views:
        mine = [e for e in entries if e.event is not None and type(e.event) in view.handles]
        view.begin(cursor, mine)
        for entry in mine:
            assert entry.event is not None
            try:
                view.apply(cursor, entry.event, entry.position)
            except Exception as error:
                view.discard()
                failure = Failure(entry.position, entry.topic, f"{type(error).__name__}: {error}")
                raise RebuildError(view.name, failure.describe(view.name), failure) from error
        view.flush(cursor)
    return len(rows), rows[-1].position


def build(conn: psycopg.Connection[Any], views: Sequence[View], log: LogTable, *,
          after: int = 0, page_size: int = 2000, progress: Progress | None = None) -> (
    tuple[int, int]
):
    """Apply the log after ``after`` to the views' tables, a page per transaction.

    The tables must exist and ``conn`` be in autocommit mode. Returns how many log entries
    were applied and the position reached.
    """
    position, total = after, 0
    while True:
        with conn.transaction(), conn.cursor() as cursor:
            count, position = apply_page(cursor, views, log, position, page_size)
        total += count
        if progress is not None and count:
            progress(count)
        if count < page_size:
            return total, position


def rebuild(url: str, view_classes: Sequence[type[View]], log: LogTable, *,
            page_size: int = 2000, progress: Progress | None = None) -> Rebuilt:
    """Rebuild the views from the whole log and swap the new tables in."""
    started = time.perf_counter()
    views = [cls(scratch_schema(cls.name)) for cls in view_classes]
    with psycopg.connect(url, autocommit=True) as conn:
        for view in views:
            # Two rebuilds of one view would fill the same scratch schema.
            held = conn.execute("SELECT pg_try_advisory_lock(%s)",
                                (advisory_key(f"rebuild:{view.name}"),)).fetchone()
            if not (held and held[0]):
                raise RebuildError(view.name, f"a rebuild of view {view.name} is already running")
        try:
            _prepare(conn, views)
            # Scratch pages need no durability: a crash leaves a schema the next rebuild drops.
            # The swap commits synchronously, which also flushes everything written before it.
            conn.execute("SET synchronous_commit = off")
            entries, position = build(conn, views, log, page_size=page_size, progress=progress)
            _index(conn, views)
            conn.execute("SET synchronous_commit = on")
            tail, position = _swap(conn, views, log, position, page_size)
        except BaseException:
            _drop_scratch(conn, views)
            raise
    return Rebuilt(tuple(v.name for v in views), position, entries + tail,
                   time.perf_counter() - started)


def _prepare(conn: psycopg.Connection[Any], views: Sequence[View]) -> None:
    with conn.transaction(), conn.cursor() as cursor:
        for view in views:
            cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(view.schema)))
            view.create_tables(cursor, indexes=False)


def _index(conn: psycopg.Connection[Any], views: Sequence[View]) -> None:
    """Index the loaded tables; one build per index costs far less than upkeep per page."""
    with conn.transaction(), conn.cursor() as cursor:
        for view in views:
            view.create_indexes(cursor)


def _swap(conn: psycopg.Connection[Any], views: Sequence[View], log: LogTable, position: int,
          page_size: int) -> tuple[int, int]:
    with conn.transaction(), conn.cursor() as cursor:
        ensure_positions(cursor)
        positions = sql.Identifier(VIEWS_SCHEMA)
        for view in sorted(views, key=lambda v: v.name):
            cursor.execute(sql.SQL(
                "INSERT INTO {}.positions (view) VALUES (%s) ON CONFLICT (view) DO NOTHING"
            ).format(positions), (view.name,))
            cursor.execute(sql.SQL(
                "SELECT position FROM {}.positions WHERE view = %s FOR UPDATE"
            ).format(positions), (view.name,))
        tail, count = 0, page_size
        while count == page_size:
            count, position = apply_page(cursor, views, log, position, page_size)
            tail += count
        for view in views:
            for table in view.tables:
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                    table.ident(VIEWS_SCHEMA)))
                cursor.execute(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    table.ident(view.schema), positions))
            cursor.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(view.schema)))
            cursor.execute(sql.SQL(
                "UPDATE {}.positions SET position = %s, error = NULL, error_position = NULL, "
                "error_topic = NULL, definition = %s, updated_at = now() WHERE view = %s"
            ).format(positions), (position, view.fingerprint(), view.name))
    return tail, position


def _drop_scratch(conn: psycopg.Connection[Any], views: Sequence[View]) -> None:
    try:
        with conn.transaction(), conn.cursor() as cursor:
            for view in views:
                cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    sql.Identifier(view.schema)))
    except psycopg.Error:
        pass
