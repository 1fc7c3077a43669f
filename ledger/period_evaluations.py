"""Quarterly and annual evaluations (季度、年度政务诚信评价), recorded as facts in the log.

When a quarter ends (and a year, with its fourth quarter) every body and region is evaluated
under the formula in force on the period's last day, from the views as they stand when it is
taken, and recorded here: one ``PeriodEvaluation`` per period, body or region, and one
``EvaluationPeriod`` for the period, naming the day it was taken, the formula and the log
position each view it read had reached. Those positions make it replayable: an auditor builds
the same views from the log up to them and evaluates again under the same formula, and must get
the same numbers (``projections.evaluation_replay``).

A period's evaluations are saved a chunk per transaction (one save stays small), the period's
own fact last: the period counts as recorded only once that fact is in the log, and it names the
run (``attempt``, a digest of the positions and the formula) whose evaluations it is. A run cut
short leaves evaluations no period names; a retry from the same positions finds them and adds
only what is missing, one from later positions records its own. A period recorded before is not
taken again, so nothing is recorded twice.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Literal
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from ledger.errors import ConcurrentChangeError, NotFoundError, ValidationError
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.parts import LedgerPart
from ledger.ratings import period_end
from ledger.record import require_role
from ledger.store.persistence import canonical_json

Kind = Literal["body", "region"]
CHUNK = 100
"""Evaluations per save: one save stays well under 1,000 events and 200 KiB
(docs/architecture.md)."""


class PeriodNotRecordedError(NotFoundError):
    """No evaluation of this period was recorded."""


def period_of(on: date, length: Literal["quarter", "year"]) -> str:
    """The quarter (``2026-Q4``) or year (``2026``) that ``on`` falls in."""
    return f"{on.year}-Q{(on.month - 1) // 3 + 1}" if length == "quarter" else str(on.year)


def evaluation_period_id(period: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"evaluation-period:{period}")


def period_evaluation_id(period: str, attempt: str, kind: Kind, code: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"evaluation-period:{period}:{attempt}:{kind}:{code}")


def attempt_of(period: str, formula_id: str, positions: dict[str, int]) -> str:
    """Names a run: the same period, formula and positions give the same evaluations."""
    text = canonical_json({"period": period, "formula": formula_id, "positions": positions})
    return hashlib.sha256(text).hexdigest()[:16]


class EvaluationPeriod(Aggregate):
    """A quarter's or year's evaluation: when it was taken, under which formula, from which
    positions of the views."""

    period: str
    period_end: date
    taken_on: date
    formula_id: str
    positions: dict[str, int]
    attempt: str
    evaluated: list[tuple[Kind, str]]

    class Recorded(DomainEvent):
        period: str
        period_end: date
        taken_on: date
        formula_id: str
        positions: dict[str, int]
        """The log position each view read had reached (``projections`` view names)."""
        attempt: str
        """The run whose evaluations these are (``attempt_of``)."""
        evaluated: list[tuple[Kind, str]]
        """The bodies and regions evaluated, each a ``PeriodEvaluation``."""

        def apply(self, found: EvaluationPeriod) -> None:
            self.set_own_fields(found)


class PeriodEvaluation(Aggregate):
    """One body's or region's evaluation for a period."""

    period: str
    kind: Kind
    code: str
    evaluation: dict[str, Any]

    class Recorded(DomainEvent):
        period: str
        kind: Kind
        code: str
        evaluation: dict[str, Any]
        """The evaluation as the API answers it (score, grade, metrics, warnings)."""

        def apply(self, found: PeriodEvaluation) -> None:
            self.set_own_fields(found)


EvaluationPeriod.Recorded.aggregate_class = EvaluationPeriod
PeriodEvaluation.Recorded.aggregate_class = PeriodEvaluation


class PeriodEvaluations(LedgerPart):
    """Mixed into ``Ledger``: the quarterly and annual evaluations."""

    def record_period_evaluation(
        self, period: str, taken_on: date, formula_id: str, positions: dict[str, int],
        evaluations: list[tuple[Kind, str, dict[str, Any]]], actor: Actor,
    ) -> bool:
        """Record a period's evaluations, then the period; ``False`` if the period was
        recorded before (nothing is recorded again)."""
        require_role(actor, Role.SYSTEM, Role.OPERATOR, Role.ADMINISTRATOR)
        ends = period_end(period)
        if taken_on <= ends:
            raise ValidationError(f"{period} ends on {ends}; it is evaluated after that",
                                  field="period")
        if self.evaluation_period(period) is not None:
            return False
        at, attempt = self.clock(), attempt_of(period, formula_id, positions)
        missing = [(period_evaluation_id(period, attempt, kind, code), kind, code, found)
                   for kind, code, found in evaluations]
        missing = [row for row in missing
                   if not self.recorder.select_events(row[0], limit=1)]
        try:
            for start in range(0, len(missing), CHUNK):
                self._save(*(PeriodEvaluation.create(
                    PeriodEvaluation.Recorded, rid, actor, at, period=period, kind=kind,
                    code=code, evaluation=found)
                    for rid, kind, code, found in missing[start:start + CHUNK]))
            self._save(EvaluationPeriod.create(
                EvaluationPeriod.Recorded, evaluation_period_id(period), actor, at,
                period=period, period_end=ends, taken_on=taken_on, formula_id=formula_id,
                positions=positions, attempt=attempt,
                evaluated=[(kind, code) for kind, code, _ in evaluations]))
        except ConcurrentChangeError:
            return False  # the same run, or the period, recorded at this moment by another
        return True

    def evaluation_period(self, period: str) -> EvaluationPeriod | None:
        try:
            found: EvaluationPeriod = self._get(evaluation_period_id(period), EvaluationPeriod)
        except AggregateNotFoundError:
            return None
        return found

    def period_evaluations(self, period: str) -> list[PeriodEvaluation]:
        """The period's evaluations, bodies then regions as they were recorded."""
        header = self.evaluation_period(period)
        if header is None:
            raise PeriodNotRecordedError(f"no evaluation of {period} was recorded",
                                         field="period")
        return [self._get(period_evaluation_id(period, header.attempt, kind, code),
                          PeriodEvaluation)
                for kind, code in header.evaluated]

    def evaluation_periods(self) -> list[EvaluationPeriod]:
        """Every period recorded, in the order they were."""
        topic = get_topic(EvaluationPeriod.Recorded)
        found = self.recorder.select_notifications(start=1, limit=10_000, topics=[topic])
        return [self._get(n.originator_id, EvaluationPeriod) for n in found]
