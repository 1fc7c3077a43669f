"""``Ledger.execute``: every command goes through one method, which takes a registered step
(``ledger.lifecycle``) or hands a whole command to its ledger method.

A record's step loads the record, checks ``ledger.access`` (role, and whose record), calls the
aggregate's method under the record's rule set and saves, in one transaction. A commitment's
or a lead's step loads it, checks the role and that the actor is the department responsible,
calls and saves likewise. The named methods below
(``submit_explanation`` …) are kept for the callers that name the step they take.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger import access, lifecycle
from ledger import commands as c
from ledger.errors import PermissionDeniedError
from ledger.events import Actor
from ledger.parts import LedgerPart
from ledger.record import CreditRecord


class RecordSteps(LedgerPart):
    """Mixed into ``Ledger``: ``execute`` and the steps it takes by name."""

    def execute(self, cmd: c.Command, actor: Actor) -> Any:
        """Carry out ``cmd`` for ``actor``: what the step answers (a matter's number, an id),
        or ``None``. Refused, with nothing saved, when ``ledger.access`` says no."""
        step = lifecycle.BY_COMMAND.get(type(cmd))
        if step is None:
            handled: Any = getattr(self, lifecycle.HANDLED[type(cmd)])(cmd, actor)
            return handled
        if isinstance(cmd, c.RecordStep):
            record = self.record(cmd.record_id)
            access.check_act(actor, cmd, record)
            facts = self.facts(record)
            result = self._with_schedule(record.rule_set_id, lambda s: step.take(
                record, cmd, actor, self.clock(), s, facts))
            self._save(record)
            return result
        if not access.may_give(actor, type(cmd)):
            allowed = ", ".join(r.value for r in step.roles)
            raise PermissionDeniedError(
                f"role {actor.role.value} may not do this (needs {allowed})")
        aggregate = self._load(step, cmd)
        if not access.responsible(actor, aggregate):
            raise PermissionDeniedError(
                "a department may act only on the commitments and leads it is responsible for")
        facts = {"chain": lambda: self.regions.reporting_chain(aggregate.region_code)}
        result = self._with_schedule(None, lambda s: step.take(
            aggregate, cmd, actor, self.clock(), s, facts))
        self._save(aggregate)
        return result

    def _load(self, step: lifecycle.Step, cmd: c.Command) -> Any:
        """The commitment, lead or warning the command names, by the ledger's reader of it
        (``lifecycle.LOADERS``), which says which is missing."""
        reader, field = lifecycle.LOADERS[step.on]
        return getattr(self, reader)(getattr(cmd, field))

    def facts(self, record: CreditRecord) -> dict[str, Callable[[], Any]]:
        """What a step on ``record`` may need from the subject's other records, computed only
        when the step's method asks for it (``lifecycle.FACTS``)."""
        return {"sanctioned_elsewhere": lambda: self._sanctioned_elsewhere(record),
                "subject_applications": lambda: self._repair_applications(record),
                "barred_until": lambda: self._repair_bar(record)}

    def records_of_subject(self, subject_id: UUID, as_of: datetime | None = None) -> (
        list[CreditRecord]
    ):
        raise NotImplementedError

    def _sanctioned_elsewhere(self, record: CreditRecord) -> int:
        """Months of sanctions in force on the record's civil servant from their other
        records: the cap holds per person. A body's records are capped one by one."""
        if record.content.subject_type != "civil_servant":
            return 0
        return sum(s.months for other in self.records_of_subject(record.content.subject_id)
                   if other.id != record.id for s in other.sanctions.values() if not s.lifted)

    def _repair_applications(self, record: CreditRecord) -> int:
        """Repair applications of the record's subject, on any of its records, under the
        record's rule set: the repeat limit counts per subject and rule set."""
        return sum(len(other.repairs)
                   for other in self.records_of_subject(record.content.subject_id)
                   if other.rule_set_id == record.rule_set_id)

    def submit_explanation(self, cmd: c.SubmitExplanation, actor: Actor) -> None:
        self.execute(cmd, actor)

    def submit_rectification_plan(self, cmd: c.SubmitRectificationPlan, actor: Actor) -> None:
        self.execute(cmd, actor)

    def report_rectification_completion(
        self, cmd: c.ReportRectificationCompletion, actor: Actor
    ) -> None:
        self.execute(cmd, actor)

    def verify_rectification(self, cmd: c.VerifyRectification, actor: Actor) -> None:
        self.execute(cmd, actor)

    def reject_rectification(self, cmd: c.RejectRectification, actor: Actor) -> None:
        self.execute(cmd, actor)

    def extend_rectification(self, cmd: c.ExtendRectification, actor: Actor) -> None:
        self.execute(cmd, actor)

    def file_objection(self, cmd: c.FileObjection, actor: Actor) -> int:
        answer: int = self.execute(cmd, actor)
        return answer

    def mark_objection(self, cmd: c.MarkObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def accept_objection(self, cmd: c.AcceptObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def reject_objection(self, cmd: c.RejectObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def forward_objection(self, cmd: c.ForwardObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def extend_objection(self, cmd: c.ExtendObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def decide_objection(self, cmd: c.DecideObjection, actor: Actor) -> None:
        self.execute(cmd, actor)

    def request_review(self, cmd: c.RequestReview, actor: Actor) -> None:
        self.execute(cmd, actor)

    def decide_review(self, cmd: c.DecideReview, actor: Actor) -> None:
        self.execute(cmd, actor)

    def mark_reconsideration(self, cmd: c.MarkReconsideration, actor: Actor) -> None:
        self.execute(cmd, actor)

    def conclude_reconsideration(self, cmd: c.ConcludeReconsideration, actor: Actor) -> None:
        self.execute(cmd, actor)

    def withdraw_record(self, cmd: c.WithdrawRecord, actor: Actor) -> None:
        self.execute(cmd, actor)

    def correct_record(self, cmd: c.CorrectRecord, actor: Actor) -> None:
        self.execute(cmd, actor)

    def _repair_bar(self, record: CreditRecord) -> date | None:
        """The last day the record's subject is barred from applying for repair, after a repair
        of any of its records was revoked for false material."""
        bars = [other.repair_barred_until
                for other in self.records_of_subject(record.content.subject_id)
                if other.repair_barred_until is not None]
        return max(bars, default=None)

    def apply_for_repair(self, cmd: c.ApplyForRepair, actor: Actor) -> int:
        answer: int = self.execute(cmd, actor)
        return answer

    def forward_repair(self, cmd: c.ForwardRepair, actor: Actor) -> None:
        self.execute(cmd, actor)

    def extend_repair(self, cmd: c.ExtendRepair, actor: Actor) -> None:
        self.execute(cmd, actor)

    def decide_repair(self, cmd: c.DecideRepair, actor: Actor) -> None:
        self.execute(cmd, actor)

    def revoke_repair(self, cmd: c.RevokeRepair, actor: Actor) -> None:
        self.execute(cmd, actor)

    def propagate_repair(self, cmd: c.PropagateRepair, actor: Actor) -> None:
        self.execute(cmd, actor)

    def record_performance(self, cmd: c.RecordPerformance, actor: Actor) -> None:
        self.execute(cmd, actor)

    def extend_listing(self, cmd: c.ExtendListing, actor: Actor) -> None:
        self.execute(cmd, actor)

    def impose_sanction(self, cmd: c.ImposeSanction, actor: Actor) -> None:
        self.execute(cmd, actor)

    def record_mitigation(self, cmd: c.RecordMitigation, actor: Actor) -> None:
        self.execute(cmd, actor)
