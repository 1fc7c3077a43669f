"""What the rules say happens, happens: a correction changes the record, and a record that
ends (withdrawn, deleted, revoked, repaired, expired) ends its deadlines and sanctions too.

Runs on the in-memory and the PostgreSQL ledgers.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pydantic
import pytest

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger, filing_digest
from ledger.errors import LifecycleError, ValidationError
from ledger.events import SYSTEM
from ledger.values import RecordStatus
from tests.support.world import DEPT, REVIEWER, SOURCE, FakeClock, filing, official

SANCTION = [{"kind": "public_criticism", "months": 12}]


def file(ledger: Ledger, **fields: object) -> UUID:
    cmd = filing(1, **{"rectification": {"requirement": "限期整改"}, "sanctions": SANCTION,
                       **fields})
    return ledger.file_record(cmd, DEPT).record_id


def repair_forwarded(ledger: Ledger, clock: FakeClock, commitment: str) -> tuple[UUID, int]:
    """A record with nothing to rectify, past its shortest publicity; its official applies
    for credit repair and the reviewer forwards the application to the source."""
    rid = file(ledger, rectification=None)
    clock.set_date(ledger.record(rid).publicity_min_end + timedelta(days=1))
    number = ledger.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment=commitment),
                                     official())
    ledger.forward_repair(c.ForwardRepair(record_id=rid, number=number, to=SOURCE), REVIEWER)
    return rid, number


def open_keys(ledger: Ledger, rid: UUID) -> set[str]:
    return set(ledger.record(rid).deadlines)


def sanctions_in_force(ledger: Ledger, rid: UUID) -> list[int]:
    return [s.number for s in ledger.record(rid).sanctions.values() if not s.lifted]


def test_a_correction_of_severity_and_fine_changes_the_record_and_recounts_its_window(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world)
    filed = world.record(rid)
    assert filed.publicity_max_end == date(2027, 4, 20)  # general: at most a year
    clock.advance(days=2)
    world.correct_record(c.CorrectRecord(record_id=rid, reasons="复议后变更", changes={
        "severity": "serious", "fine_yuan": "80000", "facts": "拖欠货款且拒不整改。"}), DEPT)

    corrected = world.record(rid)
    assert (corrected.content.severity, corrected.content.fine_yuan, corrected.content.facts) == (
        "serious", 80000, "拖欠货款且拒不整改。")
    # serious, under the record's own rule set (NDRC Order 36): one to three years
    assert (corrected.publicity_min_end, corrected.publicity_max_end) == (
        date(2027, 4, 20), date(2029, 4, 20))
    # the auditor reads the record before and after
    before = world.record_as_of(rid, filed.modified_on)  # type: ignore[arg-type]
    assert before.content.severity == "general" and before.content.fine_yuan == 50000


def test_a_correction_naming_an_unknown_field_or_a_bad_value_is_refused_naming_it() -> None:
    with pytest.raises(pydantic.ValidationError) as unknown:
        c.CorrectRecord.model_validate({"record_id": str(UUID(int=1)), "reasons": "r",
                                        "changes": {"colour": "red"}})
    assert unknown.value.errors()[0]["loc"] == ("changes", "colour")
    with pytest.raises(pydantic.ValidationError) as negative:
        c.CorrectRecord.model_validate({"record_id": str(UUID(int=1)), "reasons": "r",
                                        "changes": {"fine_yuan": "-5"}})
    assert negative.value.errors()[0]["loc"] == ("changes", "fine_yuan")
    with pytest.raises(pydantic.ValidationError) as empty:
        c.CorrectRecord.model_validate({"record_id": str(UUID(int=1)), "reasons": "r",
                                        "changes": {}})
    assert empty.value.errors()[0]["loc"] == ("changes",)


def test_an_objection_decided_corrected_changes_the_facts_and_a_minor_severity_unpublishes(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world)
    assert world.record(rid).published
    number = forwarded_objection(world, rid)
    world.decide_objection(c.DecideObjection(
        record_id=rid, number=number, outcome="corrected", reasons="部分事实有误",
        changes={"severity": "minor", "facts": "逾期支付货款，已补付。"}), DEPT)
    record = world.record(rid)
    assert record.content.facts == "逾期支付货款，已补付。"
    assert not record.published  # minor: not published under NDRC Order 36


def test_withdrawal_lifts_every_sanction_in_force(world: Ledger) -> None:
    rid = file(world)
    assert sanctions_in_force(world, rid) == [1]
    world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="决定被撤销"), DEPT)
    assert open_keys(world, rid) == set() and sanctions_in_force(world, rid) == []
    lifted = [e for e in world.timeline(rid) if isinstance(e, ev.SanctionLifted)]
    assert [e.reason for e in lifted] == ["withdrawn"]


def test_a_revoked_decision_closes_every_deadline_and_lifts_sanctions_but_the_revocation(
    world: Ledger,
) -> None:
    rid = file(world)
    world.mark_reconsideration(c.MarkReconsideration(
        record_id=rid, kind="reconsideration", case_number="闽复〔2026〕1号"), DEPT)
    world.conclude_reconsideration(c.ConcludeReconsideration(record_id=rid, outcome="revoked"),
                                   DEPT)
    assert open_keys(world, rid) == {"revocation"}
    assert sanctions_in_force(world, rid) == []
    closed = next(e for e in world.timeline(rid) if isinstance(e, ev.DeadlinesClosed))
    assert (set(closed.closes), closed.reason) == ({"explanation", "rectification"}, "revoked")

    # a correction cannot meet the deadline a revoked decision set; a withdrawal can
    world.correct_record(c.CorrectRecord(record_id=rid, changes={"facts": "更正"},
                                         reasons="更正"), DEPT)
    assert "revocation" in open_keys(world, rid)
    world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="决定已撤销"), DEPT)
    assert open_keys(world, rid) == set()


def test_an_approved_repair_closes_the_other_deadlines_and_lifts_sanctions(
    world: Ledger, clock: FakeClock,
) -> None:
    rid, number = repair_forwarded(world, clock, "信用承诺")
    world.decide_repair(c.DecideRepair(record_id=rid, number=number, approved=True,
                                       reasons="已整改"), DEPT)
    assert open_keys(world, rid) == {f"repair-{number}-propagation"}
    assert sanctions_in_force(world, rid) == []


def test_repair_is_refused_while_rectification_is_open(world: Ledger, clock: FakeClock) -> None:
    rid = file(world)
    clock.set_date(world.record(rid).publicity_min_end + timedelta(days=1))
    with pytest.raises(LifecycleError, match="rectification"):
        world.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"), official())


def test_a_sanction_runs_from_the_decision_and_fits_its_subject_and_an_exemption_lifts_it(
    world: Ledger,
) -> None:
    rid = file(world, sanctions=[])
    order = {"kind": "public_criticism", "months": 6}
    world.impose_sanction(c.ImposeSanction(record_id=rid, order=order), DEPT)
    held = world.record(rid).sanctions[1]
    assert (held.starts_on, held.ends_on) == (date(2026, 4, 20), date(2026, 10, 20))
    with pytest.raises(ValidationError) as wrong:  # a body is not promoted
        world.impose_sanction(c.ImposeSanction(record_id=rid, order={
            "kind": "promotion_restriction", "months": 6}), DEPT)
    assert wrong.value.field == "kind"

    world.record_mitigation(c.RecordMitigation(record_id=rid, kind="exempted",
                                               legal_basis="《公职人员政务处分法》第十二条"), DEPT)
    assert sanctions_in_force(world, rid) == []
    with pytest.raises(LifecycleError, match="exempted"):
        world.impose_sanction(c.ImposeSanction(record_id=rid, order=order), DEPT)


def test_the_end_of_publicity_closes_deadlines_and_a_revocation_after_it_can_be_met(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world, sanctions=[{"kind": "public_criticism", "months": 24}])
    world.mark_reconsideration(c.MarkReconsideration(
        record_id=rid, kind="litigation", case_number="(2026)闽01行初1号"), DEPT)
    clock.set_date(world.record(rid).publicity_max_end + timedelta(days=1))
    world.system_step(rid, lambda r, s: r.expire_publicity(SYSTEM, clock()))
    assert world.record(rid).status is RecordStatus.EXPIRED
    assert open_keys(world, rid) == set() and sanctions_in_force(world, rid) == []

    # the court revokes the decision after the record expired: it can still be withdrawn
    world.conclude_reconsideration(c.ConcludeReconsideration(record_id=rid, outcome="revoked"),
                                   DEPT)
    assert open_keys(world, rid) == {"revocation"}
    world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="判决撤销"), DEPT)
    assert world.record(rid).status is RecordStatus.WITHDRAWN and open_keys(world, rid) == set()
    with pytest.raises(LifecycleError):
        world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="再次"), DEPT)


def object_to(world: Ledger, rid: UUID) -> int:
    return world.file_objection(c.FileObjection(record_id=rid, grounds="事实有误"), official())


def forwarded_objection(world: Ledger, rid: UUID) -> int:
    """An objection marked, accepted and forwarded to the department that filed the record."""
    number = object_to(world, rid)
    world.mark_objection(c.MarkObjection(record_id=rid, number=number), REVIEWER)
    world.accept_objection(c.AcceptObjection(record_id=rid, number=number), REVIEWER)
    world.forward_objection(c.ForwardObjection(record_id=rid, number=number, to=SOURCE),
                            REVIEWER)
    return number


def test_a_review_of_a_rejected_objection_found_for_the_subject_deletes_the_record(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world)
    number = object_to(world, rid)
    world.mark_objection(c.MarkObjection(record_id=rid, number=number), REVIEWER)
    world.reject_objection(c.RejectObjection(record_id=rid, number=number, reasons="理由不足"),
                           REVIEWER)
    clock.advance(days=3)
    world.request_review(c.RequestReview(record_id=rid, number=number, grounds="复核"),
                         official())
    world.decide_review(c.DecideReview(record_id=rid, number=number, upheld=False,
                                       outcome="deleted", reasons="复核认定不应列入"), REVIEWER)
    record = world.record(rid)
    assert record.status is RecordStatus.DELETED and not record.published
    assert open_keys(world, rid) == set() and sanctions_in_force(world, rid) == []


def test_an_objection_marks_the_record_at_once_and_the_whole_case_has_its_own_deadline(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world)
    clock.set_date(date(2026, 5, 6))  # a Wednesday
    number = object_to(world, rid)
    record = world.record(rid)
    assert record.under_objection  # the public sees the mark before any reviewer acts
    calendar = world.settings().calendar()
    assert record.deadlines[f"objection-{number}-case"].due == calendar.add_working_days(
        date(2026, 5, 6), 7)

    # the reviewer marks it two days later: acceptance still counts from receipt
    clock.set_date(date(2026, 5, 8))
    world.mark_objection(c.MarkObjection(record_id=rid, number=number), REVIEWER)
    assert world.record(rid).deadlines[f"objection-{number}-acceptance"].due == (
        calendar.add_working_days(date(2026, 5, 6), 2))

    world.reject_objection(c.RejectObjection(record_id=rid, number=number, reasons="驳回"),
                           REVIEWER)
    assert not any(key.startswith("objection-") for key in open_keys(world, rid))


def test_an_extension_is_refused_once_the_deadline_has_passed(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = file(world)
    number = forwarded_objection(world, rid)
    due = world.record(rid).deadlines[f"objection-{number}-decision"].due
    assert due is not None
    clock.set_date(due + timedelta(days=1))
    with pytest.raises(LifecycleError, match="passed"):
        world.extend_objection(c.ExtendObjection(record_id=rid, number=number, working_days=3,
                                                 reasons="复杂"), REVIEWER)


def test_a_repair_extension_moves_the_decision_deadline_as_well_as_the_answer(
    world: Ledger, clock: FakeClock,
) -> None:
    rid, number = repair_forwarded(world, clock, "承诺")
    before = world.record(rid).deadlines
    world.extend_repair(c.ExtendRepair(record_id=rid, number=number, reasons="需核实"),
                        REVIEWER)
    after, calendar = world.record(rid).deadlines, world.settings().calendar()
    for key in (f"repair-{number}-answer", f"repair-{number}-decision"):
        old, new = before[key].due, after[key].due
        assert old is not None and new == calendar.add_working_days(old, 5), key


def test_a_migrated_record_keeps_its_original_filing_day_rule_set_and_past_deadlines(
    world: Ledger, clock: FakeClock,
) -> None:
    clock.set_date(date(2026, 8, 3))
    rid = world.file_record(filing(1, decision_date=date(2026, 3, 2), filed_on=date(2026, 3, 10),
                                   rectification={"requirement": "整改"}), DEPT).record_id
    record = world.record(rid)
    assert (record.filed_on, record.rule_set_id) == (date(2026, 3, 10), "ndrc-order-58")
    # its explanation and rectification periods ended before it came here: facts, not open
    assert open_keys(world, rid) == set()
    requested = next(e for e in world.timeline(rid) if isinstance(e, ev.ExplanationRequested))
    assert requested.starts is not None and requested.starts.historical

    for filed_on in (date(2026, 8, 4), date(2026, 3, 1)):  # in the future; before the decision
        with pytest.raises(ValidationError) as refused:
            world.file_record(filing(2, decision_date=date(2026, 3, 2), filed_on=filed_on), DEPT)
        assert refused.value.field == "filed_on"


def test_a_filing_made_before_the_new_fields_existed_keeps_its_digest_so_a_resend_is_recognised(
) -> None:
    # digests computed by the release before migrated records and several matters existed
    assert filing_digest(filing(1, sanctions=[{"kind": "public_criticism", "months": 6}])) == (
        "0570622a842cc1b1480807efe3a182a8c423182b2874aeb95eada0c38d7c7cd1")
    assert filing_digest(filing(2)) == (
        "9f30849663e7d43d185934a4fc35955570ce61752d194e7e45a516379d494e67")


def test_a_decision_with_several_penalty_matters_takes_the_longest_window(
    world: Ledger, clock: FakeClock,
) -> None:
    clock.set_date(date(2026, 3, 20))  # NDRC Order 58: work safety keeps a year's minimum
    rid = world.file_record(filing(1, decision_date=date(2026, 3, 2), matter="ordinary",
                                   more_matters=("work_safety",)), DEPT).record_id
    record = world.record(rid)
    assert record.rule_set_id == "ndrc-order-58"
    assert record.publicity_min_end == date(2027, 3, 2)
