"""The evaluation weighs the plan's inputs from version 3 of the formula, and the quarterly and
annual evaluations are recorded in the log and replayed from it by an auditor."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.events import SYSTEM, Actor, Role
from ledger.ratings import ImportRating
from projections.evaluation import Evaluation, early_warnings, evaluate_all
from projections.period_evaluations import differences, positions, replay, take_due
from tests.support.projections import Projections
from tests.support.registers import commitments_made, lead, short_filing
from tests.support.world import ADMIN, BODY_CODE, DEPT, PARENT_CODE, REVIEWER, FakeClock, filing

CITY_DEPT = Actor(id="dept-fz-resources", role=Role.SOURCE_DEPARTMENT, subject=PARENT_CODE)
Conn = psycopg.Connection[Any]


def rate(app: Ledger, source: str, kind: str, code: str, period: str, score: str,
         scale: str = "100") -> None:
    app.import_rating(ImportRating.model_validate({
        "source": source, "subject_kind": kind, "subject_code": code, "period": period,
        "score": score, "scale": scale, "document": f"{source}报告"}), ADMIN)


def a_year_of_commitments_leads_and_ratings(app: Ledger, clock: FakeClock) -> None:
    """The county body: one record, one commitment kept, one broken (a second record); the
    city body let a deputy's suggestion pass its verification date; both rated."""
    app.file_record(filing(1), DEPT)
    kept, broken = commitments_made(app, 2)
    suggestion = app.receive_lead(lead("闽人大建议〔2026〕88号", origin="npc_suggestion",
                                       department={"name": "福州市自然资源和规划局",
                                                   "code": PARENT_CODE}), REVIEWER).id
    clock.set_date(date(2026, 7, 1))
    app.fulfil_commitment(rc.FulfilCommitment(commitment_id=kept, evidence="付款回单"), DEPT)
    app.find_breach(rc.FindBreach(commitment_id=broken, finding="逾期未付款",
                                  filing=short_filing(2)), DEPT)
    app.holder_step(suggestion, lambda h, s: h.miss(SYSTEM, clock(), "verification"))
    # two sources rate the county body (the first twice: its latest period counts), the
    # city once
    rate(app, "福州大学", "body", BODY_CODE, "2026-H1", "60")
    rate(app, "福州大学", "body", BODY_CODE, "2026-Q3", "90")
    rate(app, "省营商环境评估中心", "body", BODY_CODE, "2026", "35", scale="50")
    rate(app, "省营商环境评估中心", "region", "350100", "2026", "88")


def by_code(found: list[Evaluation]) -> dict[str, Evaluation]:
    return {e.code: e for e in found}


def test_version_3_weighs_commitments_leads_suggestions_and_ratings_and_version_2_does_not(
    app: Ledger, views: Projections, clock: FakeClock, conn: Conn,
) -> None:
    a_year_of_commitments_leads_and_ratings(app, clock)
    views.catch_up()
    book = app.formula_book()
    v2, v3 = book.in_force(date(2026, 12, 31)), book.in_force(date(2027, 1, 1))
    assert (v2.id, v3.id) == ("integrity-2026-v2", "integrity-2027-v3")

    before = by_code(evaluate_all(conn, v2, date(2026, 12, 31)))
    # two general records in force: 100 - 4 - 4; the city body has no record, not evaluated
    assert before[BODY_CODE].score == 92 and PARENT_CODE not in before
    assert "commitments_breached" not in before[BODY_CODE].metrics
    assert before[BODY_CODE].third_party_score is None
    assert before["350100"].score == Decimal("96.0")  # the mean of 92 and 100

    after = by_code(evaluate_all(conn, v3, date(2027, 1, 1)))
    county, city = after[BODY_CODE], after[PARENT_CODE]
    assert {k: county.metrics[k] for k in (
        "commitments_fulfilled", "commitments_breached", "third_party_ratings")} == {
        "commitments_fulfilled": 1, "commitments_breached": 1, "third_party_ratings": 2}
    # 92 + 0.5 - 5 = 87.5; rated (90 + 70) / 2 = 80: 0.8 × 87.5 + 0.2 × 80
    assert (county.third_party_score, county.score) == (Decimal("80"), Decimal("86.0"))
    # the suggestion answered late: 100 - 1 (overdue) - 5 (leads late) - 5 (suggestions late)
    assert (city.metrics["suggestions_overdue"], city.metrics["leads_overdue"]) == (1, 1)
    assert city.score == Decimal("89.0") and city.third_party_score is None
    # Fuzhou: the mean of its bodies (87.5), with its own rating of 88 weighed in
    fuzhou = after["350100"]
    assert (fuzhou.score, fuzhou.third_party_score, fuzhou.bodies) == (
        Decimal("87.6"), Decimal("88"), 2)
    assert fuzhou.metrics["commitments_breached"] == 1
    assert after["350000"].metrics["suggestions_received"] == 1


