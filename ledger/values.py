"""Value types shared by events, commands and views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ledger.events import Immutable


class SubjectType(StrEnum):
    BODY = "body"
    CIVIL_SERVANT = "civil_servant"


class Category(StrEnum):
    COURT_JUDGMENT = "court_judgment"
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    DISCIPLINARY_SANCTION = "disciplinary_sanction"
    ACCOUNTABILITY = "accountability"
    DISHONEST_JUDGMENT_DEBTOR = "dishonest_judgment_debtor"
    BREACH_OF_COMMITMENT = "breach_of_commitment"


class Domain(StrEnum):
    GOVERNMENT_PROCUREMENT = "government_procurement"
    PPP = "ppp"
    BIDDING = "bidding"
    INVESTMENT_PROMOTION = "investment_promotion"
    LOCAL_GOVERNMENT_DEBT = "local_government_debt"
    STREETS_AND_TOWNSHIPS = "streets_and_townships"
    OTHER = "other"


class Severity(StrEnum):
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"


class Scope(StrEnum):
    """Who may see a record: the public, or authorised departments only."""

    PUBLIC = "public"
    SHARED = "shared"


class DeadlineKind(StrEnum):
    EXPLANATION = "explanation"
    RECTIFICATION = "rectification"
    OBJECTION_MARK = "objection_mark"
    OBJECTION_ACCEPTANCE = "objection_acceptance"
    OBJECTION_FORWARDING = "objection_forwarding"
    OBJECTION_DECISION = "objection_decision"
    OBJECTION_CASE = "objection_case"
    REVIEW_REQUEST = "review_request"
    REVIEW_DECISION = "review_decision"
    REVOCATION = "revocation"
    REPAIR_FORWARDING = "repair_forwarding"
    REPAIR_DECISION = "repair_decision"
    REPAIR_ANSWER = "repair_answer"
    REPAIR_PROPAGATION = "repair_propagation"
    LISTING_REMOVAL = "listing_removal"
    COMMITMENT_DUE = "commitment_due"
    LEAD_VERIFICATION = "lead_verification"
    WARNING_ACKNOWLEDGEMENT = "warning_acknowledgement"


class PeriodUnit(StrEnum):
    """How a deadline's length counts: working days, or calendar days ending on a working day."""

    WORKING_DAYS = "working_days"
    DAYS = "days"


class Deadline(Immutable):
    """A deadline as a fact: its due date and the rules and calendar it was computed with.

    A deadline whose due date needs a calendar year that has not been published is recorded all
    the same, *waiting*: ``due`` is ``None``, ``awaiting`` names the years, and ``length`` and
    ``unit`` (with ``starts_on`` and the rule set) say how the date will be computed once they
    are published (``DeadlineDated``). A date is never guessed.
    """

    key: str
    kind: DeadlineKind
    starts_on: date
    due: date | None
    rule_set_id: str
    calendar_version: str
    party: str
    overdue: bool = False
    urged: bool = False
    escalated: bool = False
    length: int | None = None
    """The period counted from ``starts_on`` (``None`` for a due date set in the order)."""
    unit: PeriodUnit | None = None
    awaiting: tuple[int, ...] = ()
    """Calendar years the due date waits for; empty once it is known."""
    historical: bool = False
    """Of a record migrated from an earlier system, ended before it was filed here: a fact,
    never an open deadline."""

    @property
    def waiting(self) -> bool:
        return self.due is None


class ObjectionOutcome(StrEnum):
    CORRECTED = "corrected"
    SUPPLEMENTED = "supplemented"
    DELETED = "deleted"
    PUBLICITY_STOPPED = "publicity_stopped"
    UPHELD = "upheld"
    UNVERIFIABLE = "unverifiable"


class SanctionKind(StrEnum):
    HONOURS_DISQUALIFICATION = "honours_disqualification"
    PUBLIC_CRITICISM = "public_criticism"
    PROMOTION_RESTRICTION = "promotion_restriction"


class MitigationKind(StrEnum):
    LIGHTER = "lighter"
    REDUCED = "reduced"
    EXEMPTED = "exempted"


class ReconsiderationKind(StrEnum):
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"


class ReconsiderationOutcome(StrEnum):
    UPHELD = "upheld"
    REVOKED = "revoked"
    CHANGED = "changed"


class ReadingPurpose(StrEnum):
    """Why a person reads a civil servant's sealed name and ID: a closed list, logged with it."""

    AUDIT_INSPECTION = "audit_inspection"  # 审计抽查
    RECORD_VERIFICATION = "record_verification"  # 核实报送记录的当事人
    OBJECTION_HANDLING = "objection_handling"  # 异议核实
    REPAIR_HANDLING = "repair_handling"  # 信用修复核实
    LEGAL_PROCEEDINGS = "legal_proceedings"  # 复议、诉讼


class Organisation(Immutable):
    """A named authority with its unified social credit code."""

    name: str
    code: str


class RecordStatus(StrEnum):
    IN_FORCE = "in_force"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"
    REPAIRED = "repaired"
    EXPIRED = "expired"


class StepStatus(StrEnum):
    OPEN = "open"
    PLAN_SUBMITTED = "plan_submitted"
    COMPLETION_REPORTED = "completion_reported"
    DONE = "done"
    FILED = "filed"
    MARKED = "marked"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    DECIDED = "decided"
    APPROVED = "approved"
    REFUSED = "refused"
    REVOKED = "revoked"


@dataclass
class Objection:
    number: int
    grounds: str
    status: StepStatus = StepStatus.FILED
    outcome: ObjectionOutcome | None = None
    extension_used: int = 0
    review_until: date | None = None
    decided_on: date | None = None
    review: StepStatus | None = None
    forwarded_to: str | None = None
    """Credit code of the authority the objection was forwarded to decide."""
    filed_on: date | None = None


@dataclass
class Repair:
    number: int
    status: StepStatus = StepStatus.FILED
    extended: bool = False
    forwarded_to: str | None = None
    """Credit code of the authority the application was forwarded to decide."""


@dataclass
class Sanction:
    number: int
    kind: SanctionKind
    months: int
    starts_on: date
    ends_on: date
    lifted: bool = False
    lifted_because: str | None = None
    """Why it was lifted (``repaired``, ``period_ended`` …): a repair revoked restores only
    the sanctions its approval lifted."""
