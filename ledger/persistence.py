"""The project's mapper and transcoder for eventsourcing: pydantic events stored as orjson.

The stored bytes are canonical (sorted keys, no whitespace), so the same event always has the
same bytes; the Merkle tree commits to them.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from ledger.events import DomainEvent

_EXCLUDED = {"originator_id", "originator_version"}


def canonical_json(value: Any) -> bytes:
    """The one JSON encoding the ledger writes: sorted keys, UTF-8, no whitespace."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


class OrjsonTranscoder(Transcoder):
    """Plain JSON through orjson; pydantic does the typing, so no transcodings are needed."""

    def register(self, transcoding: Transcoding) -> None:
        raise NotImplementedError("pydantic models need no transcodings")

    def encode(self, obj: Any) -> bytes:
        return canonical_json(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic domain events to stored events and back, upcasting old versions."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event = cast(DomainEvent, domain_event)
        state = event.model_dump(mode="json", exclude=_EXCLUDED)
        if type(event).class_version > 1:
            state["class_version"] = type(event).class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=get_topic(type(event)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        state_bytes = stored_event.state
        if self.cipher:
            state_bytes = self.cipher.decrypt(state_bytes)
        if self.compressor:
            state_bytes = self.compressor.decompress(state_bytes)
        return decode_event(
            stored_event.topic,
            self.transcoder.decode(state_bytes),
            stored_event.originator_id,
            stored_event.originator_version,
        )


def decode_event(
    topic: str, state: dict[str, Any], originator_id: UUID | str, originator_version: int
) -> DomainEvent:
    """Rebuild a domain event from its stored topic and decoded state."""
    cls = cast(type[DomainEvent], resolve_topic(topic))
    cls.upcast(state, state.pop("class_version", 1))
    state["originator_id"] = originator_id
    state["originator_version"] = originator_version
    return cls.model_validate(state)
