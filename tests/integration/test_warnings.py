"""Early warnings as facts, on the in-memory and PostgreSQL ledgers: the formula raises one with
its inputs, raising again changes nothing while it is open, the region's operator (or one above)
acknowledges it, records the follow-up and its result, and a warning nobody acknowledged in time
is escalated to the region above."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.application import Ledger
from ledger.errors import LifecycleError, PermissionDeniedError, ValidationError
from ledger.warning_events import FollowUp, WarningState
from tests.support.registers import (
    CITY_OPERATOR,
    COUNTY_OPERATOR,
    PROVINCE_OPERATOR,
    XIAMEN_OPERATOR,
    low_region,
    overdue_body,
)
from tests.support.world import REVIEWER, SYSTEM, FakeClock

TODAY = date(2026, 5, 6)


def test_a_warning_the_formula_raises_is_recorded_with_its_inputs_once(world: Ledger) -> None:
    [wid] = world.raise_warnings(TODAY, "fj-2026-v2", [overdue_body()], SYSTEM)
    warning = world.early_warning(wid)

    assert (warning.rule_id, warning.formula_id, warning.raised_on) == (
        "body-overdue-deadlines", "fj-2026-v2", TODAY)
    assert (warning.region_code, warning.above) == ("350102", "350100")
    assert warning.metrics == {"records": 4, "overdue_own_deadlines": 3}
    assert warning.value == Decimal(3) and warning.state is WarningState.OPEN
    # five working days, Saturday 9 May a working day after the May Day holiday
    assert warning.deadlines["acknowledgement"].due == date(2026, 5, 12)
    # the same day again (a retry), and the next day while still raised: the same warning
    assert world.raise_warnings(TODAY, "fj-2026-v2", [overdue_body()], SYSTEM) == []
    assert world.raise_warnings(TODAY + timedelta(days=1), "fj-2026-v2", [overdue_body(4)],
                                SYSTEM) == []
    assert world.early_warning(wid).value == Decimal(3)


def test_the_regions_operator_acknowledges_follows_up_and_records_the_result(
    world: Ledger, clock: FakeClock,
) -> None:
    [wid] = world.raise_warnings(TODAY, "fj-2026-v2", [overdue_body()], SYSTEM)

    world.acknowledge_warning(wid, COUNTY_OPERATOR, "已收到")
    assert world.early_warning(wid).state is WarningState.ACKNOWLEDGED
    assert world.early_warning(wid).deadlines == {}
    with pytest.raises(ValidationError) as blank:
        world.record_warning_follow_up(wid, CITY_OPERATOR, FollowUp.NONE, "  ")
    assert blank.value.field == "reasons"
    world.record_warning_follow_up(wid, CITY_OPERATOR, FollowUp.INTERVIEW, "约谈局主要负责人")
    clock.advance(days=20)
    world.record_warning_result(wid, COUNTY_OPERATOR, "逾期事项已全部办结")

    closed = world.early_warning(wid)
    assert closed.state is WarningState.CLOSED and closed.follow_up is FollowUp.INTERVIEW
    # closed, the rule crossed again raises the next warning, once
    later = date(2026, 6, 1)
    [again] = world.raise_warnings(later, "fj-2026-v2", [overdue_body()], SYSTEM)
    assert again != wid and world.early_warning(again).number == 2
    assert world.raise_warnings(later, "fj-2026-v2", [overdue_body()], SYSTEM) == []


def test_only_an_operator_of_the_region_or_above_acts_on_a_warning(world: Ledger) -> None:
    [wid] = world.raise_warnings(TODAY, "fj-2026-v2", [low_region()], SYSTEM)

    for stranger in (XIAMEN_OPERATOR, COUNTY_OPERATOR, REVIEWER):
        with pytest.raises(PermissionDeniedError):
            world.acknowledge_warning(wid, stranger)
    with pytest.raises(LifecycleError):
        world.record_warning_follow_up(wid, CITY_OPERATOR, FollowUp.CIRCULAR, "通报")
    world.acknowledge_warning(wid, PROVINCE_OPERATOR)
    with pytest.raises(LifecycleError):
        world.acknowledge_warning(wid, CITY_OPERATOR)
    with pytest.raises(LifecycleError):
        world.record_warning_result(wid, CITY_OPERATOR, "整改完成")
    assert world.early_warning(wid).state is WarningState.ACKNOWLEDGED


def test_a_warning_left_unacknowledged_past_its_working_days_is_escalated_above(
    world: Ledger, clock: FakeClock,
) -> None:
    [wid] = world.raise_warnings(TODAY, "fj-2026-v2", [overdue_body()], SYSTEM)
    clock.set_date(date(2026, 5, 14))

    world.holder_step(wid, lambda h, s: h.miss(SYSTEM, clock(), "acknowledgement"))

    escalated = world.early_warning(wid)
    assert escalated.state is WarningState.ESCALATED and escalated.above == "350100"
    # still acknowledged late, and the city above may do it
    world.acknowledge_warning(wid, CITY_OPERATOR)
    assert world.early_warning(wid).state is WarningState.ACKNOWLEDGED


def test_a_provinces_warning_answers_to_the_province_itself(world: Ledger) -> None:
    [wid] = world.raise_warnings(TODAY, "fj-2026-v2", [low_region("350000", "福建省")],
                                 SYSTEM)
    assert world.early_warning(wid).above == "350000"
    with pytest.raises(PermissionDeniedError):
        world.acknowledge_warning(wid, CITY_OPERATOR)
