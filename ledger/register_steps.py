"""The commitment register and the lead register, mixed into ``Ledger``.

Each command loads what it needs, lets the aggregate check the rules and saves the new events
in one transaction. A finding that files a record (a breach, a lead that proves founded) saves
the record's events with the commitment's and the lead's, so the record and what it was filed
on always name each other. Registering a commitment or importing a lead again (same number)
changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from ledger import commands as c
from ledger import register_commands as rc
from ledger.commitment import Commitment, commitment_id
from ledger.commitment_events import CommitmentKind
from ledger.errors import ConcurrentChangeError, DuplicateFilingError, NotFoundError
from ledger.events import SYSTEM, Actor, Aggregate
from ledger.held_deadlines import DeadlineAwaitsCalendar, DeadlineHolder
from ledger.identifiers import record_id
from ledger.lead import Lead, lead_id
from ledger.record import Schedule
from ledger.store.persistence import canonical_json
from ledger.values import Category, Domain, Organisation, SubjectType
from ledger.warning_steps import WarningSteps

_AWAITS = get_topic(DeadlineAwaitsCalendar)
_DOMAIN_OF_KIND = {
    CommitmentKind.INVESTMENT_PROMOTION: Domain.INVESTMENT_PROMOTION,
    CommitmentKind.PAYMENT: Domain.GOVERNMENT_PROCUREMENT,
    CommitmentKind.TOWNSHIP_PUBLIC: Domain.STREETS_AND_TOWNSHIPS,
}


class CommitmentNotFoundError(NotFoundError):
    """No commitment with this id is in the register."""


class LeadNotFoundError(NotFoundError):
    """No lead with this id was received."""


@dataclass(frozen=True)
class Registered:
    """The id of what was registered, and whether this call created it."""

    id: UUID
    created: bool


class Registers(WarningSteps):
    """Mixed into ``Ledger``: commitments and leads (and early warnings, ``WarningSteps``)."""

    # -- commitments ---------------------------------------------------------------------------

    def commitment(self, cid: UUID) -> Commitment:
        return self._found(cid, Commitment, CommitmentNotFoundError(
            "no commitment with this id", field="commitment_id"))

    def make_commitment(self, cmd: rc.MakeCommitment, actor: Actor) -> Registered:
        """Register a commitment; the same register number again changes nothing (with other
        details it is refused)."""
        maker = self.body(cmd.maker_code, field="maker_code")
        digest = hashlib.sha256(canonical_json(cmd.model_dump(mode="json"))).hexdigest()
        cid = commitment_id(cmd.department.code, cmd.reference)
        made = self._with_schedule(None, lambda s: Commitment.make(
            actor=actor, at=self.clock(), schedule=s,
            maker=Organisation(name=maker.name, code=maker.credit_code),
            region_code=maker.region_code, department=cmd.department.organisation(),
            reference=cmd.reference, kind=cmd.kind, content=cmd.content,
            source_document=cmd.source_document, made_to=cmd.made_to, made_on=cmd.made_on,
            due=cmd.due, recurring=cmd.recurring, public=cmd.public, digest=digest))
        try:
            self.save_events(made.collect_events())
        except IntegrityError:
            if self.commitment(cid).digest != digest:
                raise DuplicateFilingError("this register number is taken by another "
                                           "commitment", field="reference") from None
            return Registered(cid, created=False)
        return Registered(cid, created=True)

    def fulfil_commitment(self, cmd: rc.FulfilCommitment, actor: Actor) -> None:
        self.execute(cmd, actor)

    def release_commitment(self, cmd: rc.ReleaseCommitment, actor: Actor) -> None:
        self.execute(cmd, actor)

    def find_breach(self, cmd: rc.FindBreach, actor: Actor) -> UUID:
        """Find the commitment breached and file its ``breach_of_commitment`` record."""
        commitment = self.commitment(cmd.commitment_id)
        commitment.require_department(actor)
        filing = self._breach_filing(commitment, cmd.finding, cmd.filing)
        rid = record_id(filing.source.code, filing.document_number)
        commitment.breach(actor, self.clock(), cmd.finding, rid)
        self._file_with(filing, actor, commitment)
        return rid

    def propose_breach(self, cmd: rc.ProposeBreach, actor: Actor) -> None:
        """Propose the commitment breached; its record waits for a reviewer (the filing is
        checked now, so a reviewer confirms only a record that can be filed)."""
        commitment = self.commitment(cmd.commitment_id)
        commitment.require_department(actor)
        self.prepare_filing(self._breach_filing(commitment, cmd.finding, cmd.filing), actor)
        commitment.propose_breach(actor, self.clock(), cmd.finding,
                                  cmd.filing.model_dump(mode="json"))
        self._save(commitment)

    def confirm_breach(self, cmd: rc.ConfirmBreach, actor: Actor) -> UUID:
        """A reviewer confirms the proposed breach: the record is filed in the proposing
        department's name and the commitment found breached, in one transaction, each naming
        the other."""
        commitment = self.commitment(cmd.commitment_id)
        proposal = commitment.require_proposal(actor, "confirm a breach")
        short = rc.ShortFiling.model_validate(proposal["filing"])
        filing = self._breach_filing(commitment, proposal["finding"], short)
        rid = record_id(filing.source.code, filing.document_number)
        department = commitment.confirm_breach(actor, self.clock(), rid)
        self._file_with(filing, department, commitment)
        return rid

    def decline_breach(self, cmd: rc.DeclineBreach, actor: Actor) -> None:
        commitment = self.commitment(cmd.commitment_id)
        commitment.decline_breach(actor, self.clock(), cmd.reasons)
        self._save(commitment)

    def _breach_filing(self, commitment: Commitment, finding: str,
                       short: rc.ShortFiling) -> c.FileRecord:
        department = commitment.department
        facts = short.facts or (
            f"{finding}\n(承诺 {commitment.reference}: {commitment.content}; "
            f"{commitment.source_document})")
        return _filing(short.model_copy(update={
            "category": Category.BREACH_OF_COMMITMENT, "facts": facts,
            "domain": short.domain or _DOMAIN_OF_KIND.get(commitment.kind, Domain.OTHER)}),
            department, commitment.maker.code, commitment.region_code)

    def _file_with(self, filing: c.FileRecord, actor: Actor, *others: Aggregate) -> None:
        """File the record and save what it was filed on, in one transaction."""
        events = self.prepare_filing(filing, actor)
        for other in others:
            events += other.collect_events()
        try:
            self.save_events(events)
        except IntegrityError:
            rid = record_id(filing.source.code, filing.document_number)
            if self._exists(rid):
                raise DuplicateFilingError(
                    "this department already filed this document number",
                    field="filing.document_number") from None
            raise ConcurrentChangeError("changed meanwhile; reload and try again") from None

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # -- leads ---------------------------------------------------------------------------------

    def lead(self, lid: UUID) -> Lead:
        return self._found(lid, Lead, LeadNotFoundError("no lead with this id", field="lead_id"))

    def receive_lead(self, cmd: rc.ReceiveLead, actor: Actor) -> Registered:
        """Take a lead in; the same origin and reference number again changes nothing."""
        lid = lead_id(cmd.origin, cmd.reference)
        if self._exists(lid):
            return Registered(lid, created=False)
        body = self.body(cmd.body_code, field="body_code")
        received = self._with_schedule(None, lambda s: Lead.receive(
            actor=actor, at=self.clock(), schedule=s, origin=cmd.origin,
            reference=cmd.reference, received_on=cmd.received_on, summary=cmd.summary,
            body=Organisation(name=body.name, code=body.credit_code),
            region_code=body.region_code, department=cmd.department.organisation(),
        ), on=cmd.received_on)
        try:
            self.save_events(received.collect_events())
        except IntegrityError:
            return Registered(lid, created=False)
        return Registered(lid, created=True)

    def find_lead_unfounded(self, cmd: rc.FindLeadUnfounded, actor: Actor) -> None:
        self.execute(cmd, actor)

    def hand_over_lead(self, cmd: rc.HandOverLead, actor: Actor) -> None:
        self.execute(cmd, actor)

    def file_record_on_lead(self, cmd: rc.FileRecordOnLead, actor: Actor) -> UUID:
        """File a record on the lead's body; the lead ends with it."""
        lead = self.lead(cmd.lead_id)
        lead.require_department(actor)
        short = cmd.filing
        filing = _filing(short.model_copy(update={
            "facts": short.facts or lead.summary, "domain": short.domain or Domain.OTHER}),
            lead.department, lead.body.code, lead.region_code)
        rid = record_id(filing.source.code, filing.document_number)
        lead.record_filed(actor, self.clock(), rid)
        self._file_with(filing, actor, lead)
        return rid

    def find_breach_on_lead(self, cmd: rc.FindBreachOnLead, actor: Actor) -> UUID:
        """The lead shows a commitment breached: the commitment is found breached, its record
        filed and the lead ended, in one transaction."""
        lead = self.lead(cmd.lead_id)
        lead.require_department(actor)
        commitment = self.commitment(cmd.commitment_id)
        commitment.require_department(actor)
        filing = self._breach_filing(commitment, cmd.finding, cmd.filing)
        rid = record_id(filing.source.code, filing.document_number)
        at = self.clock()
        commitment.breach(actor, at, cmd.finding, rid, lead_id=lead.id)
        lead.commitment_breached(actor, at, commitment.id, rid)
        self._file_with(filing, actor, commitment, lead)
        return rid

    # -- deadlines held by commitments and leads -----------------------------------------------

    def deadline_holder(self, holder_id: UUID, version: int | None = None) -> DeadlineHolder:
        return self._found(holder_id, DeadlineHolder, NotFoundError(
            "no commitment or lead with this id", field="holder_id"), version)

    def holder_step(self, holder_id: UUID, step: Callable[[DeadlineHolder, Schedule], Any]) -> (
        Any
    ):
        """A step the system takes on a commitment's or lead's deadline; retried on a
        concurrent change."""
        for _attempt in range(5):
            holder = self.deadline_holder(holder_id)
            result = self._with_schedule(None, lambda s, h=holder: step(h, s))  # type: ignore[misc]
            events = holder.collect_events()
            try:
                if events:
                    self.save_events(events)
                return result
            except IntegrityError:
                continue
        raise ConcurrentChangeError("it kept changing", field="holder_id")

    def date_held_deadlines(self) -> int:
        """Date the commitments' and leads' deadlines that waited for a calendar year now
        published; returns how many were dated. Doing it twice dates nothing twice."""
        waiting: dict[UUID, None] = {}
        start = 1
        while page := self.recorder.select_notifications(start=start, limit=1000,
                                                         topics=[_AWAITS]):
            waiting.update((n.originator_id, None) for n in page)
            start = page[-1].id + 1
        return sum(self.holder_step(hid, lambda h, s: h.date_deadlines(SYSTEM, self.clock(), s))
                   for hid in waiting)


def _filing(short: rc.ShortFiling, department: Organisation, body_code: str,
            region_code: str) -> c.FileRecord:
    authority = c.Authority(name=department.name, code=department.code)
    return c.FileRecord(
        source=authority, document_number=short.document_number,
        decision_date=short.decision_date, deciding_authority=authority,
        subject_type=SubjectType.BODY, subject_code=body_code, category=short.category,
        domain=short.domain or Domain.OTHER, severity=short.severity,
        facts=short.facts or "", legal_basis=short.legal_basis,
        decision_content=short.decision_content, region_code=region_code, scope=short.scope,
        request_explanation=short.request_explanation,
    )

