"""Random command sequences for the property tests: a world that files records and takes them,
and commitments, leads, warnings and ratings, through the steps ``k`` picks, the views followed
after every command."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from hypothesis import strategies as st
from psycopg import sql

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.errors import LedgerError
from ledger.ratings import ImportRating
from ledger.store.storage import create_database
from tests.support import world
from tests.support.projections import Projections, system_step
from tests.support.register_mix import commitment, lead, warning

PINGTAN = world.uscc("11350128MB00003")
SEVERITIES = ("minor", "general", "serious")
# Corrections of the content alone, and of what the publicity window and the counts follow.
CORRECTIONS: list[dict[str, Any]] = [
    {"facts": "更正"}, {"severity": "serious", "fine_yuan": "1.00"}, {"severity": "minor"},
    {"decision_date": "2026-01-15", "domain": "ppp"}, {"category": "court_judgment"},
]
OUTCOMES = ("corrected", "supplemented", "deleted", "publicity_stopped", "upheld",
            "unverifiable")


class World:
    """A ledger, the records filed so far, and the views followed after every command."""

    def __init__(self, app: Ledger, clock: world.FakeClock, views: Projections) -> None:
        self.app, self.clock, self.views = app, clock, views
        self.records: list[uuid.UUID] = []
        self.filed = 0

    def do(self, command: Callable[[], Any]) -> bool:
        """Run one command; a step impossible in the record's state is refused and skipped."""
        try:
            command()
            return True
        except LedgerError:
            return False
        finally:
            self.views.catch_up()

    def record(self, k: int) -> uuid.UUID:
        return self.records[k % len(self.records)]

    def official_of(self, rid: uuid.UUID) -> Any:
        return world.official(self.app.record(rid).content.subject_code)

    def move_to(self, day: date) -> None:
        if day > business_date(self.clock()):
            self.clock.set_date(day)

    def file(self, k: int, **fields: Any) -> None:
        self.filed += 1
        fields.setdefault("severity", SEVERITIES[k % 3])
        fields.setdefault("scope", "shared" if k % 4 == 3 else "public")
        fields.setdefault("domain", ("bidding", "ppp", "other")[k % 3])
        if k % 2:
            fields.setdefault("rectification", {"requirement": "限期整改"})
        if k % 5 == 4:
            fields.setdefault("sanctions", [{"kind": "public_criticism", "months": 6}])
        cmd = world.filing(self.filed, **fields)
        self.do(lambda: self.records.append(self.app.file_record(cmd, world.DEPT).record_id))


def objection(w: World, k: int) -> None:
    """An objection taken as far as ``k`` says: marked, rejected, or decided and reviewed."""
    rid, app = w.record(k), w.app
    if not w.do(lambda: app.file_objection(c.FileObjection(record_id=rid, grounds="异议"),
                                           w.official_of(rid))):
        return
    n = len(app.record(rid).objections)
    w.do(lambda: app.mark_objection(c.MarkObjection(record_id=rid, number=n), world.REVIEWER))
    if k % 4 == 1:
        w.do(lambda: app.reject_objection(c.RejectObjection(
            record_id=rid, number=n, reasons="驳回"), world.REVIEWER))
    elif k % 4 >= 2:
        w.do(lambda: app.accept_objection(c.AcceptObjection(record_id=rid, number=n),
                                          world.REVIEWER))
        w.do(lambda: app.forward_objection(c.ForwardObjection(
            record_id=rid, number=n, to=world.SOURCE), world.REVIEWER))
        outcome = OUTCOMES[k % len(OUTCOMES)]
        changes = CORRECTIONS[k % len(CORRECTIONS)] if outcome in OUTCOMES[:2] else None
        w.do(lambda: app.decide_objection(c.DecideObjection(
            record_id=rid, number=n, outcome=outcome, reasons="决定", changes=changes), world.DEPT))
        if k % 4 == 3:
            w.do(lambda: app.request_review(c.RequestReview(
                record_id=rid, number=n, grounds="复核"), w.official_of(rid)))
            # a review in the subject's favour acts as a first decision would
            favour = {"upheld": False, "outcome": OUTCOMES[(k + 1) % 4],
                      "changes": CORRECTIONS[k % len(CORRECTIONS)]} if k % 8 == 7 else {}
            if favour and favour["outcome"] not in OUTCOMES[:2]:
                favour["changes"] = None
            w.do(lambda: app.decide_review(c.DecideReview.model_validate(
                {"record_id": rid, "number": n, "upheld": True, "reasons": "复核"} | favour),
                world.REVIEWER))


