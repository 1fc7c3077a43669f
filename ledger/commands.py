"""Commands: what a person asks the ledger to do, as validated pydantic models.

Field validators check formats (codes, lengths, amounts); the ledger application checks what
needs the log (does the subject exist, is the step possible now). Every error names its field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ledger.calendar import PublishedYear
from ledger.errors import InvalidIdentifierError
from ledger.formulas import Formula
from ledger.identifiers import validate_citizen_id, validate_uscc
from ledger.record import SanctionOrder
from ledger.record_events import ContentChanges
from ledger.rules import RuleSet
from ledger.values import (
    Category,
    Domain,
    MitigationKind,
    ObjectionOutcome,
    Organisation,
    ReconsiderationKind,
    ReconsiderationOutcome,
    Scope,
    Severity,
    SubjectType,
)


def _check_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except InvalidIdentifierError as error:
        raise ValueError(error.reason) from None


def _check_citizen_id(value: str) -> str:
    try:
        return validate_citizen_id(value)
    except InvalidIdentifierError as error:
        raise ValueError(error.reason) from None


CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True),
                       AfterValidator(_check_uscc)]
CitizenId = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True),
                      AfterValidator(_check_citizen_id)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Amounts are kept to the fen, so "50000" and "50000.00" are the same filing.
Yuan = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2),
                 AfterValidator(lambda amount: amount.quantize(Decimal("0.01")))]


def _check_months(order: SanctionOrder) -> SanctionOrder:
    if not 1 <= order.months <= 1_200:
        raise ValueError("a sanction lasts 1 to 1,200 months")
    return order


BoundedSanction = Annotated[SanctionOrder, AfterValidator(_check_months)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Authority(Command):
    name: ShortText
    code: CreditCode

    def organisation(self) -> Organisation:
        return Organisation(name=self.name, code=self.code)


class RegisterBody(Command):
    credit_code: CreditCode
    name: ShortText
    region_code: RegionCode
    parent_code: CreditCode | None = None
    kind: ShortText = "organ"


class RegisterCivilServant(Command):
    citizen_id: CitizenId
    name: ShortText
    body_code: CreditCode
    position: ShortText


class Rectification(Command):
    requirement: Text
    due: date | None = None


class FileRecord(Command):
    """A filing by a source department (fields follow the national 双公示 set where they fit)."""

    source: Authority
    document_number: ShortText
    decision_date: date
    deciding_authority: Authority
    subject_type: SubjectType
    subject_code: CreditCode | None = None
    subject_citizen_id: CitizenId | None = None
    category: Category
    domain: Domain
    severity: Severity
    matter: ShortText | None = None
    more_matters: tuple[ShortText, ...] = Field(default=(), max_length=10)
    """Further penalty matters of the same decision; the longest publicity window applies."""
    facts: Text
    legal_basis: Text
    decision_content: Text
    fine_yuan: Yuan | None = None
    confiscation_yuan: Yuan | None = None
    region_code: RegionCode
    scope: Scope
    responsible_citizen_ids: tuple[CitizenId, ...] = Field(default=(), max_length=100)
    request_explanation: bool = True
    rectification: Rectification | None = None
    filed_on: date | None = None
    """The original filing day of a record migrated from an earlier system (not in the
    future, not before the decision); its rule set is the one in force that day."""
    sanctions: tuple[BoundedSanction, ...] = Field(default=(), max_length=20)


class RecordChanges(Command):
    """The fields a correction changes, validated as in a filing; a field left out (or
    ``null``) keeps its value. At least one field must change."""

    facts: Text | None = None
    legal_basis: Text | None = None
    decision_content: Text | None = None
    fine_yuan: Yuan | None = None
    confiscation_yuan: Yuan | None = None
    severity: Severity | None = None
    category: Category | None = None
    domain: Domain | None = None
    matter: ShortText | None = None
    decision_date: date | None = None
    deciding_authority: Authority | None = None

    @model_validator(mode="after")
    def _names_a_change(self) -> RecordChanges:
        if not any(getattr(self, name) is not None for name in type(self).model_fields):
            raise ValueError("must name at least one changed field")
        return self

    def content_changes(self) -> ContentChanges:
        named = self.model_dump(exclude_none=True)
        if self.deciding_authority is not None:
            named["deciding_authority"] = self.deciding_authority.organisation()
        return ContentChanges(**named)


class RecordStep(Command):
    record_id: UUID


class SubmitExplanation(RecordStep):
    text: Text


class SubmitRectificationPlan(RecordStep):
    plan: Text


class ReportRectificationCompletion(RecordStep):
    report: Text


class VerifyRectification(RecordStep):
    pass


class RejectRectification(RecordStep):
    reasons: Text


class ExtendRectification(RecordStep):
    new_due: date
    reasons: Text


class FileObjection(RecordStep):
    grounds: Text


class ObjectionStep(RecordStep):
    number: int = Field(ge=1, le=10_000)


class MarkObjection(ObjectionStep):
    pass


class AcceptObjection(ObjectionStep):
    pass


class RejectObjection(ObjectionStep):
    reasons: Text


class ForwardObjection(ObjectionStep):
    to: Authority


class ExtendObjection(ObjectionStep):
    working_days: int = Field(ge=1)
    """Capped by the record's rule set (``objection_extension_cap_working_days``)."""
    reasons: Text


class DecideObjection(ObjectionStep):
    outcome: ObjectionOutcome
    reasons: Text
    changes: RecordChanges | None = None
    """Required when the outcome is ``corrected`` or ``supplemented``."""


class RequestReview(ObjectionStep):
    grounds: Text


class DecideReview(ObjectionStep):
    upheld: bool
    reasons: Text
    outcome: ObjectionOutcome | None = None
    """In the subject's favour (not upheld): corrected, supplemented, deleted or
    publicity_stopped."""
    changes: RecordChanges | None = None


class MarkReconsideration(RecordStep):
    kind: ReconsiderationKind
    case_number: ShortText


class ConcludeReconsideration(RecordStep):
    outcome: ReconsiderationOutcome


class WithdrawRecord(RecordStep):
    reasons: Text


class CorrectRecord(RecordStep):
    changes: RecordChanges
    reasons: Text


class ApplyForRepair(RecordStep):
    commitment: Text


class RepairStep(RecordStep):
    number: int = Field(ge=1, le=10_000)


class ForwardRepair(RepairStep):
    to: Authority


class ExtendRepair(RepairStep):
    reasons: Text


class DecideRepair(RepairStep):
    approved: bool
    reasons: Text


class RevokeRepair(RepairStep):
    """Revoke an approved repair obtained with false material (by the authority that approved
    it)."""

    reasons: Text
    finding: ShortText
    """The document that found the material false (its number, or where it is filed)."""


class PropagateRepair(RepairStep):
    platforms: tuple[ShortText, ...] = Field(min_length=1, max_length=50)


class RecordPerformance(RecordStep):
    """Record that a dishonest judgment debtor performed."""

    performed_on: date | None = None
    """The day of performance; today when not given."""


class ExtendListing(RecordStep):
    """Extend a dishonest judgment debtor's listing."""

    years: int = Field(ge=1, le=10)
    """Capped by the record's rule set (``listing_extension_max_years``)."""
    reasons: Text


class ImposeSanction(RecordStep):
    order: BoundedSanction


class RecordMitigation(RecordStep):
    kind: MitigationKind
    legal_basis: Text


class PublishCalendarYear(Command):
    year: PublishedYear


class PublishRuleSet(Command):
    rule_set: RuleSet


class PublishFormula(Command):
    formula: Formula
