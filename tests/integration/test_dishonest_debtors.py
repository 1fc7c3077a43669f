"""Dishonest judgment debtors (失信被执行人): a listing is removed within 3 working days of
performance and can be extended by one to three years (SPC 2017 rules, arts. 2 and 10).

Runs on the in-memory and the PostgreSQL ledgers.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from uuid import UUID

import pytest

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.errors import LifecycleError, ValidationError
from ledger.rules import RuleSet
from ledger.values import DeadlineKind
from tests.support.world import DEPT, SOURCE_CODE, FakeClock, filing
from workflows.horizons import PUBLICITY, MemoryHorizons, horizon_changes


def list_debtor(ledger: Ledger, number: int = 1) -> UUID:
    cmd = filing(number, category="dishonest_judgment_debtor", domain="other",
                 decision_content="纳入失信被执行人名单。")
    return ledger.file_record(cmd, DEPT).record_id


def horizon_of(ledger: Ledger, rid: UUID) -> date | None:
    horizons = MemoryHorizons()
    for event in ledger.timeline(rid):
        horizons.apply(horizon_changes(event))
    return horizons.rows.get((rid, PUBLICITY))


def test_a_debtor_who_performed_is_to_be_delisted_by_the_court_within_three_working_days(
    world: Ledger, clock: FakeClock,
) -> None:
    rid = list_debtor(world)
    clock.set_date(date(2026, 6, 1))
    world.record_performance(c.RecordPerformance(record_id=rid, performed_on=date(2026, 5, 29)),
                             DEPT)

    removal = world.record(rid).deadlines["listing-removal"]
    calendar = world.settings().calendar()
    assert removal.kind is DeadlineKind.LISTING_REMOVAL
    assert removal.party == SOURCE_CODE  # the court that listed the debtor, not the debtor
    assert removal.due == calendar.add_working_days(date(2026, 5, 29), 3)
    with pytest.raises(LifecycleError, match="already"):
        world.record_performance(c.RecordPerformance(record_id=rid), DEPT)
    with pytest.raises(LifecycleError, match="performed"):
        world.extend_listing(c.ExtendListing(record_id=rid, years=1, reasons="拒不履行"), DEPT)

    # the court removes the listing: the deadline is met
    world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="已履行，删除失信信息"), DEPT)
    record = world.record(rid)
    assert record.deadlines == {} and not record.published


def test_a_performance_dated_in_the_future_or_before_the_listing_is_refused(
    world: Ledger,
) -> None:
    rid = list_debtor(world)
    for performed_on in (date(2026, 5, 7), date(2026, 4, 19)):
        with pytest.raises(ValidationError) as refused:
            world.record_performance(c.RecordPerformance(record_id=rid,
                                                         performed_on=performed_on), DEPT)
        assert refused.value.field == "performed_on"
    assert "listing-removal" not in world.record(rid).deadlines


def test_a_listing_extended_by_two_years_ends_two_years_later_and_its_horizon_follows(
    world: Ledger,
) -> None:
    rid = list_debtor(world)
    assert world.record(rid).publicity_max_end == date(2028, 4, 20)  # listed for two years
    with pytest.raises(ValidationError) as too_long:
        world.extend_listing(c.ExtendListing(record_id=rid, years=4, reasons="情节严重"), DEPT)
    assert too_long.value.field == "years"

    world.extend_listing(c.ExtendListing(record_id=rid, years=2, reasons="暴力抗拒执行"), DEPT)
    record = world.record(rid)
    assert record.publicity_max_end == date(2030, 4, 20) and record.published
    assert horizon_of(world, rid) == date(2030, 4, 20)  # the expiry sweep waits for it
    extended = [e for e in world.timeline(rid) if isinstance(e, ev.ListingExtended)]
    assert [(e.years, e.reasons) for e in extended] == [(2, "暴力抗拒执行")]
    with pytest.raises(LifecycleError, match="once"):
        world.extend_listing(c.ExtendListing(record_id=rid, years=1, reasons="再次"), DEPT)


def test_performance_and_extension_are_refused_for_a_record_that_is_not_a_debtor_listing(
    world: Ledger,
) -> None:
    rid = world.file_record(filing(1), DEPT).record_id  # an administrative penalty
    with pytest.raises(LifecycleError, match="debtor"):
        world.record_performance(c.RecordPerformance(record_id=rid), DEPT)
    with pytest.raises(LifecycleError, match="debtor"):
        world.extend_listing(c.ExtendListing(record_id=rid, years=1, reasons="延长"), DEPT)
    assert not any(isinstance(e, ev.PerformanceRecorded | ev.ListingExtended)
                   for e in world.timeline(rid))


def test_a_rule_set_published_before_the_debtor_rules_existed_still_loads_with_their_defaults(
) -> None:
    text = (resources.files("ledger") / "data" / "rulesets" / "ndrc-order-36.json").read_text(
        encoding="utf-8")
    older = json.loads(text)
    del older["listing_removal_working_days"], older["listing_extension_max_years"]
    rules = RuleSet.model_validate(older)
    assert (rules.listing_removal_working_days, rules.listing_extension_max_years) == (3, 3)
