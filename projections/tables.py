"""View tables: their definitions, and the page-sized working sets views write through.

A view reads the rows a page of events touches in one query per table, changes them in memory
while it applies the page, and writes them back in bulk at the end. Row-at-a-time SQL would put
one round trip per event per view on the critical path of every rebuild.

Rows go to the database as one JSON document per table and page, which the server unpacks
(``json_populate_recordset``): orjson makes it from the rows as they are, several times faster
than adapting them value by value for COPY, and the unpacking is the server's work, not ours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from psycopg import sql

Key = tuple[Any, ...]
Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """One table of a view: columns with their SQL types, the primary key, plain indexes."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[str, ...] = ()
    """Index definitions after ``ON table``, e.g. ``"(subject_id)"`` or ``"USING gin (chain)"``."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def ident(self, schema: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(self.name))

    def create_statements(self, schema: str) -> list[sql.Composed]:
        return [self.table_statement(schema), *self.index_statements(schema)]

    def table_statement(self, schema: str) -> sql.Composed:
        """The table with its primary key, without the plain indexes."""
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
            for name, kind in self.columns
        )
        key = sql.SQL(", ").join(map(sql.Identifier, self.key))
        return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))").format(
            self.ident(schema), columns, key)

    def index_statements(self, schema: str) -> list[sql.Composed]:
        """The plain indexes alone: a rebuild adds them after loading, which is far cheaper."""
        return [
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} {}").format(
                sql.Identifier(f"{self.name}_i{n}"), self.ident(schema), sql.SQL(index))
            for n, index in enumerate(self.indexes, start=1)
        ]

    def fingerprint(self) -> str:
        """Changes whenever the definition does, so a stale table is noticed, not misread."""
        text = repr((self.name, self.columns, self.key, self.indexes))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def create_tables(cursor: psycopg.Cursor[Any], tables: Iterable[Table], schema: str, *,
                  indexes: bool = True) -> None:
    """Create the schema and the tables, with their plain indexes unless ``indexes`` is false."""
    cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for table in tables:
        for statement in table.create_statements(schema) if indexes else [
                table.table_statement(schema)]:
            cursor.execute(statement)


@dataclass
class Rows:
    """The rows of one table that a page reads and changes, written back at ``flush``.

    Rows the page did not load are new: ``begin`` loads every row a page's events can touch
    that may already exist, so ``flush`` can write changed rows back with one DELETE and one
    INSERT per table instead of a statement per row. A row wrongly taken for new fails loudly
    on the primary key rather than overwriting anything.
    """

    table: Table
    schema: str
    keep_last_page: bool = False
    """Carry the rows the last page changed into the next page (see ``start_page``)."""
    _rows: dict[Key, Row | None] = field(default_factory=dict)
    _stored: set[Key] = field(default_factory=set)
    _changed: set[Key] = field(default_factory=set)
    _last: set[Key] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Every event of a rebuild passes through here several times: keys are made by
        # C-level getters, not by generator expressions.
        key = self.table.key
        if len(key) == 1:
            only = key[0]
            self.key_of: Callable[[Row], Key] = lambda row: (row[only],)
        else:
            self.key_of = itemgetter(*key)
        # Rows of a longer key, by its first column (a record's deadlines, say): ``where`` on
        # that column is a lookup rather than a walk through every row held.
        self._groups: dict[Any, set[Key]] | None = {} if len(key) > 1 else None
        self._whole: set[Any] = set()
        """First-column values all of whose rows are held (loaded, or carried over whole)."""
        self._new: set[Any] = set()
        self._insert = _from_json(self.table, self.schema)

    def clear(self) -> None:
        self._rows.clear()
        self._stored.clear()
        self._changed.clear()
        self._last.clear()
        self._whole.clear()
        self._new.clear()
        if self._groups is not None:
            self._groups.clear()

    def start_page(self) -> None:
        """Forget the rows held, before a page; or, with ``keep_last_page``, all but those the
        last page changed.

        A rebuild writes a page while it applies the next (``projections.writer``), so a table
        may lack the last page's changes: they are kept here, and win over what ``load``
        reads. Rows changed before the last page are in the table by then. Of a longer key,
        all the rows that share the first column of a changed one are kept, so ``load`` and
        ``where`` need not ask the table for them again.
        """
        if not self.keep_last_page:
            self.clear()
            return
        last, self._last = self._last, set()
        if self._groups is not None:
            whole = {key[0] for key in last}
            self._groups = {value: self._groups[value] for value in whole}
            last = set().union(*self._groups.values())
            self._whole, self._new = whole | self._new, set()
        self._rows = {key: self._rows[key] for key in last}
        self._stored &= last
        self._changed.clear()

    def load(self, cursor: psycopg.Cursor[Any], column: str, values: Collection[Any]) -> None:
        """Read every row whose ``column`` is one of ``values`` (rows already held are kept).

        Values whose rows are all held already are not asked for.
        """
        wanted = set(values)
        wanted.discard(None)
        if column == self.table.key[0]:
            wanted -= self._whole
            if self._groups is None:
                wanted = {v for v in wanted if (v,) not in self._rows}
        if not wanted:
            return
        names = self.table.column_names
        cursor.execute(sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
            sql.SQL(", ").join(map(sql.Identifier, names)), self.table.ident(self.schema),
            sql.Identifier(column)), (list(wanted),))
        for values_ in cursor.fetchall():
            row = dict(zip(names, values_, strict=True))
            key = self.key_of(row)
            if key not in self._rows:
                self._rows[key] = row
                self._stored.add(key)
                if self._groups is not None:
                    self._group(key)
        if self._groups is not None and column == self.table.key[0]:
            self._whole |= wanted

    def none_stored(self, value: Any) -> None:
        """Say that no row whose first key column is ``value`` is stored yet (a new record's),
        so that the next page need not ask for them either."""
        if self._groups is not None:
            self._new.add(value)
            self._whole.add(value)

    def get(self, *key: Any) -> Row | None:
        return self._rows.get(key)

    def where(self, column: str, value: Any) -> list[Row]:
        """Held rows whose ``column`` equals ``value`` (all of them, if they were loaded)."""
        if self._groups is not None and column == self.table.key[0]:
            return [row for key in self._groups.get(value, ())
                    if (row := self._rows[key]) is not None]
        return [r for r in self._rows.values() if r is not None and r[column] == value]

    def put(self, row: Row) -> None:
        key = self.key_of(row)
        self._rows[key] = row
        self._changed.add(key)
        if self._groups is not None:
            self._group(key)

    def _group(self, key: Key) -> None:
        assert self._groups is not None
        found = self._groups.get(key[0])
        if found is None:
            self._groups[key[0]] = {key}
        else:
            found.add(key)

    def delete(self, *key: Any) -> None:
        self._rows[key] = None
        self._changed.add(key)
        if self._groups is not None:
            self._group(key)

    def flush(self, cursor: psycopg.Cursor[Any]) -> None:
        changed, rows = self._changed, self._rows
        stale = changed & self._stored
        if stale:
            self._delete(cursor, list(stale))
        fresh = [row for key in changed if (row := rows[key]) is not None]
        if fresh:
            cursor.execute(self._insert, (as_json(fresh),))
        self._stored |= changed
        if len(fresh) < len(changed):
            self._stored -= {key for key in changed if rows[key] is None}
        self._last |= changed
        changed.clear()

    def _delete(self, cursor: psycopg.Cursor[Any], keys: list[Key]) -> None:
        kinds = dict(self.table.columns)
        arrays = sql.SQL(", ").join(
            sql.SQL("%s::{}[]").format(sql.SQL(kinds[name].split()[0]))
            for name in self.table.key)
        names = sql.SQL(", ").join(map(sql.Identifier, self.table.key))
        matches = sql.SQL(" AND ").join(
            sql.SQL("t.{c} = d.{c}").format(c=sql.Identifier(name)) for name in self.table.key)
        cursor.execute(sql.SQL("DELETE FROM {} AS t USING unnest({}) AS d ({}) WHERE {}").format(
            self.table.ident(self.schema), arrays, names, matches),
            [list(column) for column in zip(*keys, strict=True)])


def as_json(rows: list[Row]) -> str:
    """Rows as a JSON array of objects, for ``json_populate_recordset``."""
    return orjson.dumps(rows, default=_decimal).decode()


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # as text, so the numeric keeps its exact digits and scale
    raise TypeError(f"{type(value).__name__} cannot go into a view table")


def _from_json(table: Table, schema: str, conflict: sql.Composable | None = None) -> (
    sql.Composed
):
    names = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    return sql.SQL(
        "INSERT INTO {t} AS {a} ({c}) SELECT {c} FROM json_populate_recordset(NULL::{t}, %s::json)"
        " {conflict}").format(t=table.ident(schema), a=sql.Identifier(table.name), c=names,
                             conflict=conflict or sql.SQL(""))


@dataclass
class Counters:
    """Integer counters keyed like their table, kept as deltas and added on ``flush``."""

    table: Table
    schema: str
    _deltas: dict[Key, dict[str, int]] = field(default_factory=dict)

    def clear(self) -> None:
        self._deltas.clear()

    def add(self, key: Sequence[Any], deltas: dict[str, int]) -> None:
        held = self._deltas.setdefault(tuple(key), {})
        for name, delta in deltas.items():
            if delta:
                held[name] = held.get(name, 0) + delta

    def flush(self, cursor: psycopg.Cursor[Any]) -> None:
        counters = [name for name in self.table.column_names if name not in self.table.key]
        rows = [
            {**dict(zip(self.table.key, key, strict=True)),
             **{name: deltas.get(name, 0) for name in counters}}
            for key, deltas in self._deltas.items() if any(deltas.values())
        ]
        if rows:
            cursor.execute(_upsert(self.table, self.schema), (as_json(rows),))
        if any(delta < 0 for deltas in self._deltas.values() for delta in deltas.values()):
            # A key whose counters all went back to zero holds nothing, as after a rebuild.
            cursor.execute(sql.SQL("DELETE FROM {}.{} WHERE {}").format(
                sql.Identifier(self.schema), sql.Identifier(self.table.name),
                sql.SQL(" AND ").join(sql.SQL("{} = 0").format(sql.Identifier(n))
                                      for n in counters)))
        self._deltas.clear()


def _upsert(table: Table, schema: str) -> sql.Composed:
    """Add each row's counters to the stored ones (one row per key, so no row is hit twice)."""
    target = sql.Identifier(table.name)
    updates = sql.SQL(", ").join(
        sql.SQL("{c} = {t}.{c} + EXCLUDED.{c}").format(c=sql.Identifier(n), t=target)
        for n in table.column_names if n not in table.key)
    return _from_json(table, schema, sql.SQL("ON CONFLICT ({}) DO UPDATE SET {}").format(
        sql.SQL(", ").join(map(sql.Identifier, table.key)), updates))
