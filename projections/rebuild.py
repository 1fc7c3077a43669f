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
from typing import Any, cast

import psycopg
from psycopg import sql

from projections.follower import advisory_key
from projections.log import (
    Entry,
    LogTable,
    StoredRow,
    UndecodableEventError,
    decode_wanted,
    read_page,
)
from projections.positions import Failure, ensure_positions, made_by_other_code
from projections.rebuild_split import Built, GroupFailedError, build_split, split
from projections.view import VIEWS_SCHEMA, SharedPage, View
from projections.writer import AfterWrites, PageWriter, Recorded, collector_paused

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
    """Apply one page of the log after ``after`` to every view, in ``cursor``'s transaction.

    Returns how many log entries the page held and the position after it.
    """
    rows, entries = _read(cursor, views, log, after, page_size)
    if not rows:
        return 0, after
    _apply(cursor, views, entries)
    for view in views:
        view.flush(cursor)
    return len(rows), rows[-1].position


def _read(cursor: psycopg.Cursor[Any], views: Sequence[View], log: LogTable, after: int,
          page_size: int) -> tuple[list[StoredRow], list[Entry]]:
    """A page of the log, read and decoded once for all the views."""
    rows = read_page(cursor, log, after, page_size)
    return rows, _decode(views, rows)


def _decode(views: Sequence[View], rows: list[StoredRow]) -> list[Entry]:
    try:
        entries = decode_wanted(rows, set().union(*(view.handles for view in views)))
    except UndecodableEventError as error:
        failure = Failure(error.position, error.topic, str(error))
        raise RebuildError(views[0].name, failure.describe(views[0].name), failure) from error
    return [e for e in entries if e.event is not None]


def _apply(cursor: psycopg.Cursor[Any], views: Sequence[View], entries: list[Entry]) -> None:
    kinds = {type(e.event) for e in entries}
    shared = SharedPage(entries)
    for view in views:
        # Views that take every kind of event on the page share one list (and what they
        # work out from it, see ``stored_records``).
        view.begin(cursor, shared if kinds <= view.handles else [
            e for e in entries if type(e.event) in view.handles])
    # Event by event, every view in turn: what the views share about an event (its change,
    # see ``facts.change_of``) is worked out once, while the event is at hand.
    handlers = {cls: [v for v in views if cls in v.handles] for cls in kinds}
    for position, topic, event in entries:
        assert event is not None
        for view in handlers[type(event)]:
            try:
                view.apply(cursor, event, position)
            except Exception as error:
                for each in views:
                    each.discard()
                failure = Failure(position, topic, f"{type(error).__name__}: {error}")
                raise RebuildError(view.name, failure.describe(view.name), failure) from error


def build(conn: psycopg.Connection[Any], views: Sequence[View], log: LogTable, *,
          after: int = 0, page_size: int = 2000, progress: Progress | None = None,
          writes: psycopg.Connection[Any] | None = None) -> tuple[int, int]:
    """Apply the log after ``after`` to the views' tables, a page per transaction.

    The tables must exist and ``conn`` be in autocommit mode. With ``writes`` (a second
    connection, in autocommit mode) each page is written there while the next one is read and
    applied (see ``_pipelined``). Returns how many log entries were applied and the position
    reached.
    """
    if writes is not None:
        return _pipelined(conn, writes, views, log, after, page_size, progress)
    position, total, count = after, 0, page_size
    with conn.cursor() as cursor, collector_paused() as page_done:
        while count == page_size:
            with conn.transaction():
                count, position = apply_page(cursor, views, log, position, page_size)
            page_done()
            total += count
            if progress is not None and count:
                progress(count)
    return total, position