def test_quarters_and_years_are_recorded_once_and_an_auditor_replays_them_from_the_log(
    app: Ledger, views: Projections, clock: FakeClock, conn: Conn,
) -> None:
    a_year_of_commitments_leads_and_ratings(app, clock)
    views.catch_up()

    clock.set_date(date(2027, 1, 1))
    assert take_due(app, conn, date(2027, 1, 1), SYSTEM) == ["2026-Q4", "2026"]
    assert take_due(app, conn, date(2027, 1, 1), SYSTEM) == []
    year = app.evaluation_period("2026")
    assert year is not None and (year.formula_id, year.taken_on) == (
        "integrity-2026-v2", date(2027, 1, 1))
    recorded = {p.code: p.evaluation for p in app.period_evaluations("2026")}
    assert Decimal(recorded[BODY_CODE]["score"]) == 92

    # the year goes on: a third record, then the first quarter under version 3
    app.file_record(filing(3), DEPT)
    views.catch_up()
    clock.set_date(date(2027, 4, 1))
    assert take_due(app, conn, date(2027, 4, 1), SYSTEM) == ["2027-Q1"]
    quarter = {p.code: p.evaluation for p in app.period_evaluations("2027-Q1")}
    assert Decimal(quarter[BODY_CODE]["score"]) == Decimal("82.8")  # 83.5 × 0.8 + 16
    assert app.evaluation_period("2027-Q1").formula_id == "integrity-2027-v3"  # type: ignore[union-attr]

    # the auditor rebuilds the views from the log up to the positions the year recorded
    formula = app.formula_book().in_force(year.period_end)
    again = replay(conn, views.log, year, formula, app.regions)
    assert differences([p.evaluation for p in app.period_evaluations("2026")], again) == []
    first_quarter = app.evaluation_period("2027-Q1")
    assert first_quarter is not None
    assert differences([p.evaluation for p in app.period_evaluations("2027-Q1")], replay(
        conn, views.log, first_quarter, app.formula_book().in_force(date(2027, 3, 31)),
        app.regions)) == []
    # up to today's positions instead, the third record shows: the year would read otherwise
    moved = copy.copy(year)
    moved.positions = positions(conn)
    assert any(line.startswith(f"body {BODY_CODE}: recorded 92") for line in differences(
        [p.evaluation for p in app.period_evaluations("2026")],
        replay(conn, views.log, moved, formula, app.regions)))


def test_a_body_that_broke_two_commitments_is_warned_under_version_3_only(
    app: Ledger, views: Projections, clock: FakeClock, conn: Conn,
) -> None:
    broken = commitments_made(app, 2)
    clock.set_date(date(2026, 7, 1))
    for n, cid in enumerate(broken, start=1):
        app.find_breach(rc.FindBreach(commitment_id=cid, finding="逾期未付款",
                                      filing=short_filing(n, severity="minor")), DEPT)
    views.catch_up()
    book = app.formula_book()
    raised = early_warnings(conn, formula=book.in_force(date(2027, 1, 1)))
    assert [(w.rule_id, w.code, w.value) for w in raised if w.kind == "body"] == [
        ("body-commitments-breached", BODY_CODE, 2)]
    assert [w for w in early_warnings(conn, formula=book.in_force(date(2026, 12, 31)))
            if w.kind == "body"] == []
