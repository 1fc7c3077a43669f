"""The one place that wires a ledger to its storage, keys and clock."""

from __future__ import annotations

import psycopg

from ledger.application import Ledger
from ledger.clock import Clock, system_clock
from ledger.personal import Vault
from ledger.storage import (
    PostgresKeyStore,
    database_url,
    eventsourcing_env,
    master_key,
    schema_lock,
)


def open_ledger(
    url: str | None = None, *, clock: Clock = system_clock, pool_size: int = 5
) -> Ledger:
    """A ledger on PostgreSQL: ``url``, else ``LEDGER_DATABASE_URL``, else the embedded server."""
    url = url or database_url()
    vault = Vault(master_key(), PostgresKeyStore(url))
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        return Ledger(eventsourcing_env(url, pool_size=pool_size), clock=clock, vault=vault)
