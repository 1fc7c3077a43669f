"""How each sample record lives: filed, then its story played step by step on a moving clock.

``play`` registers the plan's subjects and then runs every record as a generator on one agenda
ordered by time: a step yields the moment of the next one, and the agenda sets the clock there
before resuming it, so the log's timestamps only move forward. The system's own steps (expiry
of the publicity window, sanctions lifted at their end) run alongside, as the daily sweep would.
A step due after ``SAMPLE_END`` never runs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import SHANGHAI, business_date, start_of_business_day
from ledger.events import SYSTEM, Actor, Role
from ledger.record import CreditRecord, Schedule
from ledger.sample.clock import SAMPLE_END, SampleClock, working_days_after, working_on_or_after
from ledger.sample.plan import SamplePlan, SampleRecord

ADMIN = Actor(id="sample-admin", role=Role.ADMINISTRATOR)
REVIEWER = Actor(id="fj-credit-reviewer-1", role=Role.PLATFORM_REVIEWER)
PLATFORMS = ("信用中国（福建）", "全国信用信息共享平台")


_NEVER = datetime.max.replace(tzinfo=UTC)


def play(ledger: Ledger, clock: SampleClock, plan: SamplePlan) -> None:
    """Register the plan's subjects, then file every record and live its story."""
    _Player(ledger, clock, plan).play()


class _Player:
    """Runs every record's story on one agenda, in time order, moving the clock."""

    def __init__(self, ledger: Ledger, clock: SampleClock, plan: SamplePlan) -> None:
        self.ledger, self.clock, self.plan = ledger, clock, plan
        self.agenda: list[tuple[datetime, int, Iterator[datetime]]] = []

    def play(self) -> None:
        for body in self.plan.bodies:
            self.tick()
            self.ledger.register_body(body.command, ADMIN)
        for person in self.plan.people:
            self.tick()
            self.ledger.register_civil_servant(person, ADMIN)
        for n, item in enumerate(self.plan.records):
            run = _Run(self.ledger, self.clock, item)
            first = run.at(item.filed_on)
            self.agenda.append((first, 2 * n, _life(run)))
            self.agenda.append((first + timedelta(minutes=1), 2 * n + 1, _system(run)))
        heapq.heapify(self.agenda)
        end = start_of_business_day(SAMPLE_END + timedelta(days=1))
        while self.agenda:
            at, n, story = heapq.heappop(self.agenda)
            if at >= end:
                continue
            self.clock.now = max(self.clock.now, at)
            following = next(story, None)
            if following is not None:
                heapq.heappush(self.agenda, (following, n, story))

    def tick(self) -> None:
        self.clock.now += timedelta(seconds=30)


class _Run:
    """One record's view of the sample: its filing, actors, and the time of its next step."""

    def __init__(self, ledger: Ledger, clock: SampleClock, item: SampleRecord) -> None:
        self.ledger, self.clock, self.item = ledger, clock, item
        self.rid = item.record_id
        self.rnd = Random(self.rid.int)
        source = item.command.source
        self.source = Actor(id=f"clerk-{source.code[-7:-1].lower()}",
                            role=Role.SOURCE_DEPARTMENT, subject=source.code)
        self.to = c.Authority(name=source.name, code=source.code)

    @property
    def today(self) -> date:
        return business_date(self.clock.now)

    def at(self, day: date, *, system: bool = False) -> datetime:
        """A moment on ``day`` (office hours, or just after midnight for the system)."""
        if day >= SAMPLE_END + timedelta(days=1):
            return _NEVER
        if system:
            moment = start_of_business_day(day) + timedelta(minutes=30)
        else:
            clock_time = time(self.rnd.randrange(9, 17), self.rnd.randrange(60))
            moment = datetime.combine(day, clock_time, SHANGHAI).astimezone(UTC)
        return max(moment, self.clock.now + timedelta(minutes=self.rnd.randrange(5, 50)))

    def within(self, days: int, *, after: int = 1) -> datetime:
        return self.at(working_on_or_after(self.today + timedelta(
            days=self.rnd.randrange(after, after + days))))

    def working(self, n: int) -> datetime:
        return self.at(working_days_after(self.today, n))

    def record(self) -> CreditRecord:
        return self.ledger.record(self.rid)

    def official(self) -> Actor:
        code = self.record().content.subject_code
        return Actor(id=f"official-{code[-6:].lower()}", role=Role.SUBJECT_OFFICIAL, subject=code)

    def system(self, step: Callable[[CreditRecord, Schedule], Any]) -> None:
        self.ledger.system_step(self.rid, step)

    def lift(self, number: int) -> None:
        self.system(lambda r, s: r.lift_sanction(SYSTEM, self.clock.now, number))


