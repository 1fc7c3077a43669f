"""Events of a lead (线索): received and sent to a department, then ended one of four ways.

Stored topics are ``ledger.lead_events:<Name>``; decided once, never renamed. The verification
deadline's reminders, overdue, urging and escalation are ``ledger.held_deadlines`` events.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.held_deadlines import HeldDeadlineEvent
from ledger.values import Organisation

if TYPE_CHECKING:
    from ledger.lead import Lead

VERIFICATION = "verification"
"""The key of a lead's deadline (workflow ``lead-<id>-verification``)."""


class LeadOrigin(StrEnum):
    HOTLINE_12345 = "hotline_12345"  # 12345 政务服务便民热线
    NPC_SUGGESTION = "npc_suggestion"  # 人大代表建议
    CPPCC_PROPOSAL = "cppcc_proposal"  # 政协委员提案
    MEDIA_REPORT = "media_report"  # 媒体报道
    INSPECTION_FINDING = "inspection_finding"  # 督查巡查发现
    THIRD_PARTY_EVALUATION = "third_party_evaluation"  # 第三方评估
    OTHER = "other"


class LeadOutcome(StrEnum):
    UNFOUNDED = "unfounded"
    RECORD_FILED = "record_filed"
    COMMITMENT_BREACH = "commitment_breach"
    HANDED_OVER = "handed_over"


class LeadReceived(HeldDeadlineEvent):
    """Taken in and sent to ``department``; ``starts`` is the verification deadline."""

    origin: LeadOrigin
    reference: str
    received_on: date
    summary: str
    body: Organisation
    region_code: str
    department: Organisation

    def apply(self, lead: Lead) -> None:
        self.set_own_fields(lead)
        lead.assigned_on = self.received_on
        lead.outcome = lead.reasons = lead.record_id = lead.commitment_id = None
        lead.handovers = 0
        lead.deadlines = {}
        super().apply(lead)


class LeadFoundUnfounded(HeldDeadlineEvent):
    reasons: str
    answered_on: date

    def apply(self, lead: Lead) -> None:
        super().apply(lead)
        lead.outcome, lead.reasons = LeadOutcome.UNFOUNDED, self.reasons


class LeadRecordFiled(HeldDeadlineEvent):
    """The department filed record ``record_id`` on the lead, in the same transaction."""

    record_id: UUID
    answered_on: date

    def apply(self, lead: Lead) -> None:
        super().apply(lead)
        lead.outcome, lead.record_id = LeadOutcome.RECORD_FILED, self.record_id


class LeadCommitmentBreached(HeldDeadlineEvent):
    """The lead showed commitment ``commitment_id`` breached; record ``record_id`` was filed."""

    commitment_id: UUID
    record_id: UUID
    answered_on: date

    def apply(self, lead: Lead) -> None:
        super().apply(lead)
        lead.outcome, lead.record_id = LeadOutcome.COMMITMENT_BREACH, self.record_id
        lead.commitment_id = self.commitment_id


class LeadHandedOver(HeldDeadlineEvent):
    """Handed to the department responsible; its own verification period starts (``starts``)."""

    to: Organisation
    reasons: str
    answered_on: date

    def apply(self, lead: Lead) -> None:
        super().apply(lead)
        lead.department, lead.assigned_on = self.to, self.answered_on
        lead.handovers += 1
        lead.reasons = self.reasons
