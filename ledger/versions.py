"""Versioned data with effective dates: the rule sets and the evaluation formulas.

Built-in versions ship as JSON under ``ledger/data``; an administrator publishes more into the
ledger, each in force from its effective date until a later one starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from importlib import resources
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import Field, model_validator

from ledger.errors import ValidationError
from ledger.events import Immutable


class Version(Immutable):
    """One version: its id and title, and the days it is in force."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str = Field(min_length=1, max_length=200)
    effective_from: date
    effective_to: date | None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self


V = TypeVar("V", bound=Version)


def load_builtin(cls: type[V], folder: str, parse_float: Callable[[str], Any] = float) -> (
    tuple[V, ...]
):
    """The versions shipped under ``ledger/data/<folder>``, oldest first."""
    found = [
        cls.model_validate(json.loads(entry.read_text(encoding="utf-8"),
                                      parse_float=parse_float))
        for entry in (resources.files("ledger") / "data" / folder).iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(found, key=lambda v: v.effective_from))


class Book(Generic[V]):
    """The built-in and published versions; picks the one in force on a day."""

    what: ClassVar[str]
    """The versions' name in the refusal when none is in force."""
    field: ClassVar[str]
    """The field that refusal names."""

    def __init__(self, builtin: Iterable[V], published: Iterable[V] = ()) -> None:
        self._by_id: dict[str, V] = {v.id: v for v in builtin}
        for version in published:
            self._by_id[version.id] = version

    def all(self) -> list[V]:
        return sorted(self._by_id.values(), key=lambda v: v.effective_from)

    def in_force(self, on: date) -> V:
        """The version in force on a day; the latest-starting one wins where two overlap."""
        candidates = [v for v in self._by_id.values() if v.effective_from <= on
                      and (v.effective_to is None or on <= v.effective_to)]
        if not candidates:
            raise ValidationError(f"no {self.what} is in force on {on.isoformat()}",
                                  field=self.field)
        return max(candidates, key=lambda v: v.effective_from)
