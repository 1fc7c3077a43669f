"""The record view carries where a record's written explanation stands, as the aggregate has
it, so the official's export reads the view instead of replaying every record."""

from __future__ import annotations

import psycopg

from ledger import commands as c
from ledger.application import Ledger
from projections import records
from tests.support.projections import Projections
from tests.support.world import DEPT, filing, official


def test_the_record_view_shows_an_explanation_requested_then_submitted_as_the_record_does(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    asked = app.file_record(filing(), DEPT).record_id
    not_asked = app.file_record(filing(2, request_explanation=False), DEPT).record_id
    views.catch_up()

    before = records.records_by_id(conn, [not_asked, asked])
    assert [(s.record_id, s.explanation) for s in before] == [(not_asked, None),
                                                              (asked, "open")]

    app.submit_explanation(c.SubmitExplanation(record_id=asked, text="已说明"), official())
    views.catch_up()

    state, record = records.record_view(conn, asked), app.record(asked)
    assert state is not None and record.explanation is not None
    assert state.explanation == record.explanation.value == "done"


def test_records_the_view_has_not_seen_are_left_out_and_the_order_asked_is_kept(
    app: Ledger, views: Projections, conn: psycopg.Connection[object],
) -> None:
    first = app.file_record(filing(), DEPT).record_id
    second = app.file_record(filing(2), DEPT).record_id
    views.catch_up()
    third = app.file_record(filing(3), DEPT).record_id

    found = records.records_by_id(conn, [second, third, first])

    assert [s.record_id for s in found] == [second, first]
