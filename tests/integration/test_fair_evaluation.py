"""A fair evaluation: a body answers for its own deadlines, not for those the platform or a
source department missed on its records; Pingtan, reporting to the province itself, is warned
as a city."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg

from ledger import commands as c
from ledger.application import Ledger
from ledger.regions import fujian
from projections import evaluation
from projections.evaluation import WarningRule, formula_in_force, warning_level
from tests.support.projections import Projections, system_step
from tests.support.world import ADMIN, BODY_CODE, DEPT, FakeClock, filing, official, uscc

PINGTAN_CODE = uscc("11350128MB00003")


def test_a_body_loses_no_points_when_the_platform_misses_a_deadline_on_its_record(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: FakeClock,
) -> None:
    rid = app.file_record(filing(1), DEPT).record_id  # general: 100 − 4
    app.file_objection(c.FileObjection(record_id=rid, grounds="事实有误"), official())
    clock.set_date(date(2026, 5, 8))  # nobody on the platform marked it within a working day
    system_step(app, rid, "miss", "objection-1-mark")
    views.catch_up()

    body = evaluation.evaluate_body(conn, BODY_CODE)
    assert body is not None and body.score == 96
    assert (body.metrics["overdue_others_deadlines"], body.metrics["overdue_own_deadlines"]) == (
        1, 0)  # shown apart

    clock.set_date(date(2026, 5, 27))  # the body's own explanation was due on 2026-05-26
    system_step(app, rid, "miss", "explanation")
    views.catch_up()
    body = evaluation.evaluate_body(conn, BODY_CODE)
    assert body is not None and body.score == 94  # 96 − 2 for its own deadline only
    assert (body.metrics["overdue_others_deadlines"], body.metrics["overdue_own_deadlines"]) == (
        1, 1)


def test_pingtan_reporting_to_the_province_is_warned_at_city_level(
    app: Ledger, views: Projections, conn: psycopg.Connection[object], clock: FakeClock,
) -> None:
    assert (warning_level(fujian(), "350128"), warning_level(fujian(), "350102")) == (
        "city", "county")
    app.register_body(c.RegisterBody(credit_code=PINGTAN_CODE, name="平潭综合实验区财政金融局",
                                     region_code="350128"), ADMIN)
    rids = [app.file_record(filing(1), DEPT).record_id,
            app.file_record(filing(2, subject_code=PINGTAN_CODE, region_code="350128"),
                            DEPT).record_id]
    clock.set_date(date(2026, 5, 27))
    for rid in rids:
        system_step(app, rid, "miss", "explanation")
    views.catch_up()
    formula = formula_in_force().model_copy(update={"warnings": [WarningRule(
        id="city-overdue-deadlines", applies_to="region", level="city",
        metric="overdue_deadlines", at_least=Decimal(1), message="设区市逾期办理事项达到预警线")]})

    warned = {w.code for w in evaluation.early_warnings(conn, formula=formula)}
    # Pingtan as a city, Fuzhou as the city over Gulou; Gulou, a county, is not warned as one
    assert warned == {"350128", "350100"}
