"""Events are stored as canonical orjson and come back as the same pydantic models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import uuid4

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.events import SYSTEM, DomainEvent
from ledger.store.persistence import OrjsonTranscoder, PydanticMapper


class FineNoted(DomainEvent):
    """A test event whose schema changed: v1 had ``amount`` only, v2 adds ``currency``."""

    amount: Decimal
    currency: str

    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["currency"] = "CNY"


def mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=OrjsonTranscoder())


def test_an_event_round_trips_through_storage_unchanged() -> None:
    event = FineNoted(originator_id=uuid4(), originator_version=1,
                      timestamp=datetime(2026, 5, 6, tzinfo=UTC), actor=SYSTEM,
                      amount=Decimal("50000.10"), currency="CNY")
    stored = mapper().to_stored_event(event)
    assert orjson.loads(stored.state)["class_version"] == 2
    assert mapper().to_domain_event(stored) == event


def test_the_stored_bytes_are_canonical_so_the_same_event_has_the_same_bytes() -> None:
    event = FineNoted(originator_id=uuid4(), originator_version=1,
                      timestamp=datetime(2026, 5, 6, tzinfo=UTC), actor=SYSTEM,
                      amount=Decimal("1.00"), currency="CNY")
    first, second = mapper().to_stored_event(event), mapper().to_stored_event(event)
    assert first.state == second.state
    assert b" " not in first.state
    keys = list(orjson.loads(first.state))
    assert keys == sorted(keys)


def test_an_event_stored_by_an_older_version_is_upcast_when_read() -> None:
    old_state = {"amount": "7.50", "timestamp": "2024-01-02T03:04:05Z",
                 "actor": {"id": "system", "role": "system", "subject": None}}
    stored = StoredEvent(originator_id=uuid4(), originator_version=1,
                         topic=get_topic(FineNoted), state=orjson.dumps(old_state))

    event = mapper().to_domain_event(stored)

    assert isinstance(event, FineNoted)
    assert event.currency == "CNY" and event.amount == Decimal("7.50")
