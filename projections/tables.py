"""View tables: their definitions, and the page-sized working sets views write through.

A view reads the rows a page of events touches in one query per table, changes them in memory
while it applies the page, and writes them back in bulk at the end. Row-at-a-time SQL would put
one round trip per event per view on the critical path of every rebuild.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    COPY per table instead of a statement per row. A row wrongly taken for new fails loudly on
    the primary key rather than overwriting anything.
    """

    table: Table
    schema: str
    _rows: dict[Key, Row | None] = field(default_factory=dict)
    _stored: set[Key] = field(default_factory=set)
    _changed: set[Key] = field(default_factory=set)

    def clear(self) -> None:
        self._rows.clear()
        self._stored.clear()
        self._changed.clear()

    def key_of(self, row: Row) -> Key:
        return tuple(row[name] for name in self.table.key)

    def load(self, cursor: psycopg.Cursor[Any], column: str, values: Collection[Any]) -> None:
        """Read every row whose ``column`` is one of ``values`` (rows already held are kept)."""
        wanted = [v for v in set(values) if v is not None]
        if not wanted:
            return
        names = self.table.column_names
        cursor.execute(sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
            sql.SQL(", ").join(map(sql.Identifier, names)), self.table.ident(self.schema),
            sql.Identifier(column)), (wanted,))
        for values_ in cursor.fetchall():
            row = dict(zip(names, values_, strict=True))
            key = self.key_of(row)
            if key not in self._rows:
                self._rows[key] = row
                self._stored.add(key)

    def get(self, *key: Any) -> Row | None:
        return self._rows.get(key)

    def where(self, column: str, value: Any) -> list[Row]:
        """Held rows whose ``column`` equals ``value`` (all of them, if they were loaded)."""
        return [r for r in self._rows.values() if r is not None and r[column] == value]

    def put(self, row: Row) -> None:
        key = self.key_of(row)
        self._rows[key] = row
        self._changed.add(key)

    def delete(self, *key: Any) -> None:
        self._rows[key] = None
        self._changed.add(key)

    def flush(self, cursor: psycopg.Cursor[Any]) -> None:
        stale = [k for k in self._changed if k in self._stored]
        if stale:
            self._delete(cursor, stale)
        fresh = [row for k in self._changed if (row := self._rows[k]) is not None]
        if fresh:
            names = self.table.column_names
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                self.table.ident(self.schema), sql.SQL(", ").join(map(sql.Identifier, names)),
            )) as copy:
                for row in fresh:
                    copy.write_row(tuple(row[n] for n in names))
        self._stored = (self._stored - set(stale)) | {
            k for k in self._changed if self._rows[k] is not None}
        self._changed.clear()

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
        names = self.table.column_names
        params = []
        for key, deltas in self._deltas.items():
            if not any(deltas.values()):
                continue
            values = dict(zip(self.table.key, key, strict=True))
            params.append(tuple(values[n] if n in values else deltas.get(n, 0) for n in names))
        if params:
            cursor.executemany(_upsert(self.table, self.schema, "{c} = {t}.{c} + EXCLUDED.{c}"),
                               params)
        self._deltas.clear()


def _upsert(table: Table, schema: str, assignment: str) -> sql.Composed:
    names = table.column_names
    target = sql.Identifier(table.name)
    updates = [
        sql.SQL(assignment).format(c=sql.Identifier(n), t=target)
        for n in names if n not in table.key
    ]
    conflict = sql.SQL("DO UPDATE SET {}").format(sql.SQL(", ").join(updates)) if updates else (
        sql.SQL("DO NOTHING"))
    return sql.SQL("INSERT INTO {} AS {} ({}) VALUES ({}) ON CONFLICT ({}) {}").format(
        table.ident(schema), target, sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(names)),
        sql.SQL(", ").join(map(sql.Identifier, table.key)), conflict,
    )
