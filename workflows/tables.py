"""The workflows' own tables, in schema ``workflows`` of the ledger's database."""

from __future__ import annotations

import psycopg

from ledger.store.storage import schema_lock


def create_tables(url: str, *statements: str) -> None:
    """Create the schema, then run ``statements`` (each ``… IF NOT EXISTS``), under the lock
    that keeps processes starting at once from creating the same thing twice."""
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        conn.execute("CREATE SCHEMA IF NOT EXISTS workflows")
        for statement in statements:
            conn.execute(statement)
