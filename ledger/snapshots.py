"""Snapshots of long records: the auditor's replay reads a snapshot and the events after it.

A snapshot is the state of an aggregate at one version, kept in the library's snapshot store
(the ``ledger_snapshots`` table, apart from the log): it is a cache of the log, never part of
it. It has no notification id, the followers, the sealer and the Merkle tree never see it,
and dropping every snapshot loses nothing (reads replay from the first event again).

The state is the aggregate's annotated fields (``CreditRecord`` declares each one), written as
JSON through a pydantic model made from those annotations. The model's JSON schema is hashed
into ``shape``: a snapshot written before a field was added or changed has another shape and is
passed over, and the aggregate is replayed from its events, as it would be without snapshots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any, ClassVar, get_type_hints
from uuid import UUID

import pydantic
from eventsourcing.application import (
    AggregateNotFoundError,
    ProjectorFunction,
    Repository,
)
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import get_topic, resolve_topic
from psycopg.sql import SQL, Identifier

from ledger.events import Aggregate, Immutable
from ledger.store.persistence import PydanticMapper, canonical_json

SNAPSHOT_INTERVAL = 20
"""A record is snapshotted at every 20th version: a replay applies at most 19 events after one."""


class Snapshot(Immutable):
    """The state of an aggregate at ``originator_version``, as of ``timestamp`` (the time of
    that version's event)."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str
    shape: str
    state: dict[str, Any]

    class_version: ClassVar[int] = 1

    @classmethod
    def upcast(cls, state: dict[str, Any], stored_version: int) -> None:
        """Snapshots are not upcast: one of another shape is passed over (see ``fits``)."""

    @classmethod
    def take(cls, aggregate: Any) -> Snapshot:
        kind = type(aggregate)
        model = _state_model(kind)
        values = {name: getattr(aggregate, name) for name in model.model_fields}
        return cls(
            originator_id=aggregate.id, originator_version=aggregate.version,
            timestamp=aggregate.modified_on, topic=get_topic(kind), shape=_shape(kind),
            state=model.model_construct(**values).model_dump(mode="json"),
        )

    def fits(self) -> bool:
        """Whether the aggregate's fields are still the ones this snapshot holds."""
        try:
            kind = resolve_topic(self.topic)
        except Exception:  # a class since removed: the snapshot is of no use
            return False
        return isinstance(kind, type) and issubclass(kind, Aggregate) and (
            _shape(kind) == self.shape)

    def mutate(self, aggregate: Aggregate | None) -> Aggregate:
        kind = resolve_topic(self.topic)
        restored = _state_model(kind).model_validate(self.state)
        new: Aggregate = kind.__new__(kind)
        Aggregate.__init__(new, self.originator_id)
        for name in type(restored).model_fields:
            setattr(new, name, getattr(restored, name))
        new.version = self.originator_version
        return new


_BASE_FIELDS = {"created_on": (datetime | None, None), "modified_on": (datetime | None, None)}


_MODELS: dict[type[Any], type[pydantic.BaseModel]] = {}
_SHAPES: dict[type[Any], str] = {}


def _state_model(kind: type[Any]) -> type[pydantic.BaseModel]:
    """A pydantic model of the aggregate's annotated fields (and when it was made and changed)."""
    model = _MODELS.get(kind)
    if model is None:
        fields: dict[str, Any] = {name: (hint, ...) for name, hint in get_type_hints(kind).items()
                                  if not name.startswith("_")}
        model = _MODELS[kind] = pydantic.create_model(  # type: ignore[call-overload]
            f"{kind.__name__}State", **fields, **_BASE_FIELDS)
    return model


def _shape(kind: type[Any]) -> str:
    shape = _SHAPES.get(kind)
    if shape is None:
        schema = _state_model(kind).model_json_schema()
        shape = _SHAPES[kind] = hashlib.sha256(canonical_json(schema)).hexdigest()[:32]
    return shape


class SnapshotMapper(PydanticMapper):
    """The ledger's mapper without the size limit of a log entry: a snapshot never reaches
    the public tiles, and a record may hold more than one entry's bytes in all."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if not isinstance(domain_event, Snapshot):
            return super().to_stored_event(domain_event)
        state = domain_event.model_dump(mode="json",
                                        exclude={"originator_id", "originator_version"})
        return StoredEvent(originator_id=domain_event.originator_id,
                           originator_version=domain_event.originator_version,
                           topic=get_topic(Snapshot), state=self.transcoder.encode(state))


class SnapshotRepository(Repository[UUID]):
    """The library's repository, passing over snapshots of another shape (see the module).

    On PostgreSQL one statement reads the latest snapshot and the events after it, so a load
    costs one round trip with snapshots as without (most aggregates have none).
    """

    def _reconstruct_aggregate(
        self, aggregate_id: UUID, version: int | None, projector_func: ProjectorFunction[Any, Any],
    ) -> Any:
        snapshot, events = self._read(aggregate_id, version)
        aggregate = projector_func(None, chain([snapshot] if snapshot else [], events))
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} version {version!r} "
                                         "not found.")
        return aggregate

    def _read(self, aggregate_id: UUID, version: int | None) -> tuple[Snapshot | None,
                                                                      Iterable[Any]]:
        store, recorder = self.snapshot_store, self.event_store.recorder
        if store is None or not isinstance(recorder, PostgresAggregateRecorder) or (
            not isinstance(store.recorder, PostgresAggregateRecorder)
        ):
            latest = latest_snapshot(store, aggregate_id, lte=version)
            after = latest.originator_version if latest else None
            return latest, self.event_store.get(originator_id=aggregate_id, gt=after,
                                                lte=version)
        rows = _snapshot_and_events(store.recorder, recorder, aggregate_id, version)
        snapshot: Snapshot | None = None
        if rows and rows[0]["snapshot"]:
            found = store.mapper.to_domain_event(_stored(aggregate_id, rows.pop(0)))
            if not (isinstance(found, Snapshot) and found.fits()):  # replay from the start
                return None, self.event_store.get(originator_id=aggregate_id, lte=version)
            snapshot = found
        mapper = self.event_store.mapper
        return snapshot, (mapper.to_domain_event(_stored(aggregate_id, row)) for row in rows)


_LAST_VERSION = 2**63 - 1


def _snapshot_and_events(snapshots: PostgresAggregateRecorder,
                         events: PostgresAggregateRecorder, aggregate_id: UUID,
                         version: int | None) -> list[Any]:
    """The latest snapshot at or below ``version`` (flagged), then the events after it."""
    datastore = events.datastore
    schema = Identifier(datastore.schema)
    query = SQL(
        "WITH s AS (SELECT originator_version, topic, state FROM {schema}.{snapshots} "
        "WHERE originator_id = %(id)s AND originator_version <= %(lte)s "
        "ORDER BY originator_version DESC LIMIT 1) "
        "SELECT true AS snapshot, originator_version, topic, state FROM s UNION ALL "
        "SELECT false, originator_version, topic, state FROM {schema}.{events} "
        "WHERE originator_id = %(id)s AND originator_version <= %(lte)s AND "
        "originator_version > coalesce((SELECT originator_version FROM s), 0) "
        "ORDER BY snapshot DESC, originator_version"
    ).format(schema=schema, snapshots=Identifier(snapshots.events_table_name),
             events=Identifier(events.events_table_name))
    params = {"id": aggregate_id, "lte": _LAST_VERSION if version is None else version}
    with datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(query, params, prepare=True)
        return list(curs.fetchall())


def _stored(aggregate_id: UUID, row: Any) -> StoredEvent:
    return StoredEvent(originator_id=aggregate_id, originator_version=row["originator_version"],
                       topic=row["topic"], state=bytes(row["state"]))


def latest_snapshot(store: Any, aggregate_id: UUID, *, lte: int | None = None,
                    at_or_before: datetime | None = None) -> Snapshot | None:
    """The latest snapshot of the aggregate that fits, at or below version ``lte`` and taken
    of a version whose event happened at or before ``at_or_before``; or none."""
    if store is None:
        return None
    latest = next(store.get(originator_id=aggregate_id, lte=lte, desc=True, limit=1), None)
    if latest is None or _usable(latest, at_or_before):
        return latest
    # An older instant (or a snapshot of an older shape): look further back, one read.
    older = store.get(originator_id=aggregate_id, lte=latest.originator_version - 1, desc=True)
    return next((found for found in older if _usable(found, at_or_before)), None)


def _usable(found: Any, at_or_before: datetime | None) -> bool:
    return isinstance(found, Snapshot) and found.fits() and (
        at_or_before is None or found.timestamp <= at_or_before)
