"""Random command sequences never bring a record into a state the lifecycle table forbids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import LedgerError
from ledger.record import CreditRecord, earliest_due
from ledger.values import ObjectionOutcome, RecordStatus, StepStatus
from tests.support.world import (
    DEPT,
    REVIEWER,
    SOURCE,
    SYSTEM,
    FakeClock,
    filing,
    memory_world,
    official,
)

Step = Callable[[Ledger, UUID, int], Any]
STEPS: dict[str, Step] = {
    "explain": lambda a, r, n: a.submit_explanation(
        c.SubmitExplanation(record_id=r, text="说明"), official()),
    "plan": lambda a, r, n: a.submit_rectification_plan(
        c.SubmitRectificationPlan(record_id=r, plan="方案"), official()),
    "report": lambda a, r, n: a.report_rectification_completion(
        c.ReportRectificationCompletion(record_id=r, report="完成"), official()),
    "verify": lambda a, r, n: a.verify_rectification(c.VerifyRectification(record_id=r), DEPT),
    "reject_rect": lambda a, r, n: a.reject_rectification(
        c.RejectRectification(record_id=r, reasons="不合格"), DEPT),
    "object": lambda a, r, n: a.file_objection(c.FileObjection(record_id=r, grounds="异议"),
                                               official()),
    "mark": lambda a, r, n: a.mark_objection(c.MarkObjection(record_id=r, number=n), REVIEWER),
    "accept": lambda a, r, n: a.accept_objection(c.AcceptObjection(record_id=r, number=n),
                                                 REVIEWER),
    "reject": lambda a, r, n: a.reject_objection(
        c.RejectObjection(record_id=r, number=n, reasons="理由不足"), REVIEWER),
    "forward": lambda a, r, n: a.forward_objection(
        c.ForwardObjection(record_id=r, number=n, to=SOURCE), REVIEWER),
    "extend": lambda a, r, n: a.extend_objection(
        c.ExtendObjection(record_id=r, number=n, working_days=8, reasons="复杂"), REVIEWER),
    "decide_upheld": lambda a, r, n: a.decide_objection(
        c.DecideObjection(record_id=r, number=n, outcome="upheld", reasons="维持"), DEPT),
    "decide_unverifiable": lambda a, r, n: a.decide_objection(
        c.DecideObjection(record_id=r, number=n, outcome="unverifiable", reasons="无法核实"),
        DEPT),
    "decide_deleted": lambda a, r, n: a.decide_objection(
        c.DecideObjection(record_id=r, number=n, outcome="deleted", reasons="删除"), DEPT),
    "review": lambda a, r, n: a.request_review(
        c.RequestReview(record_id=r, number=n, grounds="复核"), official()),
    "decide_review": lambda a, r, n: a.decide_review(
        c.DecideReview(record_id=r, number=n, upheld=True, reasons="维持"), REVIEWER),
    "review_deletes": lambda a, r, n: a.decide_review(c.DecideReview(
        record_id=r, number=n, upheld=False, outcome="deleted", reasons="复核删除"), REVIEWER),
    "review_corrects": lambda a, r, n: a.decide_review(c.DecideReview(
        record_id=r, number=n, upheld=False, outcome="corrected", reasons="复核更正",
        changes={"severity": "serious"}), REVIEWER),
    "correct": lambda a, r, n: a.correct_record(c.CorrectRecord(
        record_id=r, changes={"severity": "minor"}, reasons="更正"), DEPT),
    "withdraw": lambda a, r, n: a.withdraw_record(c.WithdrawRecord(record_id=r, reasons="撤销"),
                                                  DEPT),
    "repair": lambda a, r, n: a.apply_for_repair(c.ApplyForRepair(record_id=r, commitment="承诺"),
                                                 official()),
    "forward_repair": lambda a, r, n: a.forward_repair(
        c.ForwardRepair(record_id=r, number=n, to=SOURCE), REVIEWER),
    "extend_repair": lambda a, r, n: a.extend_repair(
        c.ExtendRepair(record_id=r, number=n, reasons="延期"), REVIEWER),
    "approve_repair": lambda a, r, n: a.decide_repair(
        c.DecideRepair(record_id=r, number=n, approved=True, reasons="同意"), DEPT),
    "revoke_repair": lambda a, r, n: a.revoke_repair(c.RevokeRepair(
        record_id=r, number=n, reasons="材料虚假", finding="核查〔2026〕1号"), DEPT),
    "refuse_repair": lambda a, r, n: a.decide_repair(
        c.DecideRepair(record_id=r, number=n, approved=False, reasons="不同意"), DEPT),
    "miss_explanation": lambda a, r, n: a.system_step(
        r, lambda rec, s: rec.miss(SYSTEM, a.clock(), "explanation")),
    "urge_explanation": lambda a, r, n: a.system_step(
        r, lambda rec, s: rec.urge(SYSTEM, a.clock(), "explanation")),
    "perform": lambda a, r, n: a.record_performance(c.RecordPerformance(record_id=r), DEPT),
    "extend_listing": lambda a, r, n: a.extend_listing(
        c.ExtendListing(record_id=r, years=n, reasons="延长"), DEPT),
    "expire": lambda a, r, n: a.system_step(r, lambda rec, s: rec.expire_publicity(
        SYSTEM, a.clock())),
}


def check_invariants(record: CreditRecord, app: Ledger) -> None:
    rules = app.settings().rule_book().get(record.rule_set_id)
    if record.published:
        assert record.status is RecordStatus.IN_FORCE
    if record.status in (RecordStatus.WITHDRAWN, RecordStatus.DELETED):
        assert record.deadlines == {} and not record.published
    open_objections = [o for o in record.objections.values()
                       if o.status not in (StepStatus.REJECTED, StepStatus.DECIDED)]
    assert len(open_objections) <= 1
    # marked from the moment it is filed, until it is rejected or decided
    marked = {StepStatus.FILED, StepStatus.MARKED, StepStatus.ACCEPTED, StepStatus.FORWARDED}
    expected_mark = any(o.status in marked for o in record.objections.values()) or any(
        o.outcome is ObjectionOutcome.UNVERIFIABLE for o in record.objections.values())
    if record.is_active:
        assert record.under_objection == expected_mark
    for objection in record.objections.values():
        assert objection.extension_used <= rules.objection_extension_cap_working_days
    assert record.rectification_extensions <= rules.rectification_extensions
    assert record.listing_extension_years <= rules.listing_extension_max_years
    if record.performed_on is not None or record.listing_extension_years:
        assert record.content.category == "dishonest_judgment_debtor"
    if record.performed_on is not None and record.is_active:
        assert "listing-removal" in record.deadlines
    if record.status is RecordStatus.REPAIRED:
        assert any(r.status in (StepStatus.APPROVED, StepStatus.DONE)
                   for r in record.repairs.values())
        assert all(s.lifted for s in record.sanctions.values())
    assert sum(1 for r in record.repairs.values()
               if r.status in (StepStatus.FILED, StepStatus.FORWARDED)) <= 1
    calendar = app.settings().calendar()
    for deadline in record.deadlines.values():
        assert earliest_due(deadline) > deadline.starts_on
        # a due date is never guessed: it waits exactly while a year it needs is unpublished
        assert deadline.waiting == bool(deadline.awaiting)
        assert not any(calendar.covers(year) for year in deadline.awaiting)
    replayed = CreditRecord.replay(app.timeline(record.id))
    assert replayed is not None and vars(replayed) == vars(record) | {"_pending": []}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(1, 3),
                          st.integers(0, 60)), min_size=1, max_size=25),
       st.booleans(), st.booleans())
def test_random_command_sequences_never_reach_a_forbidden_state(
    steps: list[tuple[str, int, int]], with_rectification: bool, debtor: bool
) -> None:
    clock = FakeClock()
    app = memory_world(clock)
    rectification = {"requirement": "整改"} if with_rectification else None
    category = "dishonest_judgment_debtor" if debtor else "administrative_penalty"
    rid = app.file_record(filing(rectification=rectification, category=category,
                                 sanctions=[{"kind": "public_criticism", "months": 6}]),
                          DEPT).record_id
    for name, number, days in steps:
        clock.advance(days=days)
        version = app.record(rid).version
        try:
            STEPS[name](app, rid, number)
        except LedgerError:
            assert app.record(rid).version == version, f"{name} was refused but changed the log"
        check_invariants(app.record(rid), app)