def _life(run: _Run) -> Iterator[datetime]:
    run.ledger.file_record(run.item.command, run.source)
    story = run.item.story
    if story == "overdue":
        yield from _overdue(run)
    else:
        yield from _explanation(run)
    yield from _rectification(run)
    if run.record().is_active and story in STORY_STEPS:
        yield from STORY_STEPS[story](run)


def _system(run: _Run) -> Iterator[datetime]:
    """The system's own steps for a record: sanctions lifted at their end, then expiry."""
    record = run.record()
    for sanction in sorted(record.sanctions.values(), key=lambda s: s.ends_on):
        yield run.at(sanction.ends_on + timedelta(days=1), system=True)
        run.lift(sanction.number)
    yield run.at(record.publicity_max_end + timedelta(days=1), system=True)
    run.system(lambda r, s: r.expire_publicity(SYSTEM, run.clock.now))


def _explanation(run: _Run) -> Iterator[datetime]:
    deadline = run.record().deadlines.get("explanation")
    if deadline is None or deadline.due is None:
        return
    span = max((deadline.due - run.today).days - 1, 1)
    yield run.within(span)
    if run.record().is_active:
        run.ledger.submit_explanation(c.SubmitExplanation(
            record_id=run.rid, text="已按要求书面说明原因，并附相关证明材料。"), run.official())


def _overdue(run: _Run) -> Iterator[datetime]:
    deadline = run.record().deadlines["explanation"]
    if deadline.due is None:
        return
    yield run.at(deadline.due + timedelta(days=1), system=True)
    run.system(lambda r, s: r.miss(SYSTEM, run.clock.now, "explanation"))
    yield run.at(working_days_after(run.today, 1), system=True)
    run.system(lambda r, s: r.urge(SYSTEM, run.clock.now, "explanation"))
    yield run.at(working_days_after(run.today, 5), system=True)
    run.system(lambda r, s: r.escalate(SYSTEM, run.clock.now, "explanation",
                                       run.item.escalate_to))


def _rectification(run: _Run) -> Iterator[datetime]:
    record = run.record()
    deadline = record.deadlines.get("rectification")
    if deadline is None or deadline.due is None or not record.is_active:
        return
    start, due = run.today, deadline.due
    variant = run.rnd.choice(("verified", "verified", "extended", "rejected"))

    def point(share: float) -> datetime:
        return run.at(start + timedelta(days=int((due - start).days * share)))

    rid, official = run.rid, run.official()
    yield point(0.15)
    run.ledger.submit_rectification_plan(c.SubmitRectificationPlan(
        record_id=rid, plan="成立整改工作专班，明确责任人和完成时限。"), official)
    if variant == "extended":
        yield point(0.3)
        due += timedelta(days=30)
        run.ledger.extend_rectification(c.ExtendRectification(
            record_id=rid, new_due=due, reasons="涉及跨年度预算调整，需延长整改期限。"), run.source)
    yield point(0.5)
    report = c.ReportRectificationCompletion(record_id=rid, report="整改已完成，附整改报告。")
    run.ledger.report_rectification_completion(report, official)
    if variant == "rejected":
        yield point(0.6)
        run.ledger.reject_rectification(c.RejectRectification(
            record_id=rid, reasons="整改报告缺少款项支付凭证。"), run.source)
        yield point(0.75)
        run.ledger.report_rectification_completion(report, official)
    yield point(0.85)
    run.ledger.verify_rectification(c.VerifyRectification(record_id=rid), run.source)


def _objection(outcome: str, *, extend: bool = False, review: bool | None = None) -> (
    Callable[[_Run], Iterator[datetime]]
):
    def story(run: _Run) -> Iterator[datetime]:
        ledger, rid = run.ledger, run.rid
        yield run.within(10)
        n = ledger.file_objection(c.FileObjection(
            record_id=rid, grounds="认定事实与实际不符，已按期支付部分款项。"), run.official())
        yield run.working(1)
        ledger.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
        yield run.working(1)
        if outcome == "rejected":
            ledger.reject_objection(c.RejectObjection(
                record_id=rid, number=n, reasons="异议申请未提供证明材料。"), REVIEWER)
            return
        ledger.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)
        yield run.working(1)
        ledger.forward_objection(c.ForwardObjection(record_id=rid, number=n, to=run.to),
                                 REVIEWER)
        if extend:
            yield run.working(3)
            ledger.extend_objection(c.ExtendObjection(
                record_id=rid, number=n, working_days=5, reasons="需调取原始合同核实。"), REVIEWER)
        yield run.working(3)
        changes = {"corrected": {"facts": "更正：拖欠款项金额以审计结论为准。"},
                   "supplemented": {"facts": "补充：被申请人已于决定后支付部分款项。"}}
        ledger.decide_objection(c.DecideObjection(
            record_id=rid, number=n, outcome=outcome, reasons="经核查作出处理。",
            changes=changes.get(outcome)), run.source)
        if review is not None:
            yield run.within(5, after=2)
            ledger.request_review(c.RequestReview(
                record_id=rid, number=n, grounds="对异议处理结果不服。"), run.official())
            yield run.working(3)
            favour = {} if review else {
                "outcome": "corrected", "changes": {"facts": "经复核更正：所涉款项已按期支付。"}}
            ledger.decide_review(c.DecideReview.model_validate({
                "record_id": rid, "number": n, "upheld": review, "reasons": "经复核作出决定。",
                **favour}), REVIEWER)

    return story


