"""The commitment register and the lead register, on the in-memory and PostgreSQL ledgers:
a department registers what a body promised and records how it ended; leads from the 12345
hotline, deputies, the media … go to the department responsible and end one of four ways."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.commitment_events import CommitmentState
from ledger.errors import (
    DuplicateFilingError,
    LifecycleError,
    PermissionDeniedError,
    ValidationError,
)
from ledger.events import SYSTEM
from ledger.lead_events import LeadOutcome
from ledger.values import Category, DeadlineKind, Domain
from tests.support.registers import OTHER_CODE, OTHER_DEPT, commitment, lead, short_filing
from tests.support.world import BODY_CODE, DEPT, REVIEWER, SOURCE_CODE, FakeClock


def test_a_department_registers_a_payment_commitment_and_its_due_date_becomes_a_deadline(
    world: Ledger,
) -> None:
    made = world.make_commitment(commitment(), DEPT)
    promise = world.commitment(made.id)

    assert made.created and promise.state is CommitmentState.OPEN
    assert promise.maker.name == "福州市鼓楼区自然资源局" and promise.region_code == "350102"
    due = promise.deadlines["due"]
    assert (due.kind, due.due, due.party) == (DeadlineKind.COMMITMENT_DUE, date(2026, 6, 30),
                                             BODY_CODE)
    # registering the same number again changes nothing; with other details it is refused
    assert world.make_commitment(commitment(), DEPT).created is False
    with pytest.raises(DuplicateFilingError):
        world.make_commitment(commitment(content="另一项承诺"), DEPT)


def test_a_commitment_needs_a_due_date_or_a_recurring_condition_and_its_own_department(
    world: Ledger,
) -> None:
    with pytest.raises(ValidationError, match="either"):
        world.make_commitment(commitment(due=None), DEPT)
    recurring = world.make_commitment(
        commitment("闽承诺〔2026〕2号", due=None, recurring="每季度末兑现奖励资金"), DEPT)
    assert world.commitment(recurring.id).deadlines == {}
    with pytest.raises(PermissionDeniedError):
        world.make_commitment(commitment("闽承诺〔2026〕3号"), OTHER_DEPT)


def test_a_kept_commitment_is_fulfilled_with_evidence_and_a_late_one_is_overdue_first(
    world: Ledger, clock: FakeClock,
) -> None:
    kept = world.make_commitment(commitment(), DEPT).id
    world.fulfil_commitment(rc.FulfilCommitment(commitment_id=kept, evidence="付款凭证"), DEPT)
    assert world.commitment(kept).state is CommitmentState.FULFILLED
    assert world.commitment(kept).deadlines == {}
    with pytest.raises(LifecycleError):
        world.release_commitment(rc.ReleaseCommitment(commitment_id=kept, reasons="x"), DEPT)

    late = world.make_commitment(commitment("闽承诺〔2026〕9号"), DEPT).id
    clock.set_date(date(2026, 7, 1))
    world.holder_step(late, lambda h, s: h.miss(SYSTEM, clock(), "due"))
    assert world.commitment(late).state is CommitmentState.OVERDUE
    # the system's step taken again records nothing
    assert world.holder_step(late, lambda h, s: h.miss(SYSTEM, clock(), "due")) is None
    world.release_commitment(rc.ReleaseCommitment(
        commitment_id=late, reasons="项目经批准终止，双方解除合同"), DEPT)
    assert world.commitment(late).state is CommitmentState.RELEASED


def test_a_breach_found_by_the_department_files_a_linked_breach_of_commitment_record(
    world: Ledger,
) -> None:
    cid = world.make_commitment(commitment(), DEPT).id
    with pytest.raises(PermissionDeniedError):
        world.find_breach(rc.FindBreach(commitment_id=cid, finding="逾期未付",
                                        filing=short_filing()), OTHER_DEPT)

    rid = world.find_breach(rc.FindBreach(
        commitment_id=cid, finding="逾期三个月仍未支付货款。", filing=short_filing()), DEPT)

    promise, record = world.commitment(cid), world.record(rid)
    assert promise.state is CommitmentState.BREACHED and promise.record_id == rid
    assert record.content.category is Category.BREACH_OF_COMMITMENT
    assert record.content.domain is Domain.GOVERNMENT_PROCUREMENT
    assert record.content.subject_code == BODY_CODE
    assert "逾期三个月" in record.content.facts and record.published
    with pytest.raises(LifecycleError):
        world.find_breach(rc.FindBreach(commitment_id=cid, finding="again",
                                        filing=short_filing(2)), DEPT)


def test_a_12345_lead_goes_to_its_department_with_a_verification_deadline_and_ends_in_a_record(
    world: Ledger,
) -> None:
    received = world.receive_lead(lead(), REVIEWER)
    found = world.lead(received.id)
    deadline = found.deadlines["verification"]
    calendar = world.settings().calendar()
    rules = world.settings().rule_book().get(deadline.rule_set_id)
    assert deadline.due == calendar.add_working_days(date(2026, 5, 6),
                                                     rules.lead_verification_working_days)
    assert deadline.party == SOURCE_CODE and found.region_code == "350102"
    # importing the same number again changes nothing
    assert world.receive_lead(lead(summary="重复导入"), REVIEWER).created is False
    assert world.lead(received.id).summary == found.summary

    with pytest.raises(PermissionDeniedError):
        world.file_record_on_lead(rc.FileRecordOnLead(
            lead_id=received.id, filing=short_filing(category="administrative_penalty")),
            OTHER_DEPT)
    rid = world.file_record_on_lead(rc.FileRecordOnLead(
        lead_id=received.id, filing=short_filing(category="administrative_penalty")), DEPT)

    ended = world.lead(received.id)
    assert ended.outcome is LeadOutcome.RECORD_FILED and ended.record_id == rid
    assert ended.deadlines == {}
    assert world.record(rid).content.facts == found.summary


def test_a_lead_handed_over_starts_the_other_departments_period_then_proves_unfounded(
    world: Ledger, clock: FakeClock,
) -> None:
    lid = world.receive_lead(lead(origin="npc_suggestion", reference="建议第0123号"), DEPT).id
    with pytest.raises(PermissionDeniedError):
        world.receive_lead(lead(reference="x-1", department={"name": "省财政厅",
                                                               "code": OTHER_CODE}), DEPT)
    clock.set_date(date(2026, 5, 11))
    world.hand_over_lead(rc.HandOverLead(
        lead_id=lid, to={"name": "福建省财政厅", "code": OTHER_CODE}, reasons="属财政事项"), DEPT)

    moved = world.lead(lid)
    assert moved.outcome is None and moved.department.code == OTHER_CODE
    assert moved.deadlines["verification"].starts_on == date(2026, 5, 11)
    with pytest.raises(PermissionDeniedError):
        world.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=lid, reasons="x"), DEPT)
    world.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=lid, reasons="经核实款项已付清"),
                              OTHER_DEPT)
    assert world.lead(lid).outcome is LeadOutcome.UNFOUNDED


def test_a_lead_that_shows_a_commitment_broken_ends_the_lead_breaches_it_and_files_one_record(
    world: Ledger,
) -> None:
    cid = world.make_commitment(commitment(), DEPT).id
    lid = world.receive_lead(lead(origin="media_report", reference="东南网2026-05-06"),
                             REVIEWER).id
    rid = world.find_breach_on_lead(rc.FindBreachOnLead(
        lead_id=lid, commitment_id=cid, finding="媒体报道属实，承诺未兑现。",
        filing=short_filing(3)), DEPT)

    assert world.lead(lid).outcome is LeadOutcome.COMMITMENT_BREACH
    assert world.lead(lid).commitment_id == cid
    assert world.commitment(cid).record_id == rid
    assert world.record(rid).content.category is Category.BREACH_OF_COMMITMENT


def test_a_filing_on_a_lead_with_a_document_number_already_used_is_refused_and_the_lead_stays(
    world: Ledger,
) -> None:
    lid = world.receive_lead(lead(), REVIEWER).id
    other = world.receive_lead(lead("12345-20260506-0002"), REVIEWER).id
    world.file_record_on_lead(rc.FileRecordOnLead(lead_id=lid, filing=short_filing()), DEPT)
    with pytest.raises(DuplicateFilingError):
        world.file_record_on_lead(rc.FileRecordOnLead(lead_id=other, filing=short_filing()),
                                  DEPT)
    assert world.lead(other).outcome is None
