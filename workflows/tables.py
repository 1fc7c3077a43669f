"""The workflows' own tables, in schema ``workflows`` of the ledger's database."""

from __future__ import annotations

from typing import ClassVar

from ledger.store.storage import create_tables


class WorkflowsTable:
    """A store in the workflows' own tables: it connects to ``url`` and, when made, creates
    its tables (``TABLES``) if they are missing."""

    TABLES: ClassVar[tuple[str, ...]]

    def __init__(self, url: str) -> None:
        self.url = url
        create_tables(url, "CREATE SCHEMA IF NOT EXISTS workflows", *self.TABLES)
