"""Where a log follower stands: the last notification id it has fully handled.

On PostgreSQL the position lives in ``workflows.dispatcher_position`` in the ledger's own
database, written after each page is handled; a restart resumes from it.
"""

from __future__ import annotations

from typing import Protocol

import psycopg

from workflows.tables import WorkflowsTable


class Positions(Protocol):
    def get(self, name: str) -> int: ...

    def set(self, name: str, position: int) -> None: ...


class MemoryPositions:
    """Positions held in memory, for tests and the in-memory ledger."""

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}

    def get(self, name: str) -> int:
        return self._positions.get(name, 0)

    def set(self, name: str, position: int) -> None:
        self._positions[name] = position


class PostgresPositions(WorkflowsTable):
    """Positions in ``workflows.dispatcher_position``; the table is created if missing."""

    TABLES = (
        "CREATE TABLE IF NOT EXISTS workflows.dispatcher_position ("
        "name text PRIMARY KEY, position bigint NOT NULL, "
        "updated_at timestamptz NOT NULL DEFAULT now())",
    )

    def get(self, name: str) -> int:
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT position FROM workflows.dispatcher_position WHERE name = %s", (name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def set(self, name: str, position: int) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute(
                "INSERT INTO workflows.dispatcher_position (name, position) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = GREATEST("
                "workflows.dispatcher_position.position, EXCLUDED.position), updated_at = now()",
                (name, position),
            )
