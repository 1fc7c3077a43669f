"""What the parts of ``Ledger`` call of one another, declared once.

``Ledger`` (``ledger.application``) is put together from one mixin per concern
(``RecordSteps``, ``CalendarYears``, ``Evaluations``, ``PeriodEvaluations``, ``Registers`` with
``WarningSteps``, ``Ratings``). Each derives from ``LedgerPart``, which declares what they call
and ``Ledger`` defines (``execute`` is ``RecordSteps``'s, ``_exists`` is ``Registers``'s), so
the type checker sees every call without each mixin repeating the signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger import commands as c
from ledger.clock import Clock
from ledger.errors import LedgerError
from ledger.events import Actor, Aggregate, DomainEvent
from ledger.record import CreditRecord, Schedule
from ledger.regions import RegionTable
from ledger.settings import LedgerSettings
from ledger.subjects import GovernmentBody

A = TypeVar("A", bound=Aggregate)


class LedgerPart:
    """The ledger as its mixins see it; every method here is defined by ``Ledger``."""

    clock: Clock
    regions: RegionTable
    recorder: Any
    mapper: Any

    def settings(self, *, fresh: bool = False) -> LedgerSettings:
        raise NotImplementedError

    def record(self, rid: UUID, version: int | None = None) -> CreditRecord:
        raise NotImplementedError

    def body(self, credit_code: str, field: str = "subject_code") -> GovernmentBody:
        raise NotImplementedError

    def system_step(self, rid: UUID, step: Callable[[CreditRecord, Schedule], Any]) -> Any:
        raise NotImplementedError

    def execute(self, cmd: c.Command, actor: Actor) -> Any:
        raise NotImplementedError

    def prepare_filing(self, cmd: c.FileRecord, actor: Actor,
                       subject_cache: dict[UUID, Aggregate] | None = None, *,
                       digest: str | None = None) -> list[DomainEvent]:
        raise NotImplementedError

    def _with_schedule(self, rule_set_id: str | None, step: Callable[[Schedule], Any],
                       on: date | None = None) -> Any:
        raise NotImplementedError

    def _get(self, aggregate_id: UUID, cls: type[Any], version: int | None = None) -> Any:
        raise NotImplementedError

    def _exists(self, aggregate_id: UUID) -> bool:
        raise NotImplementedError

    def _found(self, aggregate_id: UUID, cls: type[A], missing: LedgerError,
               version: int | None = None) -> A:
        """The aggregate (at ``version``, else the latest), or ``missing`` raised when there is
        none of that class by that id."""
        try:
            found: A = self._get(aggregate_id, cls, version)
        except AggregateNotFoundError:
            raise missing from None
        return found

    def _save(self, *items: Any) -> None:
        raise NotImplementedError

    def save_events(self, events: Iterable[DomainEvent]) -> Any:
        raise NotImplementedError
