"""The project's mapper and transcoder for eventsourcing: pydantic events stored as orjson.

The stored bytes are canonical (sorted keys, no whitespace), so the same event always has the
same bytes; the Merkle tree commits to them. An event whose bytes would pass ``MAX_EVENT_BYTES``
is refused here, before anything of its command is written, naming the field that fills it.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from ledger.errors import EventTooLargeError
from ledger.events import DomainEvent

_EXCLUDED = {"originator_id", "originator_version"}
# A public event's leaf data (these bytes plus its position, id, version, topic and timestamp:
# a few hundred bytes) is one entry of a C2SP entry bundle, whose length is a uint16: a larger
# event would reach the public tiles as its hash alone, and nobody could read it from them.
# A kibibyte is kept for the leaf's own fields. The longest filing the commands allow in one
# text field (facts of 20,000 CJK characters) stores in about 61,000 bytes.
MAX_EVENT_BYTES = 0xFFFF - 1024


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
        if len(stored_state) > MAX_EVENT_BYTES:
            raise _too_large(type(event).__name__, state, len(stored_state))
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


def _too_large(name: str, state: dict[str, Any], size: int) -> EventTooLargeError:
    path = _largest(state)
    named = [str(p) for p in path if isinstance(p, str)] or ["event"]
    return EventTooLargeError(
        f"{'.'.join(str(p) for p in path)} makes the {name} event {size:,} bytes; a stored "
        f"event holds at most {MAX_EVENT_BYTES:,}; shorten it", field=named[-1])


def _largest(value: Any) -> list[str | int]:
    """The path to the largest field of ``value``, down through nested fields; into a list
    only when one of its items takes more than half of it (else the list is the culprit)."""
    items = (list(value.items()) if isinstance(value, dict)
             else list(enumerate(value)) if isinstance(value, list) else [])
    if not items:
        return []
    sizes = [(len(canonical_json(v)), k, v) for k, v in items]
    size, key, child = max(sizes, key=lambda s: s[0])
    if isinstance(value, list) and 2 * size <= sum(s for s, _, _ in sizes):
        return []
    return [key, *_largest(child)]


def decode_event(
    topic: str, state: dict[str, Any], originator_id: UUID | str, originator_version: int
) -> DomainEvent:
    """Rebuild a domain event from its stored topic and decoded state."""
    cls = cast(type[DomainEvent], resolve_topic(topic))
    cls.upcast(state, state.pop("class_version", 1))
    state["originator_id"] = originator_id
    state["originator_version"] = originator_version
    return cls.model_validate(state)
