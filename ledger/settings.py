"""Ledger-wide data that administrators publish: calendar years, rule sets and evaluation
formulas, as events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import uuid5

from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.events import Aggregate, DomainEvent
from ledger.formulas import Formula, FormulaBook
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.rules import RuleBook, RuleSet

SETTINGS_ID = uuid5(LEDGER_NAMESPACE, "settings")
B = TypeVar("B")


class LedgerSettings(Aggregate):
    """The published calendar years, rule sets and evaluation formulas; one per ledger."""

    years: dict[int, PublishedYear]
    rule_sets: dict[str, RuleSet]
    formulas: dict[str, Formula]

    class Created(DomainEvent):
        def apply(self, settings: LedgerSettings) -> None:
            settings.years = {}
            settings.rule_sets = {}
            settings.formulas = {}

    class CalendarYearPublished(DomainEvent):
        year: PublishedYear

        def apply(self, settings: LedgerSettings) -> None:
            settings.years[self.year.year] = self.year

    class RuleSetPublished(DomainEvent):
        rule_set: RuleSet

        def apply(self, settings: LedgerSettings) -> None:
            settings.rule_sets[self.rule_set.id] = self.rule_set

    class FormulaPublished(DomainEvent):
        """An evaluation formula version, in force from its ``effective_from``."""

        formula: Formula

        def apply(self, settings: LedgerSettings) -> None:
            settings.formulas[self.formula.id] = self.formula

    def formula_book(self) -> FormulaBook:
        return self._once("formulas", FormulaBook, self.formulas.values())

    def calendar(self) -> WorkingCalendar:
        return self._once("calendar", WorkingCalendar, self.years.values())

    def rule_book(self) -> RuleBook:
        return self._once("rules", RuleBook, self.rule_sets.values())

    def _once(self, name: str, build: Callable[[Iterable[Any]], B], parts: Iterable[Any]) -> B:
        """Build once per version of the settings: later events change the version. The cache
        is kept outside the aggregate's fields, so it is never stored in a snapshot."""
        cache: dict[tuple[str, int], Any] = self.__dict__.setdefault("_built_cache", {})
        key = (name, self.version)
        if key not in cache:
            cache[key] = build(parts)
        built: B = cache[key]
        return built
