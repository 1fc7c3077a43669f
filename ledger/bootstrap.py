"""The one place that wires a ledger to its storage, keys and clock."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from ledger.application import Ledger
from ledger.clock import Clock, system_clock
from ledger.config import Config, current
from ledger.personal import SealedText, Vault
from ledger.store.keys import PostgresKeyStore, master_key
from ledger.store.storage import database_url, eventsourcing_env, schema_lock


class NoPersonalDataError(RuntimeError):
    """Personal data was asked of a process that was opened without the master key."""


class _KeylessVault(Vault):
    """The vault of a process that neither seals nor reads personal data (the deadline worker
    and dispatcher, the followers, the sealer): it holds no master key, and refuses."""

    def __init__(self) -> None:
        pass

    def _refuse(self) -> NoPersonalDataError:
        return NoPersonalDataError("this process runs without LEDGER_MASTER_KEY and handles no "
                                   "personal data")

    def person_id(self, citizen_id: str) -> UUID:
        raise self._refuse()

    def seal(self, key_id: str, text: str) -> SealedText:
        raise self._refuse()

    def open_with_salt(self, sealed: SealedText) -> tuple[str, bytes]:
        raise self._refuse()

    def erase(self, key_id: str) -> None:
        raise self._refuse()


def open_ledger(
    url: str | None = None, *, clock: Clock = system_clock, pool_size: int = 5,
    personal_data: bool = True, config: Config | None = None,
) -> Ledger:
    """A ledger on PostgreSQL: ``url``, else ``LEDGER_DATABASE_URL``, else the embedded server.

    Without ``personal_data`` it needs no master key and refuses to seal, read or identify a
    person; only the processes that do (the API, the CLI) are given the key.
    """
    config = config or current()
    url = url or database_url(config=config)
    vault = Vault(master_key(config), PostgresKeyStore(url)) if personal_data else _KeylessVault()
    env = eventsourcing_env(url, pool_size=pool_size)
    env["LEDGER_SNAPSHOT_INTERVAL"] = str(config.snapshot_interval)
    if config.group_commit_ms is not None:
        env["LEDGER_GROUP_COMMIT_MS"] = str(config.group_commit_ms)
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        if not _may_alter_log(conn):
            env["CREATE_TABLE"] = "n"  # a service's role: the migration made the table
            if not _has_snapshots(conn):
                # Migrated before records had snapshots: replay in full until migrated again.
                env["IS_SNAPSHOTTING_ENABLED"] = "n"
        return Ledger(env, clock=clock, vault=vault)


def _has_snapshots(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('public.ledger_snapshots') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _may_alter_log(conn: psycopg.Connection[Any]) -> bool:
    """No events table yet, or this role has its owner's rights (only they may alter it)."""
    row = conn.execute("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
                       "WHERE oid = to_regclass('public.ledger_events')").fetchone()
    return row is None or bool(row[0])
