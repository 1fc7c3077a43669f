"""The bulk import's way to append: binary COPY under the recorder's lock and NOTIFY.

Appending keeps the recorder's contract (see ``ledger.group_commit``): in one transaction, the
recorder's own lock statements (``LOCK TABLE ... IN EXCLUSIVE MODE``, so commit order is
notification order), its ``NOTIFY``, then the rows, here through binary ``COPY`` instead of an
``INSERT ... unnest``: no composite array to build and parse, about half the database's work.
The primary key (aggregate id, version) still refuses an event some other writer appended
first; the error (``IntegrityError``) rolls the whole group back, as ``Ledger.save`` would.

Stores other than PostgreSQL go through ``Ledger.save``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
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


def _copy(recorder: PostgresApplicationRecorder, stored: Sequence[StoredEvent]) -> None:
    datastore = recorder.datastore
    statement = SQL(
        "COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        recorder._lock_table(curs)
        recorder._notify_channel(curs)
        with curs.copy(statement) as copy:
            copy.set_types(list(_COLUMNS))
            for event in stored:
                copy.write_row((event.originator_id, event.originator_version, event.topic,
                                event.state))
