"""The bulk import's way to append: binary COPY under the recorder's lock and NOTIFY.

Appending keeps the recorder's contract (see ``ledger.store.group_commit``): in one transaction, the
recorder's own lock statements (``LOCK TABLE ... IN EXCLUSIVE MODE``, so commit order is
notification order), its ``NOTIFY``, then the rows, here through binary ``COPY`` instead of an
``INSERT ... unnest``: no composite array to build and parse, about half the database's work.
Under the lock, as the group committer does, each aggregate's first event in the group must
follow on from its stored version: a group prepared on top of one that failed is refused rather
than leave a hole in an aggregate's versions. That, or the primary key (aggregate id, version)
refusing an event some other writer appended first, raises ``IntegrityError`` and rolls the
whole group back, as ``Ledger.save`` would.

Stores other than PostgreSQL go through ``Ledger.save``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.application import Ledger
from ledger.events import DomainEvent

_ATTEMPTS, _PAUSE = 10, 0.2  # as the library's recorder retries a lost connection
_COLUMNS = ("uuid", "int8", "text", "bytea")


def append(ledger: Ledger, events: Sequence[DomainEvent],
           stored: Sequence[StoredEvent] | None = None) -> None:
    """Append the events (``stored``: as the ledger's mapper stores them, if the caller has
    them already) in one transaction; all of them, or (on any error) none."""
    recorder = ledger.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        ledger.save(*events)
        return
    if stored is None:
        stored = [ledger.mapper.to_stored_event(event) for event in events]
    for attempt in range(_ATTEMPTS):
        try:
            _copy(recorder, stored)
            return
        except (InterfaceError, OperationalError):
            if attempt + 1 == _ATTEMPTS:
                raise
            time.sleep(_PAUSE)


def _check_versions(recorder: PostgresApplicationRecorder, curs: Any,
                    first: dict[UUID | str, int]) -> None:
    datastore = recorder.datastore
    query = SQL(
        "SELECT u.id, (SELECT max(originator_version) FROM {}.{} WHERE originator_id = u.id) "
        "AS version FROM unnest(%s::{}[]) AS u(id)"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name),
             Identifier(datastore.originator_id_type))
    curs.execute(query, (list(first),), prepare=True)
    for row in curs.fetchall():
        stored = row["version"] or 0
        if first[row["id"]] != stored + 1:
            raise IntegrityError(f"aggregate {row['id']} is at version {stored}, not "
                                 f"{first[row['id']] - 1}: another command changed it first")


def _copy(recorder: PostgresApplicationRecorder, stored: Sequence[StoredEvent]) -> None:
    datastore = recorder.datastore
    statement = SQL(
        "COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    first: dict[UUID | str, int] = {}
    for event in stored:
        first.setdefault(event.originator_id, event.originator_version)
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        recorder._lock_table(curs)
        _check_versions(recorder, curs, first)
        recorder._notify_channel(curs)
        with curs.copy(statement) as copy:
            copy.set_types(list(_COLUMNS))
            for event in stored:
                copy.write_row((event.originator_id, event.originator_version, event.topic,
                                event.state))
