"""Events of a commitment (承诺) in the register: made, then fulfilled, breached or released.

Stored topics are ``ledger.commitment_events:<Name>``; decided once, never renamed. The due
date's reminders, overdue, urging and escalation are ``ledger.held_deadlines`` events.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.held_deadlines import HeldDeadlineEvent
from ledger.values import Organisation

if TYPE_CHECKING:
    from ledger.commitment import Commitment

DUE = "due"
"""The key of a commitment's one deadline (workflow ``commitment-<id>-due``)."""


class CommitmentKind(StrEnum):
    SERVICE = "service"  # 服务承诺
    TIME_LIMIT = "time_limit"  # 时限承诺
    INVESTMENT_PROMOTION = "investment_promotion"  # 招商引资政策承诺
    PAYMENT = "payment"  # PPP 或政府采购付款
    TOWNSHIP_PUBLIC = "township_public"  # 乡镇（街道）公开承诺
    OTHER = "other"


class CommitmentState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    FULFILLED = "fulfilled"
    BREACHED = "breached"
    RELEASED = "released"


class CommitmentMade(HeldDeadlineEvent):
    """Registered by the department responsible for it; ``starts`` is the due date."""

    reference: str
    maker: Organisation
    region_code: str
    department: Organisation
    kind: CommitmentKind
    content: str
    source_document: str
    made_to: str
    made_on: date
    due: date | None
    recurring: str | None
    public: bool
    digest: str

    def apply(self, c: Commitment) -> None:
        self.set_own_fields(c)
        c.state = CommitmentState.OPEN
        c.deadlines = {}
        c.evidence = c.reasons = c.finding = None
        c.record_id = None
        c.closed_on = None
        c.proposal = None
        super().apply(c)


class CommitmentFulfilled(HeldDeadlineEvent):
    evidence: str
    fulfilled_on: date

    def apply(self, c: Commitment) -> None:
        super().apply(c)
        c.state, c.evidence = CommitmentState.FULFILLED, self.evidence
        c.closed_on = self.fulfilled_on


class CommitmentReleased(HeldDeadlineEvent):
    """Released from the commitment (law or policy changed, the other party withdrew …)."""

    reasons: str
    released_on: date

    def apply(self, c: Commitment) -> None:
        super().apply(c)
        c.state, c.reasons, c.closed_on = CommitmentState.RELEASED, self.reasons, self.released_on


class CommitmentBreached(HeldDeadlineEvent):
    """The responsible department found a breach and filed the ``breach_of_commitment``
    record ``record_id`` in the same transaction."""

    finding: str
    record_id: UUID
    found_on: date
    lead_id: UUID | None = None

    def apply(self, c: Commitment) -> None:
        super().apply(c)
        c.state, c.finding, c.record_id = CommitmentState.BREACHED, self.finding, self.record_id
        c.closed_on = self.found_on


class BreachProposed(HeldDeadlineEvent):
    """The responsible department found a breach and proposes the ``breach_of_commitment``
    record (``filing``, a ``ShortFiling``) for a platform reviewer to confirm; nothing is filed
    yet and the commitment stays as it was."""

    finding: str
    filing: dict[str, Any]
    proposed_on: date

    def apply(self, c: Commitment) -> None:
        super().apply(c)
        c.proposal = {"finding": self.finding, "filing": self.filing, "by": self.actor,
                      "on": self.proposed_on}


class BreachProposalDeclined(HeldDeadlineEvent):
    """A reviewer declined the proposed breach, with reasons; the commitment goes on."""

    reasons: str
    declined_on: date

    def apply(self, c: Commitment) -> None:
        super().apply(c)
        c.proposal = None
