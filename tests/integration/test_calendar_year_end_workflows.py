"""A deadline that waited for the new year's calendar gets its workflow once the year is
published, and the reminders already due go out at once (time-skipping server).

The server starts on today's date, so the scenario takes the first 21 December still ahead of
it whose next year has no calendar, and publishes weekends-only test years up to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from ledger import commands as c
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.calendar import PublishedYear, WorkingCalendar
from ledger.clock import business_date
from tests.calendar_data import TEST_ADMIN, publish_test_years
from tests.support.engines import ServerClock, World, deadline_worker, server_on_its_day
from tests.support.world import DEPT, filing, memory_ledger, postgres_ledger, register_world
from workflows.inputs import start_of_day
from workflows.plans import ladder

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["memory", "postgres"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    clock = ServerClock()
    ledger = (memory_ledger(clock) if request.param == "memory"
              else postgres_ledger(request.getfixturevalue("pg_url"), clock))
    register_world(ledger)
    async with server_on_its_day(ledger, clock) as env, deadline_worker(env, ledger):
        yield World(env, ledger, clock)
    ledger.close()


def scenario_year(ledger: Ledger, today: date) -> int:
    """The year whose 21 December lies ahead and whose next year has no calendar."""
    year = max(today.year if today < date(today.year, 12, 21) else today.year + 1,
               WorkingCalendar().package_years[1])
    publish_test_years(ledger, *range(today.year, year + 1))
    assert not ledger.settings(fresh=True).calendar().covers(year + 1)
    return year


def new_year_notice(year: int) -> PublishedYear:
    """TEST DATA: New Year's Day as the only holiday."""
    return PublishedYear(year=year, holidays=(date(year, 1, 1),), workdays=(),
                         notice=f"TEST DATA {year}, not a State Council notice")


async def test_publishing_the_new_year_starts_the_waiting_deadline_and_sends_the_due_reminder(
    world: World,
) -> None:
    ledger, env = world.ledger, world.env
    year = scenario_year(ledger, business_date(world.clock.now))
    dispatcher = world.dispatcher()
    await dispatcher.catch_up()

    # 21 December: the filing is recorded; its explanation deadline waits for the new year
    world.clock.now = start_of_day(date(year, 12, 21)) + timedelta(hours=10)
    rid = ledger.file_record(filing(decision_date=date(year, 12, 18)), DEPT).record_id
    assert ledger.record(rid).deadlines["explanation"].awaiting == (year + 1,)
    await dispatcher.catch_up()
    assert dispatcher.started == 0
    with pytest.raises(RPCError) as missing:
        await world.handle(rid, "explanation").describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND

    # the notice is published the day after the last reminder was due
    settings = ledger.settings(fresh=True)
    rules = settings.rule_book().get(ledger.record(rid).rule_set_id)
    will_be = WorkingCalendar([*settings.calendar().published, new_year_notice(year + 1)])
    due = will_be.add_working_days(date(year, 12, 21), 15)
    last_reminder = ladder(ledger.record(rid).deadlines["explanation"].model_copy(
        update={"due": due}), rules, will_be).reminders[-1]
    published_on = last_reminder.on + timedelta(days=1)
    assert published_on <= due
    await env.sleep(start_of_day(published_on) + timedelta(hours=10)
                    - await env.get_current_time())
    world.clock.now = await env.get_current_time()
    assert ledger.publish_calendar_year(
        c.PublishCalendarYear(year=new_year_notice(year + 1)), TEST_ADMIN) == 1
    assert ledger.record(rid).deadlines["explanation"].due == due

    # the dispatcher starts the workflow, and the reminder already due goes out at once
    await dispatcher.catch_up()
    assert dispatcher.started == 1
    reminder = await reminder_sent(ledger, rid)
    assert business_date(reminder.timestamp) == published_on
    assert reminder.working_days_before == last_reminder.working_days_before
    assert (await world.handle(rid, "explanation").describe()).status is not None


async def reminder_sent(ledger: Ledger, rid: object) -> ev.ReminderSent:
    for _ in range(200):
        for event in ledger.timeline(rid):  # type: ignore[arg-type]
            if isinstance(event, ev.ReminderSent) and event.key == "explanation":
                return event
        await asyncio.sleep(0.1)
    raise AssertionError("no reminder was recorded")
