"""Administrators administer, not records: an administrator's token files, withdraws and
decides nothing, in the ledger or through the API and pages.

Before, the ledger let an administrator take any step of any record (``require_role`` passed
every administrator), so the ledger tests and the review-page test failed on that code; the
API's own routes already refused administrators at their gates.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import PermissionDeniedError
from ledger.events import Role
from ledger.values import StepStatus
from tests.calendar_data import weekends_only_year
from tests.support.api import Api, csrf, sign_in
from tests.support.world import (
    ADMIN,
    DEPT,
    FakeClock,
    filing,
    forwarded_objection,
    memory_world,
    official,
    uscc,
)


@pytest.fixture
def world(clock: FakeClock) -> Iterator[Ledger]:
    ledger = memory_world(clock)
    yield ledger
    ledger.close()


def record_with_a_forwarded_objection(ledger: Ledger) -> tuple[UUID, int]:
    rid = ledger.file_record(filing(), DEPT).record_id
    return rid, forwarded_objection(ledger, rid, "罚款金额有误")


def test_an_administrator_cannot_file_a_record_in_the_ledger(world: Ledger) -> None:
    with pytest.raises(PermissionDeniedError):
        world.file_record(filing(), ADMIN)


def test_an_administrator_cannot_withdraw_a_departments_record_in_the_ledger(
    world: Ledger,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    with pytest.raises(PermissionDeniedError):
        world.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="撤销"), ADMIN)
    assert world.record(rid).is_active


def test_an_administrator_cannot_decide_an_objection_or_take_a_reviewers_step_in_the_ledger(
    world: Ledger,
) -> None:
    rid, n = record_with_a_forwarded_objection(world)
    with pytest.raises(PermissionDeniedError):
        world.decide_objection(c.DecideObjection(
            record_id=rid, number=n, outcome="upheld", reasons="维持"), ADMIN)
    second = world.file_record(filing(2), DEPT).record_id
    m = world.file_objection(c.FileObjection(record_id=second, grounds="事实不清"), official())
    with pytest.raises(PermissionDeniedError):
        world.mark_objection(c.MarkObjection(record_id=second, number=m), ADMIN)
    assert world.record(second).objections[m].status is StepStatus.FILED  # never marked


def test_an_administrator_still_registers_subjects_and_publishes_calendar_years(
    world: Ledger,
) -> None:
    code = uscc("11350200MB00009")
    world.register_body(c.RegisterBody(credit_code=code, name="厦门市财政局",
                                       region_code="350200"), ADMIN)
    world.publish_calendar_year(c.PublishCalendarYear(year=weekends_only_year(2031)), ADMIN)

    assert world.body(code).name == "厦门市财政局"
    assert world.settings(fresh=True).calendar().covers(2031)


def test_an_administrator_token_is_refused_filing_withdrawing_and_deciding_on_the_api(
    api: Api,
) -> None:
    ledger = api.services.ledger
    rid, n = record_with_a_forwarded_objection(ledger)
    version = ledger.record(rid).version
    admin = api.headers(Role.ADMINISTRATOR)

    filed = api.client.post("/api/v1/records", headers=admin,
                            json=filing(2).model_dump(mode="json"))
    withdrawn = api.client.post(f"/api/v1/records/{rid}/withdrawal", headers=admin,
                                json={"reasons": "撤销"})
    decided = api.client.post(f"/api/v1/records/{rid}/objections/{n}/decision", headers=admin,
                              json={"outcome": "upheld", "reasons": "维持"})

    assert [filed.status_code, withdrawn.status_code, decided.status_code] == [403, 403, 403]
    assert ledger.record(rid).version == version


def test_an_administrator_sees_the_review_queue_but_cannot_mark_an_objection_from_it(
    api: Api,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id
    n = ledger.file_objection(c.FileObjection(record_id=rid, grounds="罚款金额有误"), official())
    sign_in(api, Role.ADMINISTRATOR)
    page = api.client.get("/review")

    marked = api.client.post(f"/review/records/{rid}/mark",
                             data={"number": str(n), "csrf": csrf(page.text)},
                             follow_redirects=False)

    assert page.status_code == 200
    assert marked.status_code == 403
    assert ledger.record(rid).objections[n].status is StepStatus.FILED  # never marked
