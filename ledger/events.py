"""Event and aggregate bases: events are immutable pydantic models, aggregates are plain classes.

An aggregate changes only by triggering one of its events; each event knows how to apply
itself (``apply``), so replaying the stored events rebuilds exactly the state the commands saw.
Schema changes of an event class raise its ``class_version`` and add a static
``upcast_vN_vM(state)`` method that rewrites older stored state in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, field_validator


class Role(StrEnum):
    """Who may act in the ledger; every event records the role its actor acted in."""

    SOURCE_DEPARTMENT = "source_department"
    SUBJECT_OFFICIAL = "subject_official"
    PLATFORM_REVIEWER = "platform_reviewer"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"


class Immutable(BaseModel):
    """A frozen value object that refuses unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(Immutable):
    """Who did something: an account or department id and the role it acted in."""

    id: str
    role: Role
    subject: str | None = None
    """For a subject official: the code of the one subject the account acts for."""

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


SYSTEM = Actor(id="system", role=Role.SYSTEM)


class DomainEvent(Immutable):
    """A fact: which aggregate, at which version, when, and who did it."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: Actor

    class_version: ClassVar[int] = 1
    aggregate_class: ClassVar[type[Aggregate] | None] = None

    @field_validator("timestamp")
    @classmethod
    def _timestamp_is_aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return value.astimezone(UTC)

    @classmethod
    def upcast(cls, state: dict[str, Any], stored_version: int) -> None:
        """Bring stored state written by an older class version up to the current one."""
        for version in range(stored_version, cls.class_version):
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)

    def apply(self, aggregate: Any) -> None:
        """Change the aggregate's state; subclasses override. Rules are checked before this."""

    def set_own_fields(self, aggregate: Any) -> None:
        """Set on the aggregate, under the same names, the fields this event's class adds to the
        event class it extends: what an event that creates an aggregate does first."""
        inherited = next(c for c in type(self).__mro__[1:] if issubclass(c, DomainEvent))
        for name in type(self).model_fields:
            if name not in inherited.model_fields:
                setattr(aggregate, name, getattr(self, name))

    def mutate(self, aggregate: Aggregate | None) -> Aggregate:
        if aggregate is None:
            if self.aggregate_class is None:
                raise TypeError(f"{type(self).__qualname__} cannot create an aggregate")
            aggregate = self.aggregate_class.__new__(self.aggregate_class)
            Aggregate.__init__(aggregate, self.originator_id)
            aggregate.created_on = self.timestamp
        if self.originator_version != aggregate.version + 1:
            raise ValueError(
                f"event version {self.originator_version} does not follow "
                f"aggregate version {aggregate.version}"
            )
        self.apply(aggregate)
        aggregate.version = self.originator_version
        aggregate.modified_on = self.timestamp
        return aggregate


E = TypeVar("E", bound=DomainEvent)


class Aggregate:
    """Base of the ledger's aggregates: an id, a version, and events waiting to be saved."""

    def __init__(self, id: UUID) -> None:
        self.id = id
        self.version = 0
        self.created_on: datetime | None = None
        self.modified_on: datetime | None = None
        self._pending: list[DomainEvent] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        created = getattr(cls, "Created", None)
        if isinstance(created, type) and issubclass(created, DomainEvent):
            created.aggregate_class = cls

    def trigger(self, event_class: type[E], actor: Actor, at: datetime, **fields: Any) -> E:
        """Create the next event, apply it, and keep it until the application saves it."""
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=at,
            actor=actor,
            **fields,
        )
        event.mutate(self)
        self._pending.append(event)
        return event

    @classmethod
    def create(
        cls, event_class: type[E], id: UUID, actor: Actor, at: datetime, **fields: Any
    ) -> Self:
        """Start a new aggregate with its first event."""
        aggregate = cls.__new__(cls)
        Aggregate.__init__(aggregate, id)
        aggregate.created_on = at
        aggregate.trigger(event_class, actor, at, **fields)
        return aggregate

    def collect_events(self) -> list[DomainEvent]:
        events, self._pending = self._pending, []
        return events

    @classmethod
    def replay(cls, events: Iterable[DomainEvent]) -> Self | None:
        aggregate: Aggregate | None = None
        for event in events:
            aggregate = event.mutate(aggregate)
        return aggregate  # type: ignore[return-value]
