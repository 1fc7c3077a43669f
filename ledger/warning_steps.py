"""Early warnings as facts, mixed into ``Ledger`` (see ``ledger.warning``).

``raise_warnings`` is called with the evaluations of a day as they are taken (the operator's
snapshot action, the CLI's ``evaluations take``): each warning they carry is recorded unless the
same rule's warning on that body or region is still open or was raised that day, so taking the
evaluations again, or a retry, records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from ledger import warning_commands as wc
from ledger.errors import NotFoundError
from ledger.events import Actor
from ledger.parts import LedgerPart
from ledger.record import Schedule
from ledger.warning import EarlyWarning, warning_id
from ledger.warning_events import FollowUp

_CHUNK = 200


class WarningNotFoundError(NotFoundError):
    """No warning with this id was raised."""


@dataclass(frozen=True)
class Raised:
    """A warning one evaluation carries: the evaluation's kind, code, name, score and metrics,
    and the warning's rule, metric, value and message."""

    kind: str
    code: str
    name: str
    rule_id: str
    metric: str
    value: Decimal
    message: str
    score: Decimal
    metrics: dict[str, int]


def warnings_of(evaluations: Iterable[dict[str, Any]]) -> list[Raised]:
    """The warnings in evaluations as the API answers them (``Evaluation.model_dump``)."""
    return [Raised(kind=e["kind"], code=e["code"], name=e["name"], rule_id=w["rule_id"],
                   metric=w["metric"], value=Decimal(str(w["value"])), message=w["message"],
                   score=Decimal(str(e["score"])), metrics=dict(e["metrics"]))
            for e in evaluations for w in e.get("warnings", ())]


class WarningSteps(LedgerPart):
    """Mixed into ``Ledger``: raising warnings and the operator's steps on them."""

    def early_warning(self, wid: UUID) -> EarlyWarning:
        return self._found(wid, EarlyWarning, WarningNotFoundError(
            "no warning with this id", field="warning_id"))

    def _latest_warning(self, rule_id: str, kind: str, code: str) -> (
        tuple[int, EarlyWarning | None]
    ):
        """The number the next warning of the rule on ``code`` would take, and the latest."""
        number = 1
        while self.recorder.select_events(warning_id(rule_id, kind, code, number), limit=1):
            number += 1
        if number == 1:
            return 1, None
        return number, self.early_warning(warning_id(rule_id, kind, code, number - 1))

    def raise_warnings(self, on: date, formula_id: str, raised: Iterable[Raised],
                       actor: Actor) -> list[UUID]:
        """Record the warnings raised ``on`` under ``formula_id`` that are not already open
        (or raised that day); returns the ids of those recorded now."""
        made: list[EarlyWarning] = []
        for found in raised:
            number, latest = self._latest_warning(found.rule_id, found.kind, found.code)
            if latest is not None and (latest.open or latest.raised_on >= on):
                continue
            region = found.code if found.kind == "region" else self.body(
                found.code).region_code
            chain = self.regions.reporting_chain(region)
            made.append(self._with_schedule(None, self._raiser(
                actor, found, formula_id, on, number, chain), on=on))
        pending = [(w.id, w.collect_events()) for w in made]
        recorded: list[UUID] = []
        for start in range(0, len(pending), _CHUNK):
            chunk = pending[start:start + _CHUNK]
            try:
                self.save_events([e for _, events in chunk for e in events])
                recorded += [wid for wid, _ in chunk]
            except IntegrityError:  # raised meanwhile by another taking: keep the others
                for wid, events in chunk:
                    try:
                        self.save_events(events)
                        recorded.append(wid)
                    except IntegrityError:
                        continue
        return recorded

    def _raiser(self, actor: Actor, found: Raised, formula_id: str, on: date, number: int,
                chain: list[str]) -> Callable[[Schedule], EarlyWarning]:
        kind: Literal["body", "region"] = "body" if found.kind == "body" else "region"

        def raise_(schedule: Schedule) -> EarlyWarning:
            return EarlyWarning.raise_(
                actor=actor, at=self.clock(), schedule=schedule, number=number,
                rule_id=found.rule_id, formula_id=formula_id, kind=kind, code=found.code,
                name=found.name, region_code=chain[0], above=chain[1] if len(chain) > 1
                else chain[0], raised_on=on, metric=found.metric, value=found.value,
                message=found.message, metrics=found.metrics, score=found.score)
        return raise_

    # The operator's steps are registered in ``ledger.lifecycle``; these name them.

    def acknowledge_warning(self, wid: UUID, actor: Actor, note: str | None = None) -> None:
        self.execute(wc.AcknowledgeWarning(warning_id=wid, note=note), actor)

    def record_warning_follow_up(self, wid: UUID, actor: Actor, follow_up: FollowUp,
                                 reasons: str) -> None:
        self.execute(wc.RecordWarningFollowUp(warning_id=wid, follow_up=follow_up,
                                              reasons=reasons), actor)

    def record_warning_result(self, wid: UUID, actor: Actor, result: str) -> None:
        self.execute(wc.RecordWarningResult(warning_id=wid, result=result), actor)
