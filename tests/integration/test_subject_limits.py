"""Limits that hold for a subject, not for one record: the repeat-repair limit counts a
subject's applications under a rule set; a person's sanction periods have one cap.

Runs on the in-memory and the PostgreSQL ledgers.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import LifecycleError
from ledger.rules import builtin_rule_sets
from tests.support.world import (
    ADMIN,
    DEPT,
    PERSON_ID,
    REVIEWER,
    SOURCE,
    FakeClock,
    filing,
    official,
)


def publish_repeat_limit(ledger: Ledger, limit: int) -> None:
    """A provincial rule set, in force from 2 April 2026, allowing ``limit`` applications."""
    order_36 = next(r for r in builtin_rule_sets() if r.id == "ndrc-order-36")
    ours = order_36.model_copy(update={"id": "fujian-2026", "title": "福建省信用修复细则",
                                       "effective_from": date(2026, 4, 2),
                                       "repair_repeat_limit": limit})
    ledger.publish_rule_set(c.PublishRuleSet(rule_set=ours), ADMIN)


def apply(ledger: Ledger, rid: UUID) -> int:
    return ledger.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="信用承诺"),
                                   official())


def test_the_repeat_repair_limit_counts_a_subjects_applications_on_all_its_records(
    world: Ledger, clock: FakeClock,
) -> None:
    publish_repeat_limit(world, 1)
    first = world.file_record(filing(1), DEPT).record_id
    second = world.file_record(filing(2), DEPT).record_id
    assert world.record(second).rule_set_id == "fujian-2026"
    clock.set_date(date(2026, 7, 21))  # after both minimum publicity periods

    number = apply(world, first)
    world.forward_repair(c.ForwardRepair(record_id=first, number=number, to=SOURCE), REVIEWER)
    world.decide_repair(c.DecideRepair(record_id=first, number=number, approved=False,
                                       reasons="未完成整改"), DEPT)
    # the body has used its one application under the rule set: not again on another record
    with pytest.raises(LifecycleError, match="at most 1 repair application"):
        apply(world, second)
    assert world.record(second).repairs == {}


def test_the_repeat_repair_limit_of_one_rule_set_leaves_records_under_another_alone(
    world: Ledger, clock: FakeClock,
) -> None:
    publish_repeat_limit(world, 1)
    clock.set_date(date(2026, 3, 20))  # filed under NDRC Order 58, which sets no limit
    older = world.file_record(filing(1, decision_date=date(2026, 3, 2)), DEPT).record_id
    clock.set_date(date(2026, 5, 6))
    newer = world.file_record(filing(2), DEPT).record_id
    clock.set_date(date(2026, 7, 21))

    apply(world, newer)
    assert apply(world, older) == 1  # another rule set: its own count
    assert world.record(older).rule_set_id == "ndrc-order-58"


def file_about_the_person(ledger: Ledger, number: int, months: int) -> UUID:
    return ledger.file_record(filing(
        number, subject_type="civil_servant", subject_code=None, subject_citizen_id=PERSON_ID,
        sanctions=[{"kind": "promotion_restriction", "months": months}]), DEPT).record_id


def test_a_persons_sanction_cap_counts_the_sanctions_in_force_on_all_their_records(
    world: Ledger,
) -> None:
    file_about_the_person(world, 1, 24)
    second = file_about_the_person(world, 2, 18)
    # 24 + 18 months in force; six more reach the cap of 48, twelve more would pass it
    with pytest.raises(LifecycleError, match="48") as over:
        world.impose_sanction(c.ImposeSanction(record_id=second, order={
            "kind": "public_criticism", "months": 12}), DEPT)
    assert over.value.field == "months"
    world.impose_sanction(c.ImposeSanction(record_id=second, order={
        "kind": "public_criticism", "months": 6}), DEPT)
    assert len(world.record(second).sanctions) == 2

    # a filing that would pass the cap is refused as well
    with pytest.raises(LifecycleError, match="48"):
        file_about_the_person(world, 3, 6)


def test_a_withdrawn_record_no_longer_counts_towards_the_persons_sanction_cap(
    world: Ledger,
) -> None:
    first = file_about_the_person(world, 1, 24)
    second = file_about_the_person(world, 2, 24)
    with pytest.raises(LifecycleError, match="48"):
        world.impose_sanction(c.ImposeSanction(record_id=second, order={
            "kind": "public_criticism", "months": 6}), DEPT)
    world.withdraw_record(c.WithdrawRecord(record_id=first, reasons="决定撤销"), DEPT)
    world.impose_sanction(c.ImposeSanction(record_id=second, order={
        "kind": "public_criticism", "months": 6}), DEPT)
    assert len(world.record(second).sanctions) == 2