def _pipelined(conn: psycopg.Connection[Any], writes: psycopg.Connection[Any],
               views: Sequence[View], log: LogTable, position: int, page_size: int,
               progress: Progress | None) -> tuple[int, int]:
    """``build`` with the writing of each page on a thread of its own (``projections.writer``).

    Our part, decoding and applying, is the most of a rebuild; the database's part, storing
    what a page changed, goes on meanwhile.
    """
    for view in views:
        view.keep_last_page()
    writer, total, count = PageWriter(writes), 0, page_size
    try:
        with (conn.cursor() as log_cursor, AfterWrites(conn) as cursor,
              collector_paused() as page_done):
            cursor.writer = writer
            while count == page_size:
                rows = read_page(log_cursor, log, position, page_size)
                if rows:
                    _hand_over(cursor, views, rows, writer)
                    position, total = rows[-1].position, total + len(rows)
                    if progress is not None:
                        progress(len(rows))
                page_done()
                count = len(rows)
        writer.wait()
    finally:
        writer.close()
    return total, position


def _hand_over(cursor: psycopg.Cursor[Any], views: Sequence[View], rows: list[StoredRow],
               writer: PageWriter) -> None:
    """Apply a page, and hand what it changed to the writer."""
    _apply(cursor, views, _decode(views, rows))
    recorded = Recorded()
    for view in views:
        view.flush(cast(psycopg.Cursor[Any], recorded))
    writer.hand_over(recorded.steps)


def rebuild(url: str, view_classes: Sequence[type[View]], log: LogTable, *,
            page_size: int = 2000, progress: Progress | None = None,
            processes: int = 1) -> Rebuilt:
    """Rebuild the views from the whole log and swap the new tables in; with ``processes``
    above one, the views are split into that many groups, each built by a process of its own
    (``projections.rebuild_split``)."""
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
            groups = split(view_classes, processes)
            # Scratch pages need no durability: a crash leaves a schema the next rebuild drops.
            # The swap commits synchronously, which flushes everything written before it.
            if len(groups) > 1:
                built, entries = _build_split(url, groups, log, page_size, progress)
            else:
                with psycopg.connect(url, autocommit=True) as writes:
                    writes.execute("SET synchronous_commit = off")
                    entries, position = build(conn, views, log, page_size=page_size,
                                              progress=progress, writes=writes)
                built = [(view_classes, position)]
            _index(conn, views)
            tail, position = _swap(conn, [
                ([v for v in views if type(v) in group], reached) for group, reached in built
            ], log, page_size)
        except BaseException:
            _drop_scratch(conn, views)
            raise
    return Rebuilt(tuple(v.name for v in views), position, entries + tail,
                   time.perf_counter() - started)


def rebuild_upgraded(url: str, view_classes: Sequence[type[View]], log: LogTable, *,
                     progress: Progress | None = None) -> Rebuilt | None:
    """Rebuild the views whose tables an earlier version of their code made, as a process
    that follows them starts after an upgrade (their followers would otherwise stop, asking for
    a rebuild). ``None`` if none needed it."""
    with psycopg.connect(url, autocommit=True) as conn:
        upgraded = [cls for cls in view_classes if made_by_other_code(conn, cls)]
    return rebuild(url, upgraded, log, progress=progress) if upgraded else None


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


def _build_split(url: str, groups: Sequence[Sequence[type[View]]], log: LogTable,
                 page_size: int, progress: Progress | None) -> tuple[list[Built], int]:
    try:
        return build_split(url, groups, log, page_size=page_size, progress=progress)
    except GroupFailedError as error:
        raise RebuildError(error.view, str(error), error.failure) from None


def _swap(conn: psycopg.Connection[Any], groups: Sequence[tuple[Sequence[View], int]],
          log: LogTable, page_size: int) -> tuple[int, int]:
    """Swap every group's tables in, in one transaction, after applying each group's tail
    (the events written since it was built); the most entries a tail held, and the position
    reached."""
    views = [view for group, _ in groups for view in group]
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
        tail, reached = 0, {}
        for group, position in groups:
            covered, count = 0, page_size
            while count == page_size:
                count, position = apply_page(cursor, group, log, position, page_size)
                covered += count
            tail = max(tail, covered)
            reached.update({view.name: position for view in group})
        for view in views:
            position = reached[view.name]
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
    return tail, max(reached.values())


def _drop_scratch(conn: psycopg.Connection[Any], views: Sequence[View]) -> None:
    try:
        with conn.transaction(), conn.cursor() as cursor:
            for view in views:
                cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    sql.Identifier(view.schema)))
    except psycopg.Error:
        pass
