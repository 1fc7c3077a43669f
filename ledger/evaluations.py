"""Evaluation formulas an administrator publishes, and evaluations kept as dated snapshots.

An evaluation (政务诚信评价) is worked out from the views with the formula in force on its day
(``projections.evaluation``). What was evaluated on a day is recorded here as a fact in the log,
one ``EvaluationSnapshot`` per body or region and day, rather than in a table a follower writes.
The views hold only the present and are rebuilt from the log whenever their definition changes,
so a table of past scores beside them could neither be rebuilt nor shown to be unaltered; an
evaluation feeds honours eligibility and performance assessment, so the one taken on a day must
read the same however records, views or formulas change later. In the log it is sealed with
every other fact, survives any rebuild, and an auditor can prove it was not rewritten. The first
snapshot of a day stands: taking it again records nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from ledger import commands as c
from ledger.clock import business_date
from ledger.errors import ValidationError
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.formulas import Formula, FormulaBook
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.parts import LedgerPart
from ledger.record import require_role
from ledger.settings import LedgerSettings

Kind = Literal["body", "region"]
_CHUNK = 500
"""Snapshots saved per transaction (one save stays well under 1,000 events)."""


class EvaluationSnapshot(Aggregate):
    """One body's or region's evaluation on one day, under the formula in force that day."""

    kind: Kind
    code: str
    taken_on: date
    formula_id: str
    evaluation: dict[str, Any]

    class Taken(DomainEvent):
        kind: Kind
        code: str
        taken_on: date
        formula_id: str
        evaluation: dict[str, Any]
        """The evaluation as the API answers it (score, grade, metrics, warnings)."""

        def apply(self, snapshot: EvaluationSnapshot) -> None:
            snapshot.kind, snapshot.code = self.kind, self.code
            snapshot.taken_on, snapshot.formula_id = self.taken_on, self.formula_id
            snapshot.evaluation = self.evaluation


EvaluationSnapshot.Taken.aggregate_class = EvaluationSnapshot


def snapshot_id(kind: Kind, code: str, on: date) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"evaluation:{kind}:{code}:{on.isoformat()}")


class Evaluations(LedgerPart):
    """Mixed into ``Ledger``: formula versions, and the evaluations taken on each day."""

    def formula_book(self) -> FormulaBook:
        return self.settings().formula_book()

    def publish_formula(self, cmd: c.PublishFormula, actor: Actor) -> Formula:
        """Publish a formula version; it scores evaluations from its effective date, which
        must be after today, so no evaluation already taken (today's included) reads
        differently."""
        require_role(actor, Role.ADMINISTRATOR)
        formula, settings = cmd.formula, self.settings(fresh=True)
        if formula.id in settings.formula_book():
            raise ValidationError("a formula with this id exists; publish a new id",
                                  field="formula.id")
        today = business_date(self.clock())
        if formula.effective_from <= today:
            raise ValidationError(f"must be after today ({today}): evaluations up to today "
                                  "keep the formula they were taken under",
                                  field="formula.effective_from")
        settings.trigger(LedgerSettings.FormulaPublished, actor, self.clock(), formula=formula)
        self._save(settings)
        return formula

    def take_evaluations(self, on: date, formula_id: str,
                         evaluations: list[tuple[Kind, str, dict[str, Any]]],
                         actor: Actor) -> int:
        """Record the day's evaluations (kind, code, evaluation) taken under ``formula_id``;
        those of the day recorded before stand. Returns how many were recorded now."""
        require_role(actor, Role.SYSTEM, Role.OPERATOR, Role.ADMINISTRATOR)
        fresh = [(kind, code, found) for kind, code, found in evaluations
                 if self.evaluation_on(kind, code, on) is None]
        at = self.clock()
        for start in range(0, len(fresh), _CHUNK):
            self._save(*(EvaluationSnapshot.create(
                EvaluationSnapshot.Taken, snapshot_id(kind, code, on), actor, at, kind=kind,
                code=code, taken_on=on, formula_id=formula_id, evaluation=found)
                for kind, code, found in fresh[start:start + _CHUNK]))
        return len(fresh)

    def evaluation_on(self, kind: Kind, code: str, on: date) -> EvaluationSnapshot | None:
        """The evaluation of a body or region taken on a day, if one was."""
        try:
            found: EvaluationSnapshot = self._get(snapshot_id(kind, code, on),
                                                  EvaluationSnapshot)
        except AggregateNotFoundError:
            return None
        return found
