"""The commitment register and the lead register as people read them: kept up with the log,
equal to a rebuild, and the departments' response rates and times."""

from __future__ import annotations

from datetime import date

import psycopg

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.events import SYSTEM
from projections import commitments as cr
from projections import leads as lr
from tests.support.projections import Projections, rebuilt_snapshot, snapshot
from tests.support.registers import OTHER_CODE, OTHER_DEPT, commitment, lead, short_filing
from tests.support.world import DEPT, REVIEWER, SOURCE_CODE, FakeClock


def test_the_registers_show_each_commitment_and_lead_and_the_response_rates_per_department(
    app: Ledger, views: Projections, clock: FakeClock, conn: psycopg.Connection[object],
    pg_url: str,
) -> None:
    kept = app.make_commitment(commitment(), DEPT).id
    hidden = app.make_commitment(commitment("闽承诺〔2026〕2号", public=False), DEPT).id
    answered = app.receive_lead(lead(), REVIEWER).id
    moved = app.receive_lead(lead("12345-20260506-0002"), REVIEWER).id
    clock.set_date(date(2026, 5, 8))
    rid = app.file_record_on_lead(rc.FileRecordOnLead(
        lead_id=answered, filing=short_filing(category="accountability")), DEPT)
    app.hand_over_lead(rc.HandOverLead(lead_id=moved, to={"name": "福建省财政厅",
                                                          "code": OTHER_CODE}, reasons="移交"),
                       DEPT)
    clock.set_date(date(2026, 7, 1))  # both past their due dates
    app.holder_step(hidden, lambda h, s: h.miss(SYSTEM, clock(), "due"))
    app.holder_step(moved, lambda h, s: h.miss(SYSTEM, clock(), "verification"))
    app.fulfil_commitment(rc.FulfilCommitment(commitment_id=kept, evidence="回单"), DEPT)
    app.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=moved, reasons="不实"), OTHER_DEPT)
    views.catch_up()

    public = cr.commitments(conn, public_only=True)  # type: ignore[arg-type]
    assert [(c["commitment_id"], c["state"]) for c in public] == [(kept, "fulfilled")]
    late = cr.commitment(conn, hidden)  # type: ignore[arg-type]
    assert late is not None and (late["state"], late["overdue"]) == ("overdue", True)
    assert lr.origin_of_record(conn, rid)["id"] == answered  # type: ignore[arg-type,index]

    by_department = {r["code"]: r for r in lr.lead_responses(conn)}  # type: ignore[arg-type]
    ours, theirs = by_department[SOURCE_CODE], by_department[OTHER_CODE]
    assert (ours["received"], ours["answered"], ours["answered_in_time"], ours["days_total"],
            ours["record_filed"], ours["handed_over"]) == (2, 2, 2, 4, 1, 1)
    assert (theirs["received"], theirs["answered"], theirs["answered_in_time"],
            theirs["overdue"], theirs["unfounded"]) == (1, 1, 0, 1, 1)
    assert ours["answer_share"] == 1.0 and theirs["in_time_share"] == 0.0
    by_region = {r["code"]: r for r in lr.lead_responses(conn, by="region")}  # type: ignore[arg-type]
    assert by_region["350000"]["received"] == 3 and by_region["350102"]["name"] == "鼓楼区"
    inbox = lr.leads(conn, department=OTHER_CODE)  # type: ignore[arg-type]
    assert [(r["lead_id"], r["outcome"], r["handovers"]) for r in inbox] == [
        (moved, "unfounded", 1)]

    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, views.log)
