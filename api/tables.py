"""The API's own tables in the ledger's database: tokens (``api.auth``), sessions
(``api.sessions``) and idempotency answers (``api.idempotency``). Each store creates its
tables when it is made."""

from __future__ import annotations

import psycopg

from ledger.store.storage import schema_lock


def create_tables(url: str, *statements: str) -> None:
    """Run ``statements`` (each ``… IF NOT EXISTS``) under the lock that keeps the processes
    starting at once from creating the same table twice."""
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        for statement in statements:
            conn.execute(statement)
