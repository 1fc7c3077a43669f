"""What the queries over the views return: frozen models the API can serialise as they are."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from projections.evaluation import Evaluation


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordState(Result):
    """A record as it stands now: content keys, status, publicity window, marks, deadlines."""

    record_id: UUID
    subject_type: str
    subject_id: UUID
    subject_code: str
    subject_name: str | None
    region_code: str
    category: str
    domain: str
    severity: str
    scope: str
    source_code: str
    document_number: str
    decision_date: date
    filed_on: date
    rule_set_id: str
    status: str
    published: bool
    publicity_starts: date
    publicity_min_end: date
    publicity_max_end: date
    under_objection: bool
    under_reconsideration: str | None
    explanation: str | None
    """Where the written explanation stands: ``open``, ``done``, or ``None`` if not requested."""
    open_deadlines: list[str]
    open_deadline_count: int
    corrections: int
    version: int
    updated_at: datetime
    position: int


class RecordPage(Result):
    """One page of the record view, with how many records match the filters in all."""

    items: list[RecordState]
    total: int
    page: int
    per_page: int


class OpenDeadline(Result):
    """An open deadline; ``working_days_left`` is negative once it is past due."""

    record_id: UUID
    key: str
    kind: str
    starts_on: date
    due: date | None
    """``None`` while the deadline waits for the calendar years in ``awaiting``."""
    party: str
    rule_set_id: str
    calendar_version: str
    overdue: bool
    urged: bool
    escalated: bool
    subject_type: str
    body_code: str
    region_code: str
    length: int | None = None
    unit: str | None = None
    awaiting: tuple[int, ...] = ()
    note: str | None = None
    """For a deadline waiting for the calendar: its period and what will fix its date."""
    working_days_left: int | None
    """``None`` when the calendar has no data for a year in between (never guessed)."""


class DisclosedRecord(Result):
    """A record as the public pages show it (双公示 fields), with its marks."""

    record_id: UUID
    subject_code: str
    subject_name: str
    region_code: str
    category: str
    domain: str
    severity: str
    document_number: str
    decision_date: date
    deciding_authority: str
    deciding_authority_code: str
    facts: str
    legal_basis: str
    decision_content: str
    fine_yuan: Decimal | None
    confiscation_yuan: Decimal | None
    publicity_starts: date
    publicity_max_end: date
    under_objection: bool
    under_reconsideration: str | None

    @property
    def marks(self) -> list[str]:
        """The marks the page must show next to the record."""
        marks = ["under_objection"] if self.under_objection else []
        if self.under_reconsideration is not None:
            marks.append(f"under_{self.under_reconsideration}")
        return marks


class DisclosurePage(Result):
    items: list[DisclosedRecord]
    total: int
    total_capped: bool = False
    """``total`` reached the most a search counts: there are at least that many matches."""
    page: int
    per_page: int


class SanctionInForce(Result):
    record_id: UUID
    number: int
    kind: str
    starts_on: date
    ends_on: date


class SubjectSummary(Result):
    """A subject's records by state and severity, marks, sanctions in force, deadlines.

    A civil servant is shown by the masked ID only.
    """

    subject_id: UUID
    subject_type: str
    credit_code: str | None
    name: str | None
    region_code: str | None
    parent_code: str | None
    body_code: str | None
    masked_id: str | None
    records: int
    counts: dict[str, dict[str, int]]
    """status → severity → number of records."""
    under_objection: list[UUID]
    under_reconsideration: list[UUID]
    sanctions_in_force: list[SanctionInForce]
    open_deadlines: int
    overdue_deadlines: int
    evaluation: Evaluation | None
    """For a body with records: its score under the evaluation formula in force."""


class Counts(Result):
    records: int = 0
    body_records: int = 0
    in_force: int = 0
    published: int = 0
    under_objection: int = 0
    under_reconsideration: int = 0
    repaired: int = 0
    withdrawn: int = 0
    deleted: int = 0
    expired: int = 0
    open_deadlines: int = 0
    overdue_deadlines: int = 0
    overdue_rectifications: int = 0


class RegionTotals(Result):
    code: str
    name: str
    totals: Counts


class RegionSummary(Result):
    """A region's counts (its own records and all below it), broken down, and its children."""

    code: str
    name: str
    totals: Counts
    by_domain: dict[str, Counts]
    by_severity: dict[str, Counts]
    children: list[RegionTotals]
