"""For random command sequences, views kept up step by step equal views rebuilt from scratch."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from psycopg import sql

from ledger import commands as c
from ledger.calendar import PublishedYear
from ledger.clock import business_date
from projections import dishonesty, records
from projections.warnings import recorded_warning
from tests.support.command_mix import (
    PINGTAN,
    STEPS,
    World,
    commands,
    drop_database,
    fresh_database,
)
from tests.support.projections import Projections, rebuilt_snapshot, snapshot
from tests.support.world import (
    ADMIN,
    FakeClock,
    postgres_ledger,
    register_world,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=commands)
# every way a warning goes: raised again, acknowledged, followed up, closed, escalated
@example(steps=[("warning", k) for k in range(12)])
# a breach proposed and left, confirmed (filing its record) and declined
@example(steps=[("commitment", k) for k in (2, 5, 11)])
def test_views_kept_up_step_by_step_equal_views_rebuilt_from_the_log(
    pg_admin_url: str, steps: list[tuple[str, int]],
) -> None:
    url, clock = fresh_database(pg_admin_url), FakeClock()
    app = postgres_ledger(url, clock)
    views = Projections(app, url, page_size=3)
    try:
        register_world(app)
        for year in range(2027, 2031):  # so that late steps still get deadlines computed
            app.publish_calendar_year(c.PublishCalendarYear(year=PublishedYear(
                year=year, holidays=(), workdays=(), notice=f"测试〔{year - 1}〕1号")), ADMIN)
        app.register_body(c.RegisterBody(credit_code=PINGTAN, name="平潭综合实验区财政金融局",
                                         region_code="350128"), ADMIN)
        world = World(app, clock, views)
        world.file(1)
        for name, k in steps:
            STEPS[name](world, k)

        kept_up = snapshot(url, "views")
        assert kept_up == rebuilt_snapshot(url, views.log)
        # As a rebuild builds: a page written while the next is applied, pages cut anywhere.
        assert kept_up == rebuilt_snapshot(url, views.log, pipelined=True, page_size=4)
        with views.connect() as conn:
            for wid in getattr(world, "warnings", []):
                shown = recorded_warning(conn, wid)
                assert shown is not None and shown["state"] == app.early_warning(wid).state
            for rid in world.records:
                state, record = records.record_view(conn, rid), app.record(rid)
                assert state is not None
                assert (state.status, state.published, state.under_objection,
                        state.open_deadlines, state.version) == (
                    record.status.value, record.published, record.under_objection,
                    sorted(record.deadlines), record.version)
                content = record.content
                assert (state.severity, state.domain, state.category, state.decision_date,
                        state.publicity_max_end) == (
                    content.severity.value, content.domain.value, content.category.value,
                    content.decision_date, record.publicity_max_end)
            # The seriously dishonest flag read from the views is the one the records give.
            today = business_date(clock())
            rules = app.settings().rule_book().in_force(today)
            by_subject: dict[uuid.UUID, list[Any]] = {}
            every = [row[0] for row in conn.execute(sql.SQL(
                "SELECT record_id FROM {}.record_view").format(sql.Identifier("views")))]
            for rid in every:  # filed by the world, and on leads and commitments
                held = app.record(rid)
                by_subject.setdefault(held.content.subject_id, []).append(held)
            for subject, held_records in by_subject.items():
                assert dishonesty.flag(conn, rules, subject, today) == dishonesty.assess(
                    rules, dishonesty.facts_of(held_records), today)
    finally:
        views.close()
        app.close()
        drop_database(pg_admin_url, url)
