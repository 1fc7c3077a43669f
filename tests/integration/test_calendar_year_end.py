"""The last weeks of December: every fact is recorded though next year's calendar is not
published; its deadlines wait for that year, and publishing it dates them.

Runs on the in-memory and the PostgreSQL ledgers, with the ledger's clock pinned to the days
the scenario needs, so it passes on any day it is run.
"""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.errors import ValidationError
from ledger.proof.audit import Selection, export_bundle, replay_bundle
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from ledger.values import PeriodUnit
from tests.calendar_data import TEST_ADMIN
from tests.support.world import (
    DEPT,
    REVIEWER,
    SOURCE,
    FakeClock,
    filing,
    official,
    postgres_world,
)

LAST_PACKAGE_YEAR = WorkingCalendar().package_years[1]


def notice(year: int, revision: int = 1, *holidays: date) -> PublishedYear:
    """TEST DATA: a year with New Year's Day (and any given days) as holidays."""
    return PublishedYear(year=year, holidays=(date(year, 1, 1), *holidays), workdays=(),
                         notice=f"TEST DATA {year}, not a State Council notice",
                         revision=revision)


def publish(ledger: Ledger, year: PublishedYear) -> int:
    return ledger.publish_calendar_year(c.PublishCalendarYear(year=year), TEST_ADMIN)


def unpublished_next_year(ledger: Ledger) -> int:
    """The scenario's new year: 2027 while the package ends with 2026."""
    year = LAST_PACKAGE_YEAR + 1
    assert not ledger.settings(fresh=True).calendar().covers(year)
    return year


def test_a_department_files_in_late_december_and_publishing_the_new_year_dates_the_deadlines(
    world: Ledger, clock: FakeClock,
) -> None:
    ledger, new_year = world, unpublished_next_year(world)
    old_year = new_year - 1

    # 21 December: a court judgment is filed; its explanation reaches the new year
    clock.set_date(date(old_year, 12, 21))
    first = ledger.file_record(filing(1, decision_date=date(old_year, 12, 18),
                                      rectification={"requirement": "限期支付货款"}),
                               DEPT).record_id
    explanation = ledger.record(first).deadlines["explanation"]
    assert explanation.waiting and explanation.due is None
    assert explanation.awaiting == (new_year,)
    assert (explanation.starts_on, explanation.length, explanation.unit) == (
        date(old_year, 12, 21), 15, PeriodUnit.WORKING_DAYS)
    assert ledger.record(first).deadlines["rectification"].awaiting == (new_year,)

    # 5 January: another filing, and an objection to the first; nothing is refused
    clock.set_date(date(new_year, 1, 5))
    second = ledger.file_record(filing(2, decision_date=date(new_year, 1, 4)),
                                DEPT).record_id
    ledger.file_objection(c.FileObjection(record_id=first, grounds="事实认定有误"), official())
    assert ledger.record(second).deadlines["explanation"].awaiting == (new_year,)
    assert ledger.record(first).deadlines["objection-1-mark"].waiting
    assert ledger.calendar_status(date(new_year, 1, 5)).waiting == {new_year: 5}

    # the administrator publishes the new year (late); the due dates are recorded
    clock.set_date(date(new_year, 1, 6))
    log_before = len(ledger.timeline(first))
    assert publish(ledger, notice(new_year)) == 5
    calendar = ledger.settings(fresh=True).calendar()
    dated = ledger.record(first).deadlines["explanation"]
    assert dated.due == calendar.add_working_days(date(old_year, 12, 21), 15)
    assert dated.calendar_version == calendar.version
    assert f"+{new_year}r1" in dated.calendar_version
    assert ledger.record(first).deadlines["objection-1-mark"].due == date(new_year, 1, 6)
    assert ledger.record(second).deadlines["explanation"].due is not None
    facts = ledger.timeline(first)[log_before:]
    assert [type(e) for e in facts] == [ev.DeadlineDated] * 4
    assert [e.starts.key for e in facts if isinstance(e, ev.DeadlineDated) and e.starts] == [
        "explanation", "rectification", "objection-1-mark", "objection-1-case"]
    assert ledger.calendar_status(date(new_year, 1, 6)).waiting == {}

    # publishing the same notice again records nothing; a different list needs a new revision
    events_before = ledger.recorder.max_notification_id()
    assert publish(ledger, notice(new_year)) == 0
    assert ledger.recorder.max_notification_id() == events_before
    with pytest.raises(ValidationError) as refused:
        publish(ledger, notice(new_year, 1, date(new_year, 1, 2)))
    assert refused.value.field == "revision"
    assert publish(ledger, notice(new_year, 2, date(new_year, 1, 2))) == 0
    assert ledger.record(first).deadlines["explanation"] == dated  # a fixed date stays


