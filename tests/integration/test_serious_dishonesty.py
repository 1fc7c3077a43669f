"""Seriously dishonest subjects (严重失信): flagged while the rule set's criteria hold, with the
reason and the records behind it, on the in-memory and PostgreSQL ledgers and in the views."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import psycopg

from ledger import commands as c
from ledger.application import Ledger
from projections import dishonesty as d
from tests.support.projections import Projections, rebuilt_snapshot, snapshot
from tests.support.world import BODY_CODE, DEPT, FakeClock, filing

TODAY = date(2026, 5, 6)


def body_flag(app: Ledger, today: date = TODAY) -> d.SeriousDishonesty | None:
    records = [app.record(r) for r in app.body(BODY_CODE).records]
    return d.assess(app.settings().rule_book().in_force(today), d.facts_of(records), today)


def test_a_body_with_a_serious_record_in_force_is_flagged_until_the_record_is_withdrawn(
    world: Ledger,
) -> None:
    world.file_record(filing(1), DEPT)
    assert body_flag(world) is None  # one general record meets no criterion
    serious = world.file_record(filing(2, severity="serious"), DEPT).record_id

    flagged = body_flag(world)
    assert flagged is not None
    assert [(r.kind, r.records) for r in flagged.reasons] == [(d.SERIOUS_RECORDS, [serious])]
    assert flagged.reasons[0].rule == "serious_dishonesty_serious_records=1"
    assert [r.record_id for r in flagged.records] == [serious]
    assert flagged.rule_set_id == "ndrc-order-36"

    world.withdraw_record(c.WithdrawRecord(record_id=serious, reasons="原处罚决定被撤销"), DEPT)
    assert body_flag(world) is None


def test_three_general_records_flag_a_body_and_the_flag_ends_when_the_first_expires(
    world: Ledger,
) -> None:
    ids = [world.file_record(filing(n), DEPT).record_id for n in (1, 2, 3)]
    flagged = body_flag(world)
    assert flagged is not None
    assert [(r.kind, sorted(r.records)) for r in flagged.reasons] == [
        (d.RECORDS_IN_FORCE, sorted(ids))]
    last_day = min(world.record(r).publicity_max_end for r in ids)
    assert body_flag(world, last_day) is not None
    assert body_flag(world, last_day + timedelta(days=1)) is None


def test_a_body_listed_as_a_dishonest_judgment_debtor_is_flagged_by_its_category(
    world: Ledger,
) -> None:
    listed = world.file_record(filing(1, category="dishonest_judgment_debtor",
                                      severity="minor"), DEPT).record_id
    flagged = body_flag(world)
    assert flagged is not None
    assert [(r.kind, r.records) for r in flagged.reasons] == [(d.CATEGORY, [listed])]


def test_the_views_flag_the_subjects_the_ledger_flags_and_stop_when_a_record_is_withdrawn(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: FakeClock,
    pg_url: str,
) -> None:
    serious = app.file_record(filing(1, severity="serious"), DEPT).record_id
    app.file_record(filing(2), DEPT)
    views.catch_up()
    rules = app.settings().rule_book().in_force(TODAY)
    subject: UUID = app.record(serious).content.subject_id

    seen = d.flag(conn, rules, subject, TODAY)
    assert seen == body_flag(app)
    assert [f.subject_id for f in d.flags(conn, rules, TODAY)] == [subject]
    assert d.flags(conn, rules, TODAY, regions=["350100"]) == []

    app.withdraw_record(c.WithdrawRecord(record_id=serious, reasons="原处罚决定被撤销"), DEPT)
    views.catch_up()
    assert d.flag(conn, rules, subject, TODAY) is None
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, views.log)


def test_the_rule_set_decides_the_flag_is_not_public_unless_it_says_so() -> None:
    from ledger.rules import RuleBook

    rules = RuleBook().in_force(TODAY)
    assert rules.serious_dishonesty_public is False
    stricter = rules.model_copy(update={"serious_dishonesty_serious_records": 2})
    fact = d.RecordFact(
        record_id=UUID(int=1), subject_id=UUID(int=2), subject_type="body", region_code="350102",
        category="administrative_penalty", severity="serious", status="in_force",
        source_code="x", decision_date=TODAY, publicity_max_end=TODAY)
    assert d.assess(rules, [fact], TODAY) is not None
    assert d.assess(stricter, [fact], TODAY) is None
