"""Commands of the commitment register and the lead register (see ``ledger.commitment`` and
``ledger.lead``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.commands import Authority, Command, CreditCode, ShortText, Text
from ledger.commitment_events import CommitmentKind
from ledger.lead_events import LeadOrigin
from ledger.values import Category, Domain, Scope, Severity


class MakeCommitment(Command):
    """Register a commitment a body made; the department registering it is responsible."""

    department: Authority
    reference: ShortText
    """The register number; the same number again is the same commitment."""
    maker_code: CreditCode
    kind: CommitmentKind
    content: Text
    source_document: ShortText
    made_to: ShortText
    made_on: date
    due: date | None = None
    recurring: ShortText | None = None
    """A condition that recurs (每季度兑现 …), for a commitment with no one due date."""
    public: bool = False


class CommitmentStep(Command):
    commitment_id: UUID


class FulfilCommitment(CommitmentStep):
    evidence: Text


class ReleaseCommitment(CommitmentStep):
    reasons: Text


class ShortFiling(Command):
    """The record a finding files: its subject, source and region come from the commitment
    or lead it is filed on."""

    document_number: ShortText
    decision_date: date
    category: Category = Category.BREACH_OF_COMMITMENT
    domain: Domain | None = None
    """By default the domain the commitment's kind belongs to (other for a lead)."""
    severity: Severity
    facts: Text | None = None
    """By default the finding (or the lead's summary)."""
    legal_basis: Text
    decision_content: Text
    scope: Scope = Scope.PUBLIC
    request_explanation: bool = True


class FindBreach(CommitmentStep):
    """The responsible department finds the commitment breached and files the record."""

    finding: Text
    filing: ShortFiling


class ProposeBreach(CommitmentStep):
    """The responsible department proposes a breach and its record for a reviewer to confirm."""

    finding: Text
    filing: ShortFiling


class ConfirmBreach(CommitmentStep):
    """A platform reviewer confirms a proposed breach: its record is filed."""


class DeclineBreach(CommitmentStep):
    """A platform reviewer declines a proposed breach, with reasons."""

    reasons: Text


class ReceiveLead(Command):
    origin: LeadOrigin
    reference: ShortText
    """The origin's own number (12345 work-order number, suggestion number …)."""
    received_on: date
    summary: Text
    body_code: CreditCode
    department: Authority


class LeadStep(Command):
    lead_id: UUID


class FindLeadUnfounded(LeadStep):
    reasons: Text


class FileRecordOnLead(LeadStep):
    filing: ShortFiling


class FindBreachOnLead(LeadStep):
    commitment_id: UUID
    finding: Text
    filing: ShortFiling


class HandOverLead(LeadStep):
    to: Authority
    reasons: Text
