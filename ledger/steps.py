"""The ledger's lifecycle commands: one method per step, each load, call, save."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger import commands as c
from ledger.clock import Clock
from ledger.events import Actor
from ledger.record import CreditRecord, Schedule

Step = Callable[[CreditRecord, Schedule], Any]


class RecordSteps:
    """Mixed into ``Ledger``; ``_step`` loads the record, checks ownership and saves it."""

    clock: Clock

    def _step(self, cmd: c.RecordStep, actor: Actor, step: Step) -> Any:
        raise NotImplementedError

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
        self._step(cmd, actor, lambda r, s: r.submit_explanation(actor, self.clock(), cmd.text))

    def submit_rectification_plan(self, cmd: c.SubmitRectificationPlan, actor: Actor) -> None:
        self._step(cmd, actor,
                   lambda r, s: r.submit_rectification_plan(actor, self.clock(), cmd.plan))

    def report_rectification_completion(
        self, cmd: c.ReportRectificationCompletion, actor: Actor
    ) -> None:
        self._step(cmd, actor, lambda r, s: r.report_rectification_completion(
            actor, self.clock(), cmd.report))

    def verify_rectification(self, cmd: c.VerifyRectification, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.verify_rectification(actor, self.clock()))

    def reject_rectification(self, cmd: c.RejectRectification, actor: Actor) -> None:
        self._step(cmd, actor,
                   lambda r, s: r.reject_rectification(actor, self.clock(), cmd.reasons))

    def extend_rectification(self, cmd: c.ExtendRectification, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.extend_rectification(
            actor, self.clock(), s, cmd.new_due, cmd.reasons))

    def file_objection(self, cmd: c.FileObjection, actor: Actor) -> int:
        number: int = self._step(
            cmd, actor, lambda r, s: r.file_objection(actor, self.clock(), s, cmd.grounds))
        return number

    def mark_objection(self, cmd: c.MarkObjection, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.mark_objection(actor, self.clock(), s, cmd.number))

    def accept_objection(self, cmd: c.AcceptObjection, actor: Actor) -> None:
        self._step(cmd, actor,
                   lambda r, s: r.accept_objection(actor, self.clock(), s, cmd.number))

    def reject_objection(self, cmd: c.RejectObjection, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.reject_objection(
            actor, self.clock(), cmd.number, cmd.reasons))

    def forward_objection(self, cmd: c.ForwardObjection, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.forward_objection(
            actor, self.clock(), s, cmd.number, cmd.to.organisation()))

    def extend_objection(self, cmd: c.ExtendObjection, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.extend_objection(
            actor, self.clock(), s, cmd.number, cmd.working_days, cmd.reasons))

    def decide_objection(self, cmd: c.DecideObjection, actor: Actor) -> None:
        changes = cmd.changes.content_changes() if cmd.changes else None
        self._step(cmd, actor, lambda r, s: r.decide_objection(
            actor, self.clock(), s, cmd.number, cmd.outcome, cmd.reasons, changes))

    def request_review(self, cmd: c.RequestReview, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.request_review(
            actor, self.clock(), s, cmd.number, cmd.grounds))

    def decide_review(self, cmd: c.DecideReview, actor: Actor) -> None:
        changes = cmd.changes.content_changes() if cmd.changes else None
        self._step(cmd, actor, lambda r, s: r.decide_review(
            actor, self.clock(), s, cmd.number, cmd.upheld, cmd.reasons, cmd.outcome, changes))

    def mark_reconsideration(self, cmd: c.MarkReconsideration, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.mark_reconsideration(
            actor, self.clock(), cmd.kind, cmd.case_number))

    def conclude_reconsideration(self, cmd: c.ConcludeReconsideration, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.conclude_reconsideration(
            actor, self.clock(), s, cmd.outcome))

    def withdraw_record(self, cmd: c.WithdrawRecord, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.withdraw(actor, self.clock(), cmd.reasons))

    def correct_record(self, cmd: c.CorrectRecord, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.correct(
            actor, self.clock(), s, cmd.changes.content_changes(), cmd.reasons))

    def _repair_bar(self, record: CreditRecord) -> date | None:
        """The last day the record's subject is barred from applying for repair, after a repair
        of any of its records was revoked for false material."""
        bars = [other.repair_barred_until
                for other in self.records_of_subject(record.content.subject_id)
                if other.repair_barred_until is not None]
        return max(bars, default=None)

    def apply_for_repair(self, cmd: c.ApplyForRepair, actor: Actor) -> int:
        number: int = self._step(cmd, actor, lambda r, s: r.apply_for_repair(
            actor, self.clock(), s, cmd.commitment, self._repair_applications(r),
            self._repair_bar(r)))
        return number

    def forward_repair(self, cmd: c.ForwardRepair, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.forward_repair(
            actor, self.clock(), s, cmd.number, cmd.to.organisation()))

    def extend_repair(self, cmd: c.ExtendRepair, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.extend_repair(
            actor, self.clock(), s, cmd.number, cmd.reasons))

    def decide_repair(self, cmd: c.DecideRepair, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.decide_repair(
            actor, self.clock(), s, cmd.number, cmd.approved, cmd.reasons))

    def revoke_repair(self, cmd: c.RevokeRepair, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.revoke_repair(
            actor, self.clock(), s, cmd.number, cmd.reasons, cmd.finding))

    def propagate_repair(self, cmd: c.PropagateRepair, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.propagate_repair(
            actor, self.clock(), cmd.number, tuple(cmd.platforms)))

    def record_performance(self, cmd: c.RecordPerformance, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.record_performance(
            actor, self.clock(), s, cmd.performed_on))

    def extend_listing(self, cmd: c.ExtendListing, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.extend_listing(
            actor, self.clock(), s, cmd.years, cmd.reasons))

    def impose_sanction(self, cmd: c.ImposeSanction, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.impose_sanction(
            actor, self.clock(), s, cmd.order, self._sanctioned_elsewhere(r)))

    def record_mitigation(self, cmd: c.RecordMitigation, actor: Actor) -> None:
        self._step(cmd, actor, lambda r, s: r.record_mitigation(
            actor, self.clock(), cmd.kind, cmd.legal_basis))
