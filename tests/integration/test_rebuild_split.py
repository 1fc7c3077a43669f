"""A rebuild with its views split over processes: the same tables, and the same refusals."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.cli.projections import app as cli
from ledger.application import Ledger
from projections.disclosure import PublicDisclosure
from projections.log import head, log_table_of
from projections.positions import view_status
from projections.rebuild import RebuildError, rebuild
from projections.rebuild_split import split
from projections.records import RecordView
from projections.registry import VIEWS
from projections.view import View
from tests.support.projections import (
    Projections,
    RefusesWithdrawals,
    file_many,
    rebuilt_snapshot,
    snapshot,
)

pytestmark = pytest.mark.timeout(180)


def test_a_rebuild_split_over_two_processes_makes_the_tables_one_process_makes(
    app: Ledger, pg_url: str,
) -> None:
    file_many(app, range(1, 31))
    views = Projections(app, pg_url)
    views.catch_up()
    log = views.log

    done = rebuild(pg_url, VIEWS, log, page_size=7, processes=2)

    with psycopg.connect(pg_url) as conn, conn.cursor() as cursor:
        end = head(cursor, log)
        statuses = view_status(conn, log)
    assert set(done.views) == {cls.name for cls in VIEWS} and done.position == end
    assert {s.view: (s.position, s.healthy) for s in statuses} == {
        cls.name: (end, True) for cls in VIEWS}
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log)
    file_many(app, range(31, 33))  # the followers go on from the rebuilt tables
    views.catch_up()
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log)


def test_a_view_failing_in_one_process_leaves_the_live_tables_and_no_scratch_behind(
    app: Ledger, pg_url: str,
) -> None:
    file_many(app, range(1, 9))  # withdrawals among them
    views = Projections(app, pg_url)
    views.catch_up()
    before = snapshot(pg_url, "views")

    with pytest.raises(RebuildError, match="cannot handle a withdrawal") as refused:
        rebuild(pg_url, [RefusesWithdrawals, PublicDisclosure], log_table_of(app),
                processes=2)

    assert refused.value.view == "record_view"
    assert refused.value.failure is not None and "Withdrawn" in refused.value.failure.topic
    assert snapshot(pg_url, "views") == before
    with psycopg.connect(pg_url) as conn:
        scratch = conn.execute("SELECT count(*) FROM pg_namespace "
                               "WHERE nspname LIKE 'views_rebuild_%'").fetchone()
    assert scratch == (0,)


def test_an_operator_rebuilds_every_view_with_two_processes_from_the_cli(
    app: Ledger, pg_url: str, env: None,
) -> None:
    file_many(app, range(1, 9))

    ran = CliRunner().invoke(cli, ["rebuild", "--processes", "2"])

    assert ran.exit_code == 0, ran.output
    assert "rebuilt record_view" in ran.output
    with psycopg.connect(pg_url) as conn, conn.cursor() as cursor:
        end = head(cursor, log_table_of(app))
        assert {s.view: s.position for s in view_status(conn, log_table_of(app))} == {
            cls.name: end for cls in VIEWS}
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, log_table_of(app))


def _view(number: int, weight: float) -> type[View]:
    attributes: dict[str, Any] = {"name": f"v{number}", "cost": weight}
    made: type[View] = type(f"V{number}", (RecordView,), attributes)
    return made


class _Heavy(RecordView):
    cost: ClassVar[float] = 10.0


@given(st.lists(st.floats(min_value=0.1, max_value=10), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=4))
def test_a_split_puts_every_view_in_one_group_in_the_callers_order(
    weights: list[float], groups: int,
) -> None:
    classes = [_view(n, w) for n, w in enumerate(weights)]

    found = split(classes, groups)

    assert 1 <= len(found) <= groups and all(found)
    assert sorted((c.name for g in found for c in g), key=lambda n: int(n[1:])) == [
        c.name for c in classes]
    for group in found:
        assert group == [c for c in classes if c in group]
    # no group is heavier than the lightest one plus the heaviest single view
    loads = [sum(c.cost for c in group) for group in found]
    assert max(loads) <= min(loads) + max(weights) + 1e-9


def test_the_heaviest_view_gets_a_process_to_itself_when_it_outweighs_the_rest() -> None:
    found = split([RecordView, _Heavy, PublicDisclosure], 2)

    assert found == [[_Heavy], [RecordView, PublicDisclosure]] or found == [
        [RecordView, PublicDisclosure], [_Heavy]]
