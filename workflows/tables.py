"""The workflows' own tables, in schema ``workflows`` of the ledger's database."""

from __future__ import annotations

from typing import ClassVar

import psycopg

from ledger.store.storage import schema_lock


def create_tables(url: str, *statements: str) -> None:
    """Create the schema, then run ``statements`` (each ``… IF NOT EXISTS``), under the lock
    that keeps processes starting at once from creating the same thing twice."""
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        conn.execute("CREATE SCHEMA IF NOT EXISTS workflows")
        for statement in statements:
            conn.execute(statement)


class WorkflowsTable:
    """A store in the workflows' own tables: it connects to ``url`` and, when made, creates
    its tables (``TABLES``) if they are missing."""

    TABLES: ClassVar[tuple[str, ...]]

    def __init__(self, url: str) -> None:
        self.url = url
        create_tables(url, *self.TABLES)
