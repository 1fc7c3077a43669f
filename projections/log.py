"""Reading the event log for the views: which events a view wants, decoded once.

The log itself (its table, pages in commit order, decoding) is ``ledger.store.follow``'s; the names
are repeated here for the views' code.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from eventsourcing.utils import resolve_topic

from ledger.events import DomainEvent
from ledger.store.follow import LogTable, StoredRow, decode, head, read_page

__all__ = ["Entry", "LogTable", "StoredRow", "UndecodableEventError", "decode",
           "decode_wanted", "event_class", "head", "log_table_of", "read_page"]


def log_table_of(ledger: Any) -> LogTable:
    """The log table of a ``Ledger`` running on PostgreSQL."""
    return LogTable.of(ledger)


class Entry(NamedTuple):
    """One position of the log, with its event if the reader wanted that kind of event."""

    position: int
    topic: str
    event: DomainEvent | None


def event_class(topic: str) -> type[DomainEvent] | None:
    """The event class a topic names, or ``None`` if the topic is not one of our events."""
    try:
        cls = resolve_topic(topic)
    except Exception:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, DomainEvent) else None


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
