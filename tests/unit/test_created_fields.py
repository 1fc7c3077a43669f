"""An event that creates an aggregate copies its own fields onto it by name
(``DomainEvent.set_own_fields``): each such field must be declared on the aggregate with the
same type, which mypy cannot see through the copy."""

from __future__ import annotations

import importlib
import pkgutil
from typing import get_type_hints

import pytest

import ledger
from ledger.events import DomainEvent


def _subclasses(cls: type[DomainEvent]) -> list[type[DomainEvent]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _creating_events() -> list[type[DomainEvent]]:
    for module in pkgutil.walk_packages(ledger.__path__, "ledger."):
        importlib.import_module(module.name)
    return sorted({cls for cls in _subclasses(DomainEvent) if cls.aggregate_class is not None},
                  key=lambda cls: cls.__qualname__)


def _own_fields(event: type[DomainEvent]) -> list[str]:
    inherited = next(c for c in event.__mro__[1:] if issubclass(c, DomainEvent))
    return [name for name in event.model_fields if name not in inherited.model_fields]


@pytest.mark.parametrize("event", _creating_events(), ids=lambda cls: cls.__qualname__)
def test_every_field_a_creating_event_copies_is_declared_on_its_aggregate_with_its_type(
    event: type[DomainEvent],
) -> None:
    assert event.aggregate_class is not None
    declared = get_type_hints(event.aggregate_class)
    for name in _own_fields(event):
        assert name in declared, f"{event.__qualname__}.{name} is not declared on the aggregate"
        assert declared[name] == event.model_fields[name].annotation, name