def repair(w: World, k: int) -> None:
    """Credit repair after the minimum publicity period: applied, forwarded, decided."""
    rid, app = w.record(k), w.app
    w.move_to(app.record(rid).publicity_min_end + timedelta(days=1))
    if not w.do(lambda: app.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"),
                                             w.official_of(rid))):
        return
    n = len(app.record(rid).repairs)
    if k % 3 == 2:
        w.do(lambda: app.extend_repair(c.ExtendRepair(record_id=rid, number=n, reasons="延期"),
                                       world.REVIEWER))
    w.do(lambda: app.forward_repair(c.ForwardRepair(record_id=rid, number=n, to=world.SOURCE),
                                    world.REVIEWER))
    w.do(lambda: app.decide_repair(c.DecideRepair(
        record_id=rid, number=n, approved=k % 3 != 0, reasons="决定"), world.DEPT))
    if k % 4 != 3:
        w.do(lambda: app.propagate_repair(c.PropagateRepair(
            record_id=rid, number=n, platforms=("信用中国",)), world.REVIEWER))
    if k % 2:  # obtained with false material: revoked by the department that approved it
        w.do(lambda: app.revoke_repair(c.RevokeRepair(
            record_id=rid, number=n, reasons="材料虚假", finding="核查〔2026〕1号"), world.DEPT))


def overdue(w: World, k: int) -> None:
    """A deadline passes: missed, then urged and escalated as far as ``k`` says."""
    rid, app = w.record(k), w.app
    deadlines = sorted(app.record(rid).deadlines.values(), key=lambda d: d.key)
    if not deadlines:
        return
    deadline = deadlines[k % len(deadlines)]
    w.move_to(deadline.due + timedelta(days=1))
    w.do(lambda: system_step(app, rid, "miss", deadline.key))
    if k % 3 >= 1:
        w.do(lambda: system_step(app, rid, "urge", deadline.key))
    if k % 3 == 2:
        w.do(lambda: system_step(app, rid, "escalate", deadline.key, "上级"))
    if deadline.key == "rectification":
        w.do(lambda: app.extend_rectification(c.ExtendRectification(
            record_id=rid, new_due=business_date(w.clock()) + timedelta(days=30),
            reasons="延期"), world.DEPT))


def rectify(w: World, k: int) -> None:
    rid, app, who = w.record(k), w.app, w.official_of(w.record(k))
    w.do(lambda: app.submit_explanation(c.SubmitExplanation(record_id=rid, text="说明"), who))
    w.do(lambda: app.submit_rectification_plan(c.SubmitRectificationPlan(
        record_id=rid, plan="计划"), who))
    w.do(lambda: app.report_rectification_completion(c.ReportRectificationCompletion(
        record_id=rid, report="完成"), who))
    if k % 2:
        w.do(lambda: app.reject_rectification(c.RejectRectification(
            record_id=rid, reasons="不合格"), world.DEPT))
    else:
        w.do(lambda: app.verify_rectification(c.VerifyRectification(record_id=rid), world.DEPT))


def reconsideration(w: World, k: int) -> None:
    rid, app = w.record(k), w.app
    w.do(lambda: app.mark_reconsideration(c.MarkReconsideration(
        record_id=rid, kind=("reconsideration", "litigation")[k % 2], case_number="案1"),
        world.DEPT))
    if k % 3:
        w.do(lambda: app.conclude_reconsideration(c.ConcludeReconsideration(
            record_id=rid, outcome=("upheld", "revoked", "changed")[k % 3]), world.DEPT))


