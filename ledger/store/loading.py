"""Many aggregates in one query: the bulk import's subjects, a person's other records."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.events import Aggregate, DomainEvent


def load_aggregates(ledger: Any, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
    """The aggregates of these ids that exist, replayed from their events (one query)."""
    wanted = list(dict.fromkeys(ids))
    recorder: Any = ledger.recorder
    if not wanted:
        return {}
    if not isinstance(recorder, PostgresApplicationRecorder):
        found: dict[UUID, Aggregate] = {}
        for aggregate_id in wanted:
            try:
                found[aggregate_id] = ledger.repository.get(aggregate_id)
            except AggregateNotFoundError:
                continue
        return found
    datastore = recorder.datastore
    query = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    with datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(query, (wanted,))
        rows = curs.fetchall()
    loaded: dict[UUID, Aggregate] = {}
    for aggregate_id, group in groupby(rows, key=lambda row: row["originator_id"]):
        events = [ledger.mapper.to_domain_event(StoredEvent(
            originator_id=row["originator_id"], originator_version=row["originator_version"],
            topic=row["topic"], state=bytes(row["state"]))) for row in group]
        aggregate = Aggregate.replay(e for e in events if isinstance(e, DomainEvent))
        if aggregate is not None:
            loaded[aggregate_id] = aggregate
    return loaded