def test_a_deadline_reaching_two_unpublished_years_waits_for_both(
    world: Ledger, clock: FakeClock,
) -> None:
    ledger, year = world, unpublished_next_year(world)
    # The reviewer forwards an objection on 30 December of a year nobody published yet: the
    # decision deadline counts through that year's last days into the next.
    clock.set_date(date(year, 12, 20))
    rid = ledger.file_record(filing(1, decision_date=date(year - 1, 12, 1)),
                             DEPT).record_id
    ledger.file_objection(c.FileObjection(record_id=rid, grounds="异议"), official())
    ledger.mark_objection(c.MarkObjection(record_id=rid, number=1), REVIEWER)
    ledger.accept_objection(c.AcceptObjection(record_id=rid, number=1), REVIEWER)
    clock.set_date(date(year, 12, 30))
    ledger.forward_objection(c.ForwardObjection(
        record_id=rid, number=1, to=SOURCE),
        REVIEWER)
    decision = ledger.record(rid).deadlines["objection-1-decision"]
    assert decision.awaiting == (year, year + 1)

    # the year's notice is published: the objection's whole-case deadline (7 working days
    # from 20 December) is dated; the decision's count stops in the next year, and waits for it
    assert publish(ledger, notice(year)) == 1
    still = ledger.record(rid).deadlines["objection-1-decision"]
    assert still.waiting and still.awaiting == (year + 1,)
    assert ledger.record(rid).deadlines["explanation"].awaiting == (year + 1,)

    assert publish(ledger, notice(year + 1)) == 2
    assert ledger.record(rid).deadlines["objection-1-decision"].due == (
        ledger.settings(fresh=True).calendar().add_working_days(date(year, 12, 30), 5))


def test_the_audit_bundle_replays_the_due_date_recorded_later_with_its_calendar(
    pg_url: str, clock: FakeClock,
) -> None:
    ledger = postgres_world(pg_url, clock)
    new_year = unpublished_next_year(ledger)
    clock.set_date(date(new_year - 1, 12, 21))
    rid = ledger.file_record(filing(1, decision_date=date(new_year - 1, 12, 18)),
                             DEPT).record_id
    clock.set_date(date(new_year, 1, 4))
    publish(ledger, notice(new_year))
    dated = ledger.record(rid).deadlines["explanation"]
    sealer = Sealer(pg_url, LogTable.of(ledger), key=Ed25519PrivateKey.generate(), clock=clock)
    sealer.seal_pending()
    sealer.issue_head()

    bundle = export_bundle(ledger, pg_url, Selection(record=rid))
    assert verify_bundle(bundle, trusted_key=sealer.public_key).ok
    assert dated.calendar_version in bundle["calendar_versions"]
    [replayed] = replay_bundle(bundle)
    assert replayed["open_deadlines"]["explanation"] == str(dated.due)
    topics = [e["topic"] for e in bundle["events"]]
    assert topics.index("ledger.record_events:DeadlineAwaitsCalendar") < topics.index(
        "ledger.record_events:DeadlineDated")
    ledger.close()
