"""Scenarios of a record's life, run on the in-memory store and on real PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import (
    DuplicateFilingError,
    LifecycleError,
    PermissionDeniedError,
    SubjectNotFoundError,
)
from ledger.record_events import ExplanationRequested, Published, RecordFiled
from ledger.values import RecordStatus
from tests.support.world import DEPT, REVIEWER, SOURCE_CODE, FakeClock, filing, official


def test_a_filed_public_record_of_a_body_is_published_and_asks_for_an_explanation(
    world: Ledger,
) -> None:
    result = world.file_record(filing(), DEPT)

    events = world.timeline(result.record_id)
    assert [type(e) for e in events] == [RecordFiled, Published, ExplanationRequested]
    record = world.record(result.record_id)
    deadline = record.deadlines["explanation"]
    # filed Wed 2026-05-06; Saturday 2026-05-09 is a make-up working day after Labour Day
    assert deadline.due == date(2026, 5, 26)
    assert deadline.rule_set_id == "ndrc-order-36"
    assert deadline.calendar_version.startswith("chinesecalendar-")
    assert all(e.actor == DEPT for e in events)


def test_a_resent_filing_returns_the_existing_record_and_adds_nothing(world: Ledger) -> None:
    first = world.file_record(filing(), DEPT)
    before = len(world.timeline(first.record_id))

    again = world.file_record(filing(), DEPT)

    assert again.record_id == first.record_id and again.created is False
    assert len(world.timeline(first.record_id)) == before


def test_a_resent_filing_with_different_content_is_refused(world: Ledger) -> None:
    world.file_record(filing(), DEPT)
    with pytest.raises(DuplicateFilingError) as caught:
        world.file_record(filing(facts="另一事实"), DEPT)
    assert caught.value.field == "document_number"


def test_a_record_filed_before_april_2026_keeps_order_58(world: Ledger, clock: FakeClock) -> (
    None
):
    clock.set_date(date(2026, 3, 30))
    rid = world.file_record(filing(decision_date=date(2026, 3, 2)), DEPT).record_id
    clock.set_date(date(2026, 6, 1))
    assert world.record(rid).rule_set_id == "ndrc-order-58"
    assert world.record(rid).publicity_max_end == date(2029, 3, 2)


def test_filing_against_an_unregistered_body_names_the_field(world: Ledger) -> None:
    with pytest.raises(SubjectNotFoundError) as caught:
        world.file_record(filing(subject_code="91110000600037341L"), DEPT)
    assert caught.value.field == "subject_code"


def test_the_objection_path_marks_the_record_and_the_decision_removes_the_mark(
    world: Ledger,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    n = world.file_objection(c.FileObjection(record_id=rid, grounds="罚款金额有误"), official())
    world.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
    assert world.record(rid).under_objection
    world.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)
    world.forward_objection(c.ForwardObjection(
        record_id=rid, number=n, to={"name": "福建省纪委监委", "code": SOURCE_CODE}), REVIEWER)
    world.decide_objection(c.DecideObjection(
        record_id=rid, number=n, outcome="corrected", reasons="金额更正",
        changes={"fine_yuan": "40000.00"}), DEPT)

    record = world.record(rid)
    assert not record.under_objection
    assert record.corrections == 1
    assert not any(key.startswith("objection-") for key in record.deadlines)


def test_a_decision_on_an_objection_that_was_never_forwarded_is_refused(world: Ledger) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    n = world.file_objection(c.FileObjection(record_id=rid, grounds="事实不清"), official())
    world.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
    with pytest.raises(LifecycleError, match="never forwarded"):
        world.decide_objection(c.DecideObjection(
            record_id=rid, number=n, outcome="upheld", reasons="维持"), DEPT)


def test_an_objection_on_a_withdrawn_record_is_refused(world: Ledger) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="原处罚决定被撤销"), DEPT)
    with pytest.raises(LifecycleError, match="withdrawn"):
        world.file_objection(c.FileObjection(record_id=rid, grounds="异议"), official())


def test_an_official_cannot_object_to_another_subjects_record(world: Ledger) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    stranger = official("91110000600037341L")
    with pytest.raises(PermissionDeniedError):
        world.file_objection(c.FileObjection(record_id=rid, grounds="异议"), stranger)


def test_rectification_may_be_extended_once_only(world: Ledger) -> None:
    rid = world.file_record(filing(rectification={"requirement": "整改"}), DEPT).record_id
    due = world.record(rid).deadlines["rectification"].due
    world.extend_rectification(c.ExtendRectification(
        record_id=rid, new_due=date(2026, 7, 31), reasons="疫情"), DEPT)
    assert world.record(rid).deadlines["rectification"].due == date(2026, 7, 31) != due
    with pytest.raises(LifecycleError, match="second extension"):
        world.extend_rectification(c.ExtendRectification(
            record_id=rid, new_due=date(2026, 8, 31), reasons="再次"), DEPT)


def test_repair_before_the_minimum_publicity_period_ends_is_refused_then_allowed(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    record = world.record(rid)
    assert record.publicity_min_end == date(2026, 7, 20)
    with pytest.raises(LifecycleError, match="minimum publicity"):
        world.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"), official())

    clock.set_date(date(2026, 7, 21))
    n = world.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"), official())
    world.forward_repair(c.ForwardRepair(
        record_id=rid, number=n, to={"name": "福建省纪委监委", "code": SOURCE_CODE}), REVIEWER)
    world.decide_repair(c.DecideRepair(record_id=rid, number=n, approved=True, reasons="已纠正"),
                        DEPT)
    record = world.record(rid)
    assert record.status is RecordStatus.REPAIRED and not record.published
    assert "repair-1-propagation" in record.deadlines


def test_an_auditor_reads_a_record_as_it_stood_before_the_objection(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    before = clock()
    clock.advance(days=1)
    n = world.file_objection(c.FileObjection(record_id=rid, grounds="异议"), official())
    world.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)

    assert world.record(rid).under_objection
    assert not world.record_as_of(rid, before).under_objection
    assert world.record(rid, version=3).version == 3
    assert len(world.records_of_subject(world.record(rid).content.subject_id, before)) == 1


def test_a_correction_after_a_revoked_decision_closes_the_revocation_deadline(
    world: Ledger,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    world.mark_reconsideration(c.MarkReconsideration(
        record_id=rid, kind="reconsideration", case_number="闽复〔2026〕3号"), DEPT)
    world.conclude_reconsideration(c.ConcludeReconsideration(record_id=rid, outcome="changed"),
                                   DEPT)
    assert "revocation" in world.record(rid).deadlines

    world.correct_record(c.CorrectRecord(record_id=rid, changes={"fine_yuan": "30000.00"},
                                         reasons="复议变更罚款金额"), DEPT)

    record = world.record(rid)
    assert "revocation" not in record.deadlines and record.corrections == 1


def test_a_resend_with_the_amount_written_differently_is_the_same_filing(world: Ledger) -> None:
    first = world.file_record(filing(fine_yuan="50000"), DEPT)
    again = world.file_record(filing(fine_yuan="50000.00"), DEPT)
    assert again.record_id == first.record_id and not again.created