def _repair(approved: bool) -> Callable[[_Run], Iterator[datetime]]:
    def story(run: _Run) -> Iterator[datetime]:
        ledger, rid = run.ledger, run.rid
        opens = run.record().publicity_min_end + timedelta(days=run.rnd.randrange(1, 30))
        yield run.at(working_on_or_after(max(opens, run.today + timedelta(days=7))))
        if not run.record().is_active:
            return
        n = ledger.apply_for_repair(c.ApplyForRepair(
            record_id=rid, commitment="已纠正失信行为并作出信用承诺。"), run.official())
        yield run.working(1)
        ledger.forward_repair(c.ForwardRepair(record_id=rid, number=n, to=run.to), REVIEWER)
        yield run.working(2)
        ledger.decide_repair(c.DecideRepair(
            record_id=rid, number=n, approved=approved,
            reasons="失信行为已纠正，同意修复。" if approved else "尚未履行法定义务。"), run.source)
        if approved:
            yield run.working(2)
            ledger.propagate_repair(c.PropagateRepair(record_id=rid, number=n,
                                                      platforms=PLATFORMS), REVIEWER)

    return story


def _reconsideration(kind: str, outcome: str) -> Callable[[_Run], Iterator[datetime]]:
    def story(run: _Run) -> Iterator[datetime]:
        ledger, rid, year = run.ledger, run.rid, run.today.year
        yield run.within(20)
        n, court = run.rnd.randrange(10, 300), run.item.command.region_code[2:4]
        case = (f"闽政复〔{year}〕{n}号" if kind == "reconsideration"
                else f"（{year}）闽{court}行初{n}号")
        ledger.mark_reconsideration(c.MarkReconsideration(
            record_id=rid, kind=kind, case_number=case), run.official())
        yield run.within(30, after=45)
        ledger.conclude_reconsideration(c.ConcludeReconsideration(
            record_id=rid, outcome=outcome), run.source)
        if outcome == "revoked":
            yield run.working(2)
            ledger.withdraw_record(c.WithdrawRecord(
                record_id=rid, reasons="原决定已被人民法院判决撤销。"), run.source)

    return story


def _single(step: Callable[[_Run], None], days: int = 40) -> Callable[[_Run], Iterator[datetime]]:
    def story(run: _Run) -> Iterator[datetime]:
        yield run.within(days, after=10)
        step(run)

    return story


def _sanctioned(run: _Run) -> Iterator[datetime]:
    yield run.within(40, after=10)
    personal = run.item.command.subject_type == "civil_servant"
    order = {"kind": "promotion_restriction" if personal else "public_criticism", "months": 6}
    run.ledger.impose_sanction(c.ImposeSanction(record_id=run.rid, order=order), run.source)
    number = len(run.record().sanctions)
    yield run.at(run.record().sanctions[number].ends_on + timedelta(days=1), system=True)
    run.lift(number)


def _withdraw(run: _Run) -> None:
    run.ledger.withdraw_record(c.WithdrawRecord(
        record_id=run.rid, reasons="原决定机关依法撤销原决定。"), run.source)


def _mitigate(run: _Run) -> None:
    personal = run.item.command.subject_type == "civil_servant"
    run.ledger.record_mitigation(c.RecordMitigation(
        record_id=run.rid, kind="lighter" if personal else "reduced",
        legal_basis="《中华人民共和国公职人员政务处分法》第十一条第（四）项" if personal
        else "《中华人民共和国行政处罚法》第三十二条"), run.source)


STORY_STEPS: dict[str, Callable[[_Run], Iterator[datetime]]] = {
    **{f"objection_{o}": _objection(o) for o in (
        "corrected", "supplemented", "deleted", "publicity_stopped", "upheld", "unverifiable",
        "rejected")},
    "objection_extended": _objection("upheld", extend=True),
    "review_upheld": _objection("upheld", review=True),
    "review_overturned": _objection("unverifiable", review=False),
    "repair_approved": _repair(True),
    "repair_refused": _repair(False),
    "reconsideration_upheld": _reconsideration("reconsideration", "upheld"),
    "litigation_revoked": _reconsideration("litigation", "revoked"),
    "withdrawn": _single(_withdraw),
    "sanctioned": _sanctioned,
    "mitigated": _single(_mitigate),
}
