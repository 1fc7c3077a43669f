"""Reading the event log in pages, in notification order.

The ledger writes through eventsourcing's default insert path, which locks the events table for
each transaction, so notification ids become visible in commit order: a reader that has seen id N
will never later see a smaller id appear. Gaps (ids taken by transactions that rolled back) are
simply never filled, so "everything after my position" is the complete rest of the log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import psycopg
from eventsourcing.utils import resolve_topic
from psycopg import sql

from ledger.events import DomainEvent
from ledger.persistence import decode_event


@dataclass(frozen=True)
class LogTable:
    """Where the ledger's events are stored, and the channel it NOTIFYs after each write."""

    table: str = "ledger_events"
    schema: str = "public"

    @property
    def channel(self) -> str:
        # eventsourcing names the channel after the table (dots replaced).
        return self.table.replace(".", "_")

    @property
    def identifier(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(self.table))


def log_table_of(ledger: Any) -> LogTable:
    """The log table of a ``Ledger`` running on PostgreSQL."""
    recorder = ledger.recorder
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:
        raise TypeError("projections need a ledger on PostgreSQL, not the in-memory store")
    return LogTable(table=recorder.events_table_name, schema=datastore.schema or "public")


class StoredRow(NamedTuple):
    position: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class Entry(NamedTuple):
    """One position of the log, with its event if the reader wanted that kind of event."""

    position: int
    topic: str
    event: DomainEvent | None


def read_page(cursor: psycopg.Cursor[Any], log: LogTable, after: int, limit: int) -> (
    list[StoredRow]
):
    """Up to ``limit`` stored events with a notification id above ``after``, in order."""
    cursor.execute(
        sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(log.identifier),
        (after, limit),
    )
    return [StoredRow(*row) for row in cursor.fetchall()]


def head(cursor: psycopg.Cursor[Any], log: LogTable) -> int:
    """The highest notification id committed so far (0 for an empty log)."""
    cursor.execute(sql.SQL("SELECT max(notification_id) FROM {}").format(log.identifier))
    row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def event_class(topic: str) -> type[DomainEvent] | None:
    """The event class a topic names, or ``None`` if the topic is not one of our events."""
    try:
        cls = resolve_topic(topic)
    except Exception:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, DomainEvent) else None


def decode(row: StoredRow) -> DomainEvent:
    return decode_event(row.topic, orjson.loads(row.state), row.originator_id,
                        row.originator_version)


class UndecodableEventError(Exception):
    """A stored event that this code cannot read (an unknown topic, or state it rejects)."""

    def __init__(self, row: StoredRow, error: Exception) -> None:
        self.position, self.topic = row.position, row.topic
        super().__init__(f"{type(error).__name__}: {error}")


def decode_wanted(rows: Sequence[StoredRow], wanted: Collection[type[DomainEvent]]) -> (
    list[Entry]
):
    """Decode only the events a view handles; decoding is most of the cost of following.

    A topic this code does not know is decoded anyway, so that it fails: skipping it could
    leave a view silently wrong.
    """
    entries = []
    for row in rows:
        cls = event_class(row.topic)
        try:
            event = decode(row) if cls is None or cls in wanted else None
        except Exception as error:
            raise UndecodableEventError(row, error) from error
        entries.append(Entry(row.position, row.topic, event))
    return entries
