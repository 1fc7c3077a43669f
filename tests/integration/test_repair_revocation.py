"""A repair obtained with false material is revoked by the authority that approved it: the
record is shown again until its original publicity end, the sanctions the repair lifted come
back while their period runs, and the subject may not apply for repair again for the rule set's
period (24 months: NDRC Order 58, art. 20).

Runs on the in-memory and the PostgreSQL ledgers; the views on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.errors import LifecycleError, PermissionDeniedError
from ledger.events import Actor, Role
from ledger.proof.audit import Selection, export_bundle, replay_bundle
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from ledger.values import RecordStatus, StepStatus
from projections import disclosure, records, subjects
from tests.support.projections import Projections, rebuilt_snapshot, snapshot
from tests.support.world import DEPT, REVIEWER, SOURCE, FakeClock, filing, official, uscc
from workflows.horizons import PUBLICITY, MemoryHorizons, horizon_changes, sanction

AUTHORITY_CODE = uscc("11350000MB05678")
AUTHORITY = {"name": "福建省财政厅", "code": AUTHORITY_CODE}
AUTHORITY_DEPT = Actor(id="dept-fj-finance", role=Role.SOURCE_DEPARTMENT,
                       subject=AUTHORITY_CODE)
# a six-month sanction ends before the revocation, a twelve-month one runs past it
SANCTIONS = [{"kind": "public_criticism", "months": 6},
             {"kind": "honours_disqualification", "months": 12}]
APPROVED_ON, REVOKED_ON = date(2026, 7, 21), date(2026, 11, 2)


def repaired(ledger: Ledger, clock: FakeClock, number: int = 1, *,
             decider: dict[str, str] = SOURCE, by: Actor = DEPT) -> UUID:
    """A record filed on 2026-05-06 and repaired on 2026-07-21, the day after its minimum
    publicity period, by ``decider``."""
    rid = ledger.file_record(filing(number, deciding_authority=decider, sanctions=SANCTIONS),
                             DEPT).record_id
    clock.set_date(APPROVED_ON)
    n = ledger.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="信用承诺"),
                                official())
    ledger.forward_repair(c.ForwardRepair(record_id=rid, number=n, to=decider), REVIEWER)
    ledger.decide_repair(c.DecideRepair(record_id=rid, number=n, approved=True,
                                        reasons="已整改"), by)
    return rid


def revoke(ledger: Ledger, rid: UUID, by: Actor = DEPT, number: int = 1) -> None:
    ledger.revoke_repair(c.RevokeRepair(
        record_id=rid, number=number, reasons="申请材料中的整改报告系伪造",
        finding="闽纪核〔2026〕9号"), by)


def test_a_revoked_repair_shows_the_record_again_restores_sanctions_and_bars_reapplying(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = repaired(world, clock)
    record = world.record(rid)
    assert record.status is RecordStatus.REPAIRED and not record.published
    assert all(s.lifted for s in record.sanctions.values())

    clock.set_date(REVOKED_ON)
    revoke(world, rid)
    record = world.record(rid)
    assert record.status is RecordStatus.IN_FORCE and record.published
    assert record.publicity_max_end == date(2027, 4, 20)  # its original end, not moved
    assert record.repairs[1].status is StepStatus.REVOKED
    # the twelve-month sanction runs until 2027-04-20 and is back; the six-month one ended
    assert {n: s.lifted for n, s in record.sanctions.items()} == {1: True, 2: False}
    assert record.repair_barred_until == date(2028, 11, 2)
    revoked = next(e for e in world.timeline(rid) if isinstance(e, ev.RepairRevoked))
    assert (revoked.finding, revoked.barred_until) == ("闽纪核〔2026〕9号", date(2028, 11, 2))
    restored = [e for e in world.timeline(rid) if isinstance(e, ev.SanctionRestored)]
    assert [(e.number, e.ends_on) for e in restored] == [(2, date(2027, 4, 20))]

    # the auditor reads the record before the revocation as it was: repaired
    before = world.record_as_of(rid, revoked.timestamp - timedelta(seconds=1))
    assert before.status is RecordStatus.REPAIRED

    # the sweep ends the publicity window and the sanction again
    horizons = MemoryHorizons()
    for event in world.timeline(rid):
        horizons.apply(horizon_changes(event))
    assert horizons.rows == {(rid, PUBLICITY): date(2027, 4, 20),
                             (rid, sanction(2)): date(2027, 4, 20)}

    with pytest.raises(LifecycleError, match="revoked for false material"):
        world.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="再次承诺"),
                               official())
    with pytest.raises(LifecycleError, match="revoked"):
        revoke(world, rid)


def test_the_bar_holds_for_every_record_of_the_subject_until_its_last_day(
    world: Ledger, clock: FakeClock,
) -> None:
    other = world.file_record(filing(2, severity="serious"), DEPT).record_id  # shown 3 years
    rid = repaired(world, clock)
    clock.set_date(REVOKED_ON)
    revoke(world, rid)

    clock.set_date(date(2028, 11, 2))
    with pytest.raises(LifecycleError, match="until after 2028-11-02"):
        world.apply_for_repair(c.ApplyForRepair(record_id=other, commitment="承诺"), official())
    clock.set_date(date(2028, 11, 3))
    assert world.apply_for_repair(c.ApplyForRepair(record_id=other, commitment="承诺"),
                                  official()) == 1


def test_only_the_authority_that_approved_the_repair_may_revoke_it(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = repaired(world, clock, decider=AUTHORITY, by=AUTHORITY_DEPT)
    clock.set_date(REVOKED_ON)
    # the department that filed the record did not approve the repair
    with pytest.raises(PermissionDeniedError, match="only that organisation"):
        revoke(world, rid, DEPT)
    stranger = Actor(id="dept-x", role=Role.SOURCE_DEPARTMENT, subject=uscc("11350000MB09999"))
    with pytest.raises(PermissionDeniedError):
        revoke(world, rid, stranger)
    for who in (REVIEWER, official()):
        with pytest.raises(PermissionDeniedError):
            revoke(world, rid, who)
    assert world.record(rid).status is RecordStatus.REPAIRED

    revoke(world, rid, AUTHORITY_DEPT)
    assert world.record(rid).status is RecordStatus.IN_FORCE


def test_a_refused_repair_or_a_record_withdrawn_since_cannot_be_revoked(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = world.file_record(filing(1), DEPT).record_id
    clock.set_date(APPROVED_ON)
    n = world.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"), official())
    world.forward_repair(c.ForwardRepair(record_id=rid, number=n, to=SOURCE), REVIEWER)
    world.decide_repair(c.DecideRepair(record_id=rid, number=n, approved=False,
                                       reasons="未整改"), DEPT)
    with pytest.raises(LifecycleError, match="refused"):
        revoke(world, rid)

    other = world.file_record(filing(2), DEPT).record_id
    world.mark_reconsideration(c.MarkReconsideration(
        record_id=other, kind="litigation", case_number="(2026)闽01行初2号"), DEPT)
    n = world.apply_for_repair(c.ApplyForRepair(record_id=other, commitment="承诺"),
                               official())
    world.forward_repair(c.ForwardRepair(record_id=other, number=n, to=SOURCE), REVIEWER)
    world.decide_repair(c.DecideRepair(record_id=other, number=n, approved=True,
                                       reasons="已整改"), DEPT)
    world.conclude_reconsideration(c.ConcludeReconsideration(record_id=other,
                                                             outcome="revoked"), DEPT)
    world.withdraw_record(c.WithdrawRecord(record_id=other, reasons="判决撤销"), DEPT)
    with pytest.raises(LifecycleError, match="withdrawn"):
        revoke(world, other)


def test_every_view_shows_the_record_again_and_equals_a_rebuild(
    app: Ledger, views: Projections, clock: FakeClock, pg_url: str,
) -> None:
    rid = repaired(app, clock)
    views.catch_up()
    subject_id = app.record(rid).content.subject_id
    with views.connect() as conn:
        assert disclosure.disclosed_record(conn, rid, today=REVOKED_ON) is None
        status = subjects.subject_status(conn, subject_id, today=REVOKED_ON)
        assert status is not None and status.sanctions_in_force == []

    clock.set_date(REVOKED_ON)
    revoke(app, rid)
    views.catch_up()
    with views.connect() as conn:
        shown = disclosure.disclosed_record(conn, rid, today=REVOKED_ON)
        assert shown is not None and shown.publicity_max_end == date(2027, 4, 20)
        assert disclosure.disclosed_record(conn, rid, today=date(2027, 4, 21)) is None
        state = records.record_view(conn, rid)
        assert state is not None and (state.status, state.published) == ("in_force", True)
        status = subjects.subject_status(conn, subject_id, today=REVOKED_ON)
        assert status is not None and [s.number for s in status.sanctions_in_force] == [2]
    assert snapshot(pg_url, "views") == rebuilt_snapshot(pg_url, views.log)


def test_the_audit_bundle_replays_the_revocation(app: Ledger, clock: FakeClock,
                                                 pg_url: str) -> None:
    rid = repaired(app, clock)
    clock.set_date(REVOKED_ON)
    revoke(app, rid)
    sealer = Sealer(pg_url, LogTable.of(app), key=Ed25519PrivateKey.generate(), clock=clock)
    sealer.seal_pending()
    sealer.issue_head()

    bundle = export_bundle(app, pg_url, Selection(record=rid))
    assert verify_bundle(bundle, trusted_key=sealer.public_key).ok
    [replayed] = replay_bundle(bundle)
    assert (replayed["status"], replayed["published"]) == ("in_force", True)
    assert "ledger.record_events:RepairRevoked" in [e["topic"] for e in bundle["events"]]
