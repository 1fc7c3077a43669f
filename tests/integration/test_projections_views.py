"""Scenarios of the views people read, on a real PostgreSQL, checked through their queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.errors import ValidationError
from projections import deadlines, disclosure, evaluation, records, rollup, subjects
from projections.search import quarter_tag
from tests.support import world
from tests.support.projections import Projections, system_step

PINGTAN_CODE = world.uscc("11350128MB00003")


def test_a_public_body_record_is_disclosed_with_its_objection_mark(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: world.FakeClock,
) -> None:
    rid = app.file_record(world.filing(), world.DEPT).record_id
    views.catch_up()
    today = business_date(clock())

    page = disclosure.public_disclosure(conn, q="鼓楼区", today=today)
    assert [item.record_id for item in page.items] == [rid] and page.total == 1
    assert page.items[0].marks == []

    n = app.file_objection(c.FileObjection(record_id=rid, grounds="罚款金额有误"), world.official())
    app.mark_objection(c.MarkObjection(record_id=rid, number=n), world.REVIEWER)
    views.catch_up()

    shown = disclosure.disclosed_record(conn, rid, today)
    assert shown is not None and shown.under_objection and shown.marks == ["under_objection"]
    assert shown.fine_yuan is not None and str(shown.fine_yuan) == "50000.00"


def test_a_civil_servants_record_never_reaches_the_disclosure_page_nor_their_name_any_view(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: world.FakeClock,
) -> None:
    rid = app.file_record(world.filing(subject_type="civil_servant", subject_code=None,
                                       subject_citizen_id=world.PERSON_ID), world.DEPT).record_id
    views.catch_up()

    assert disclosure.disclosed_record(conn, rid, business_date(clock())) is None
    assert disclosure.public_disclosure(conn, today=business_date(clock())).total == 0
    dump = conn.execute(
        "SELECT string_agg(t::text, ' ') FROM (SELECT row_to_json(r)::text AS t FROM "
        "(SELECT * FROM views.record_view) r UNION ALL SELECT row_to_json(r)::text FROM "
        "(SELECT * FROM views.subject_status_subjects) r UNION ALL SELECT row_to_json(r)::text "
        "FROM (SELECT * FROM views.open_deadlines) r) all_rows").fetchone()
    assert dump is not None and isinstance(dump[0], str)
    assert "林晓明" not in dump[0] and world.PERSON_ID not in dump[0]
    assert "350102********123" in dump[0]  # the masked ID: first 6 and last 4 only


def test_a_withdrawn_record_leaves_the_disclosure_page(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: world.FakeClock,
) -> None:
    rid = app.file_record(world.filing(), world.DEPT).record_id
    views.catch_up()
    assert disclosure.disclosed_record(conn, rid, business_date(clock())) is not None

    app.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="原处罚决定被撤销"), world.DEPT)
    views.catch_up()

    assert disclosure.disclosed_record(conn, rid, business_date(clock())) is None
    state = records.record_view(conn, rid)
    assert state is not None and state.status == "withdrawn" and state.open_deadline_count == 0


def test_shared_records_and_records_outside_their_window_are_not_disclosed(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    shared = app.file_record(world.filing(1, scope="shared"), world.DEPT).record_id
    public = app.file_record(world.filing(2), world.DEPT).record_id
    views.catch_up()

    assert disclosure.disclosed_record(conn, shared, date(2026, 5, 6)) is None
    assert disclosure.disclosed_record(conn, public, date(2027, 4, 20)) is not None
    assert disclosure.disclosed_record(conn, public, date(2027, 4, 21)) is None


def test_the_disclosure_search_finds_by_code_region_and_category_a_page_at_a_time(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    app.register_body(c.RegisterBody(credit_code=PINGTAN_CODE, name="平潭综合实验区财政金融局",
                                     region_code="350128"), world.ADMIN)
    for n in range(1, 4):
        app.file_record(world.filing(n), world.DEPT)
    app.file_record(world.filing(4, subject_code=PINGTAN_CODE, region_code="350128",
                                 category="breach_of_commitment"), world.DEPT)
    views.catch_up()
    on = date(2026, 5, 6)

    assert disclosure.public_disclosure(conn, q=world.BODY_CODE.lower(), today=on).total == 3
    assert disclosure.public_disclosure(conn, region="350100", today=on).total == 3
    assert disclosure.public_disclosure(conn, region="350000", today=on).total == 4
    only = disclosure.public_disclosure(conn, category="breach_of_commitment", today=on)
    assert [i.subject_code for i in only.items] == [PINGTAN_CODE]
    first = disclosure.public_disclosure(conn, page=1, per_page=3, today=on)
    second = disclosure.public_disclosure(conn, page=2, per_page=3, today=on)
    assert first.total == second.total == 4 and len(first.items) == 3
    assert len(second.items) == 1
    assert {i.record_id for i in first.items}.isdisjoint({i.record_id for i in second.items})
    assert disclosure.public_disclosure(conn, q="100%_", today=on).total == 0


def test_the_disclosure_search_finds_a_name_by_two_characters_or_one_and_a_document_by_part(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    app.register_body(c.RegisterBody(credit_code=PINGTAN_CODE, name="平潭综合实验区财政金融局",
                                     region_code="350128"), world.ADMIN)
    county = [app.file_record(world.filing(n), world.DEPT).record_id for n in (1, 2)]
    pingtan = app.file_record(world.filing(13, subject_code=PINGTAN_CODE, region_code="350128"),
                              world.DEPT).record_id
    views.catch_up()
    on = date(2026, 5, 6)

    def found(text: str) -> set[object]:
        return {i.record_id for i in disclosure.public_disclosure(conn, q=text, today=on).items}

    assert found("财政") == found("潭") == {pingtan}
    assert found("鼓楼") == found("自然资源局") == set(county)
    assert found("〔2026〕1") == {county[0], pingtan}
    assert found("〕13号") == {pingtan}
    assert found("政鼓") == found("区局") == set()  # the characters are there, not together
    general = disclosure.public_disclosure(conn, q="财政", severity="general", today=on)
    assert [i.record_id for i in general.items] == [pingtan]
    assert disclosure.public_disclosure(conn, severity="serious", today=on).total == 0
    assert disclosure.public_disclosure(conn, category="no_such_category", today=on).total == 0


def test_a_search_counts_and_pages_no_further_than_its_cap_and_shows_the_same_newest_first(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(1, 5):
        app.file_record(world.filing(n, decision_date=date(2026, 4, 10 + n)), world.DEPT)
    views.catch_up()
    on = date(2026, 5, 6)
    every = disclosure.public_disclosure(conn, q="鼓楼区", today=on)
    assert every.total == 4 and not every.total_capped

    monkeypatch.setattr(disclosure, "TOTAL_CAP", 3)
    first = disclosure.public_disclosure(conn, q="鼓楼区", per_page=2, today=on)
    second = disclosure.public_disclosure(conn, q="鼓楼区", page=2, per_page=2, today=on)

    assert first.total == 3 and first.total_capped
    assert [i.record_id for i in first.items + second.items] == [
        i.record_id for i in every.items]
    assert [i.decision_date.day for i in every.items] == [14, 13, 12, 11]
    with pytest.raises(ValidationError):
        disclosure.public_disclosure(conn, q="鼓楼区", page=3, per_page=2, today=on)


DECIDED = [date(2025, 6, 2), date(2025, 6, 30), date(2025, 7, 1), date(2025, 9, 30),
           date(2025, 12, 30), date(2026, 1, 2), date(2026, 4, 14), date(2026, 4, 15)]


@pytest.mark.parametrize("spans", ["recent quarters", "the current quarter only"])
@pytest.mark.parametrize("search", [{"q": "自然资源局"}, {"region": "350102"}],
                         ids=["by text", "by region"])
def test_every_page_of_a_search_is_the_newest_first_slice_of_all_its_matches(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
    monkeypatch: pytest.MonkeyPatch, spans: str, search: dict[str, str],
) -> None:
    for n, decided in enumerate(DECIDED, start=1):
        app.file_record(world.filing(n, decision_date=decided), world.DEPT)
    views.catch_up()
    on = date(2026, 5, 6)
    newest_first = sorted(DECIDED, reverse=True)
    every = disclosure.public_disclosure(conn, per_page=20, today=on, **search)
    assert every.total == len(DECIDED)
    assert [i.decision_date for i in every.items] == newest_first

    # Counting stops at 3: two quarters hold that many, and pages come from them alone
    # (or, when no span may be used, from the whole table).
    monkeypatch.setattr(disclosure, "TOTAL_CAP", 3)
    if spans != "recent quarters":
        monkeypatch.setattr(disclosure, "recent_quarters", lambda today: [[quarter_tag(today)]])
    pages = [disclosure.public_disclosure(conn, page=n, per_page=1, today=on, **search)
             for n in (1, 2, 3)]

    assert [p.total for p in pages] == [3, 3, 3]
    assert [i.decision_date for p in pages for i in p.items] == newest_first[:3]


def test_the_record_view_follows_the_aggregate_through_objection_and_reconsideration(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    rid = app.file_record(world.filing(), world.DEPT).record_id
    n = app.file_objection(c.FileObjection(record_id=rid, grounds="事实不清"), world.official())
    app.mark_objection(c.MarkObjection(record_id=rid, number=n), world.REVIEWER)
    app.mark_reconsideration(c.MarkReconsideration(
        record_id=rid, kind="litigation", case_number="(2026)闽01行初1号"), world.DEPT)
    views.catch_up()

    state, record = records.record_view(conn, rid), app.record(rid)
    assert state is not None
    assert (state.status, state.published, state.under_objection) == (
        record.status.value, record.published, record.under_objection)
    assert state.under_reconsideration == "litigation"
    assert state.open_deadlines == sorted(record.deadlines)
    assert state.version == record.version
    assert state.publicity_max_end == record.publicity_max_end

    app.accept_objection(c.AcceptObjection(record_id=rid, number=n), world.REVIEWER)
    app.forward_objection(c.ForwardObjection(record_id=rid, number=n, to=world.SOURCE),
                          world.REVIEWER)
    app.decide_objection(c.DecideObjection(record_id=rid, number=n, outcome="publicity_stopped",
                                           reasons="停止公示"), world.DEPT)
    views.catch_up()

    state = records.record_view(conn, rid)
    assert state is not None and not state.published and not state.under_objection
    assert disclosure.disclosed_record(conn, rid, date(2026, 5, 6)) is None
    assert [r.record_id for r in records.records(conn, region="350102")] == [rid]


def test_open_deadlines_show_working_days_left_and_overdue_by_region(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: world.FakeClock,
) -> None:
    rid = app.file_record(world.filing(rectification={"requirement": "限期整改"}),
                          world.DEPT).record_id
    person = app.file_record(world.filing(2, subject_type="civil_servant", subject_code=None,
                                          subject_citizen_id=world.PERSON_ID), world.DEPT).record_id
    views.catch_up()

    board = deadlines.open_deadlines(conn, region="350100", today=date(2026, 5, 6))
    assert {(d.record_id, d.kind) for d in board} == {
        (rid, "explanation"), (rid, "rectification"), (person, "explanation")}
    explanation = next(d for d in board if d.record_id == rid and d.kind == "explanation")
    assert explanation.due == date(2026, 5, 26) and explanation.working_days_left == 15
    assert {d.body_code for d in board} == {world.BODY_CODE}
    assert deadlines.open_deadlines(conn, region="350200", today=date(2026, 5, 6)) == []

    clock.set_date(date(2026, 5, 27))
    system_step(app, rid, "miss", "explanation")
    app.submit_explanation(c.SubmitExplanation(record_id=person, text="说明"),
                           world.official(str(app.record(person).content.subject_id)))
    views.catch_up()

    late = deadlines.open_deadlines(conn, overdue=True, today=date(2026, 5, 27))
    assert [(d.record_id, d.key, d.overdue, d.working_days_left) for d in late] == [
        (rid, "explanation", True, -1)]
    assert [d.kind for d in deadlines.open_deadlines(conn, kind="rectification",
                                                   today=date(2026, 5, 27))] == ["rectification"]
    assert deadlines.open_deadlines(conn, due_before=date(2026, 5, 26)) == []


def test_a_subjects_status_counts_records_marks_and_sanctions_in_force(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    first = app.file_record(world.filing(1, severity="serious", sanctions=[
        {"kind": "public_criticism", "months": 6}]), world.DEPT).record_id
    app.file_record(world.filing(2), world.DEPT)
    withdrawn = app.file_record(world.filing(3), world.DEPT).record_id
    app.withdraw_record(c.WithdrawRecord(record_id=withdrawn, reasons="撤销"), world.DEPT)
    app.mark_reconsideration(c.MarkReconsideration(
        record_id=first, kind="reconsideration", case_number="闽复〔2026〕1号"), world.DEPT)
    views.catch_up()

    status = subjects.body_status(conn, world.BODY_CODE, today=date(2026, 5, 6))
    assert status is not None and status.name == "福州市鼓楼区自然资源局"
    assert status.records == 3
    assert status.counts == {"in_force": {"serious": 1, "general": 1},
                             "withdrawn": {"general": 1}}
    assert status.under_reconsideration == [first] and status.under_objection == []
    # six months from the day the decision took effect (its decision date, 2026-04-20)
    assert [(s.record_id, s.kind, s.ends_on) for s in status.sanctions_in_force] == [
        (first, "public_criticism", date(2026, 10, 20))]
    assert status.open_deadlines == 2
    later = subjects.body_status(conn, world.BODY_CODE, today=date(2026, 11, 7))
    assert later is not None and later.sanctions_in_force == []
    assert subjects.body_status(conn, world.PARENT_CODE) is not None
    assert subjects.body_status(conn, "91110000600037341L") is None


def test_region_rollups_follow_the_reporting_tree_including_pingtan(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    app.register_body(c.RegisterBody(credit_code=PINGTAN_CODE, name="平潭综合实验区财政金融局",
                                     region_code="350128"), world.ADMIN)
    app.file_record(world.filing(1, severity="serious"), world.DEPT)
    repaired_later = app.file_record(world.filing(2, domain="bidding"), world.DEPT).record_id
    app.file_record(world.filing(3, subject_code=PINGTAN_CODE, region_code="350128"), world.DEPT)
    app.withdraw_record(c.WithdrawRecord(record_id=repaired_later, reasons="撤销"), world.DEPT)
    views.catch_up()

    county = rollup.region_rollup(conn, "350102")
    assert county.totals.records == 2 and county.totals.in_force == 1
    assert county.totals.withdrawn == 1
    assert county.by_domain["bidding"].withdrawn == 1
    assert county.by_severity["serious"].records == 1
    fuzhou = rollup.region_rollup(conn, "350100")
    assert fuzhou.totals.records == 2  # Pingtan reports to the province, not to Fuzhou
    province = rollup.region_rollup(conn, "350000")
    assert province.totals.records == 3 and province.totals.open_deadlines == 2
    children = {child.code: child.totals.records for child in province.children}
    assert children["350100"] == 2 and children["350128"] == 1 and children["350200"] == 0


def test_a_county_with_overdue_rectifications_raises_an_early_warning(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: world.FakeClock,
) -> None:
    rids = [app.file_record(world.filing(n, severity="serious",
                                         rectification={"requirement": "限期整改"}),
                            world.DEPT).record_id
            for n in range(1, 4)]
    views.catch_up()
    body = evaluation.evaluate_body(conn, world.BODY_CODE)
    assert body is not None and body.score == 70 and body.grade == "C"  # 100 − 3 × 10
    assert [w.rule_id for w in body.warnings] == ["body-serious-records"]
    assert [w.rule_id for w in evaluation.early_warnings(conn)] == ["body-serious-records"]

    clock.set_date(date(2026, 6, 8))  # the 30-day rectification period ended on 2026-06-05
    for rid in rids:
        system_step(app, rid, "miss", "rectification")
    views.catch_up()

    county = evaluation.evaluate_region(conn, "350102")  # its one body: 70 − 3 × (2 + 3)
    assert county.metrics["overdue_rectifications"] == 3 and county.score == Decimal("55.0")
    city = evaluation.evaluate_region(conn, "350100")  # with the city's own body, at 100
    assert city.score == Decimal("77.5") and city.bodies == 2
    warnings = {(w.rule_id, w.code) for w in evaluation.early_warnings(conn)}
    assert ("county-overdue-rectifications", "350102") in warnings
    assert not any(code == "350100" for _, code in warnings)  # a city has its own threshold
    status = subjects.body_status(conn, world.BODY_CODE)
    assert status is not None and status.evaluation is not None
    assert status.evaluation.score == 55 and status.evaluation.grade == "D"  # 70 − 3 × (2 + 3)
