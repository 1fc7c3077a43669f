"""The step registry: each command, the aggregate method that takes it, and where it is asked.

A step is registered once, here. ``Ledger.execute`` loads the aggregate the command names,
checks ``ledger.access``, calls the method and saves; the API adds one POST per record step
under ``/api/v1/records/{record_id}/<path>``, the reviewer's queue and the official's page offer
the steps whose ``page`` they show. So a new step is a command class, an aggregate method (with
its event) and one line below.

The method's parameters are filled by name: ``actor``, ``at`` (the ledger's clock) and
``schedule`` (the record's rule set and calendar), then the command's fields of the same name
(an ``Authority`` given as the organisation, ``RecordChanges`` as the content changes), then
the facts about other records the ledger supplies (``FACTS``). ``check`` refuses, at import,
a step whose method asks for anything else.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger import access
from ledger import commands as c
from ledger import register_commands as rc
from ledger import warning_commands as wc
from ledger.commitment import Commitment
from ledger.events import Actor, Role
from ledger.lead import Lead
from ledger.record import CreditRecord, Schedule
from ledger.warning import EarlyWarning

FACTS = ("sanctioned_elsewhere", "subject_applications", "barred_until", "chain")
"""What a step may need from beyond its aggregate (``RecordSteps.facts``): the subject's other
records, a warning's region and every region it reports to."""
GIVEN = ("actor", "at", "schedule")

Aggregate = type[CreditRecord] | type[Commitment] | type[Lead] | type[EarlyWarning]


@dataclass(frozen=True)
class Step:
    """One lifecycle step of a record, a commitment or a lead."""

    command: type[c.Command]
    method: Callable[..., Any]
    """The aggregate's method that checks the rules and records the event."""
    path: str = ""
    """Where the API asks for a record's step, under ``/api/v1/records/{record_id}/``."""
    numbered: bool = False
    """The step opens a numbered matter (an objection, a repair) and answers its number."""
    page: str = ""
    """The step's action on a page (the official's page, the reviewer's queue), if offered."""
    on: Aggregate = CreditRecord

    @property
    def name(self) -> str:
        """The command as a verb phrase: ``SubmitExplanation`` is ``submit_explanation``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.command.__name__).lower()

    @property
    def roles(self) -> tuple[Role, ...]:
        return access.roles(self.command)

    def take(self, aggregate: Any, cmd: c.Command, actor: Actor, at: datetime,
             schedule: Schedule, facts: Mapping[str, Callable[[], Any]]) -> Any:
        """Call the aggregate's method with its parameters filled by name."""
        given = {"actor": actor, "at": at, "schedule": schedule}
        arguments: dict[str, Any] = {}
        for name, required in _parameters(self.method).items():
            if name in given:
                arguments[name] = given[name]
            elif name in type(cmd).model_fields:
                arguments[name] = _domain_value(getattr(cmd, name))
            elif name in facts:
                arguments[name] = facts[name]()
            elif required:
                raise TypeError(f"nothing supplies {name!r} to {self.method.__qualname__}")
        return self.method(aggregate, **arguments)


def _parameters(method: Callable[..., Any]) -> dict[str, bool]:
    """The method's parameters after ``self``, each with whether it must be given."""
    return {name: p.default is inspect.Parameter.empty
            for name, p in inspect.signature(method).parameters.items() if name != "self"}


def _domain_value(value: Any) -> Any:
    if isinstance(value, c.Authority):
        return value.organisation()
    if isinstance(value, c.RecordChanges):
        return value.content_changes()
    return value


