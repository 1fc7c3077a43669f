"""Ledger-wide data that administrators publish: calendar years, rule sets and evaluation
formulas, as events."""

from __future__ import annotations

from typing import Any
from uuid import uuid5

from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.events import Aggregate, DomainEvent
from ledger.formulas import Formula, FormulaBook
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.rules import RuleBook, RuleSet

SETTINGS_ID = uuid5(LEDGER_NAMESPACE, "settings")


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
        key = ("formulas", self.version)
        if key not in self._built:
            self._built[key] = FormulaBook(self.formulas.values())
        built: FormulaBook = self._built[key]
        return built

    def calendar(self) -> WorkingCalendar:
        # Built once per version of the settings: later events change the version.
        key = ("calendar", self.version)
        if key not in self._built:
            self._built[key] = WorkingCalendar(self.years.values())
        built: WorkingCalendar = self._built[key]
        return built

    def rule_book(self) -> RuleBook:
        key = ("rules", self.version)
        if key not in self._built:
            self._built[key] = RuleBook(self.rule_sets.values())
        built: RuleBook = self._built[key]
        return built

    @property
    def _built(self) -> dict[tuple[str, int], Any]:
        if "_built_cache" not in self.__dict__:
            self.__dict__["_built_cache"] = {}
        cache: dict[tuple[str, int], Any] = self.__dict__["_built_cache"]
        return cache