def sanction(w: World, k: int) -> None:
    rid, app = w.record(k), w.app
    w.do(lambda: app.impose_sanction(c.ImposeSanction(
        record_id=rid, order={"kind": "honours_disqualification", "months": 6}), world.DEPT))
    if k % 2:
        for number, held in app.record(rid).sanctions.items():
            w.move_to(held.ends_on + timedelta(days=1))
            w.do(lambda n=number: system_step(app, rid, "lift_sanction", n))  # type: ignore[misc]


def debtor(w: World, k: int) -> None:
    """A dishonest judgment debtor's listing extended, or performed and then removed."""
    rid, app = w.record(k), w.app
    if k % 2:
        w.do(lambda: app.extend_listing(c.ExtendListing(
            record_id=rid, years=1 + k % 3, reasons="延长"), world.DEPT))
        return
    w.do(lambda: app.record_performance(c.RecordPerformance(record_id=rid), world.DEPT))
    if k % 4 == 0:
        w.do(lambda: app.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="已履行"),
                                         world.DEPT))


def expire(w: World, k: int) -> None:
    rid = w.record(k)
    w.move_to(w.app.record(rid).publicity_max_end + timedelta(days=1))
    w.do(lambda: system_step(w.app, rid, "expire_publicity"))


def rating(w: World, k: int) -> None:
    """A third-party rating of a body or a region, imported again as often as ``k`` says."""
    kind, code = ("body", PINGTAN) if k % 2 else ("region", ("350100", "350128")[k % 4 // 2])
    for _ in range(1 + k % 3 // 2):
        w.do(lambda: w.app.import_rating(ImportRating(
            source=("福州大学", "第三方测评中心")[k % 3 // 2], subject_kind=kind,
            subject_code=code, period=("2026", "2026-Q3", "2026-H2")[k % 3],
            score=Decimal(60 + k), document=f"测评〔2026〕{k}号"), world.ADMIN))


STEPS: dict[str, Callable[[World, int], Any]] = {
    "file_body": lambda w, k: w.file(k),
    "file_person": lambda w, k: w.file(k, subject_type="civil_servant", subject_code=None,
                                       subject_citizen_id=world.PERSON_ID),
    "file_pingtan": lambda w, k: w.file(k, subject_code=PINGTAN, region_code="350128"),
    "file_debtor": lambda w, k: w.file(k, category="dishonest_judgment_debtor"),
    "debtor": debtor,
    "objection": objection,
    "repair": repair,
    "overdue": overdue,
    "rectify": rectify,
    "reconsideration": reconsideration,
    "sanction": sanction,
    "withdraw": lambda w, k: w.do(lambda: w.app.withdraw_record(
        c.WithdrawRecord(record_id=w.record(k), reasons="撤销"), world.DEPT)),
    "correct": lambda w, k: w.do(lambda: w.app.correct_record(c.CorrectRecord(
        record_id=w.record(k), changes=CORRECTIONS[k % len(CORRECTIONS)], reasons="更正"),
        world.DEPT)),
    "expire": expire,
    "extend_objection": lambda w, k: w.do(lambda: w.app.extend_objection(c.ExtendObjection(
        record_id=w.record(k), number=max(1, len(w.app.record(w.record(k)).objections)),
        working_days=1 + k % 5, reasons="复杂"), world.REVIEWER)),
    "mitigate": lambda w, k: w.do(lambda: w.app.record_mitigation(c.RecordMitigation(
        record_id=w.record(k), kind=("lighter", "reduced", "exempted")[k % 3],
        legal_basis="《公职人员政务处分法》第十一条"), world.DEPT)),
    "file_migrated": lambda w, k: w.file(k, decision_date=date(2026, 3, 2),
                                         filed_on=date(2026, 3, 10)),
    "file_several_matters": lambda w, k: w.file(k, matter="ordinary",
                                                more_matters=("work_safety",)),
    "commitment": commitment,
    "lead": lead,
    "warning": warning,
    "rating": rating,
}

commands = st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 11)),
                    min_size=3, max_size=12)


def fresh_database(admin_url: str) -> str:
    return create_database(admin_url, f"p_{uuid.uuid4().hex[:12]}")


def drop_database(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(str(name))))