R = CreditRecord
STEPS: tuple[Step, ...] = (
    Step(c.SubmitExplanation, R.submit_explanation, "explanation", page="explanation"),
    Step(c.SubmitRectificationPlan, R.submit_rectification_plan, "rectification/plan",
         page="rectification-plan"),
    Step(c.ReportRectificationCompletion, R.report_rectification_completion,
         "rectification/completion", page="rectification-report"),
    Step(c.VerifyRectification, R.verify_rectification, "rectification/verification"),
    Step(c.RejectRectification, R.reject_rectification, "rectification/rejection"),
    Step(c.ExtendRectification, R.extend_rectification, "rectification/extension"),
    Step(c.FileObjection, R.file_objection, "objections", numbered=True, page="objection"),
    Step(c.MarkObjection, R.mark_objection, "objections/{number}/mark", page="mark"),
    Step(c.AcceptObjection, R.accept_objection, "objections/{number}/acceptance",
         page="accept"),
    Step(c.RejectObjection, R.reject_objection, "objections/{number}/rejection",
         page="reject"),
    Step(c.ForwardObjection, R.forward_objection, "objections/{number}/forwarding",
         page="forward"),
    Step(c.ExtendObjection, R.extend_objection, "objections/{number}/extension"),
    Step(c.DecideObjection, R.decide_objection, "objections/{number}/decision"),
    Step(c.RequestReview, R.request_review, "objections/{number}/review", page="review"),
    Step(c.DecideReview, R.decide_review, "objections/{number}/review/decision"),
    Step(c.MarkReconsideration, R.mark_reconsideration, "reconsideration"),
    Step(c.ConcludeReconsideration, R.conclude_reconsideration, "reconsideration/conclusion"),
    Step(c.WithdrawRecord, R.withdraw, "withdrawal"),
    Step(c.CorrectRecord, R.correct, "correction"),
    Step(c.ApplyForRepair, R.apply_for_repair, "repairs", numbered=True, page="repair"),
    Step(c.ForwardRepair, R.forward_repair, "repairs/{number}/forwarding",
         page="forward_repair"),
    Step(c.ExtendRepair, R.extend_repair, "repairs/{number}/extension"),
    Step(c.DecideRepair, R.decide_repair, "repairs/{number}/decision"),
    Step(c.RevokeRepair, R.revoke_repair, "repairs/{number}/revocation"),
    Step(c.PropagateRepair, R.propagate_repair, "repairs/{number}/propagation"),
    Step(c.RecordPerformance, R.record_performance, "performance"),
    Step(c.ExtendListing, R.extend_listing, "listing/extension"),
    Step(c.ImposeSanction, R.impose_sanction, "sanctions"),
    Step(c.RecordMitigation, R.record_mitigation, "mitigations"),
    Step(rc.FulfilCommitment, Commitment.fulfil, on=Commitment),
    Step(rc.ReleaseCommitment, Commitment.release, on=Commitment),
    Step(rc.FindLeadUnfounded, Lead.find_unfounded, on=Lead),
    Step(rc.HandOverLead, Lead.hand_over, on=Lead),
    Step(wc.AcknowledgeWarning, EarlyWarning.acknowledge, on=EarlyWarning),
    Step(wc.RecordWarningFollowUp, EarlyWarning.record_follow_up, on=EarlyWarning),
    Step(wc.RecordWarningResult, EarlyWarning.record_result, on=EarlyWarning),
)
"""Steps on one aggregate. Steps that file a record or touch several aggregates at once are
ledger methods (``HANDLED``)."""

HANDLED: dict[type[c.Command], str] = {
    c.RegisterBody: "register_body",
    c.RegisterCivilServant: "register_civil_servant",
    c.PublishCalendarYear: "publish_calendar_year",
    c.PublishRuleSet: "publish_rule_set",
    c.PublishFormula: "publish_formula",
    c.FileRecord: "file_record",
    rc.MakeCommitment: "make_commitment",
    rc.FindBreach: "find_breach",
    rc.ProposeBreach: "propose_breach",
    rc.ConfirmBreach: "confirm_breach",
    rc.DeclineBreach: "decline_breach",
    rc.ReceiveLead: "receive_lead",
    rc.FileRecordOnLead: "file_record_on_lead",
    rc.FindBreachOnLead: "find_breach_on_lead",
}
"""Commands a ledger method of this name carries out whole (several aggregates, a filing)."""

LOADERS: dict[Aggregate, tuple[str, str]] = {
    Commitment: ("commitment", "commitment_id"), Lead: ("lead", "lead_id"),
    EarlyWarning: ("early_warning", "warning_id"),
}
"""How the ledger loads the aggregate a step is on: its reader, and the command's id field."""
BY_COMMAND: dict[type[c.Command], Step] = {step.command: step for step in STEPS}
RECORD_STEPS: tuple[Step, ...] = tuple(step for step in STEPS if step.on is CreditRecord)
PAGE_STEPS: dict[str, Step] = {step.page: step for step in STEPS if step.page}


def check(steps: tuple[Step, ...] = STEPS) -> None:
    """Refuse a registry a step of which the ledger could not take: its command has no roles
    in ``access.ACTS``, its method asks for something nothing supplies, or a record step's
    command does not name its record."""
    for step in steps:
        if step.command not in access.ACTS:
            raise TypeError(f"{step.command.__name__} has no roles in ledger.access.ACTS")
        if step.on is CreditRecord and not issubclass(step.command, c.RecordStep):
            raise TypeError(f"{step.command.__name__} is not a RecordStep")
        for name, required in _parameters(step.method).items():
            if required and name not in GIVEN and name not in step.command.model_fields and (
                    name not in FACTS):
                raise TypeError(f"{step.on.__name__}.{step.method.__name__} needs {name!r}, "
                                f"which {step.command.__name__} does not carry")


check()
