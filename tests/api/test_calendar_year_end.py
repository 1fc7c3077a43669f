"""People at the year's end: a department files on 21 December with no calendar for the new
year; the official, the operator and the API show the deadline as waiting, never as an error or
a wrong date; the administrator is warned and publishes the year from the page."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.calendar import WorkingCalendar
from ledger.events import Role
from tests.support.api import Api, Views, csrf, sign_in
from tests.support.world import FakeClock, filing

NEW_YEAR = WorkingCalendar().package_years[1] + 1
FILED_ON = date(NEW_YEAR - 1, 12, 21)


def file_in_december(api: Api, clock: FakeClock) -> str:
    clock.set_date(FILED_ON)
    body = filing(1, decision_date=date(NEW_YEAR - 1, 12, 18)).model_dump(mode="json")
    answer = api.client.post("/api/v1/records", json=body,
                             headers=api.headers(Role.SOURCE_DEPARTMENT))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["record_id"])


def test_a_filing_on_21_december_is_accepted_and_its_deadline_waits_for_the_new_year(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    rid = file_in_december(api, clock)
    views.catch_up()

    # the API says what the deadline is and what will fix its date
    record = api.client.get(f"/api/v1/records/{rid}",
                            headers=api.headers(Role.SUBJECT_OFFICIAL)).json()
    explanation = next(d for d in record["deadlines"] if d["key"] == "explanation")
    assert explanation["due"] is None and explanation["awaiting"] == [NEW_YEAR]
    assert explanation["note"] == (
        f"15 working days from {FILED_ON}; the date is fixed when the {NEW_YEAR} holiday "
        "calendar is published")
    board = api.client.get("/api/v1/deadlines", headers=api.headers(Role.OPERATOR)).json()
    assert [(d["key"], d["due"], d["awaiting"]) for d in board] == [
        ("explanation", None, [NEW_YEAR])]

    # the official's page says the same in Chinese
    sign_in(api, Role.SUBJECT_OFFICIAL)
    page = api.client.get("/subject").text
    assert f"自{FILED_ON}起15个工作日；{NEW_YEAR}年节假日安排公布后确定具体日期" in page

    # the operator's board lists it as waiting, with the banner, and so does its export
    sign_in(api, Role.OPERATOR)
    page = api.client.get("/deadlines", params={"lang": "en"}).text
    assert f"the date is fixed when the {NEW_YEAR} holiday calendar is published" in page
    assert f"publish the State Council holiday notice for {NEW_YEAR}" in page
    exported = api.client.get("/deadlines", params={"format": "csv", "lang": "zh"}).text
    assert f"{NEW_YEAR}年节假日安排公布后确定具体日期" in exported


def test_the_administrator_publishes_the_new_year_from_the_page_and_the_deadline_is_dated(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    rid = file_in_december(api, clock)
    status = api.client.get("/api/v1/calendar/status", headers=api.headers(Role.OPERATOR))
    assert status.json()["waiting"] == {str(NEW_YEAR): 1}
    assert status.json()["computable_until"] == f"{NEW_YEAR - 1}-12-31"
    assert status.json()["warning"] is not None

    sign_in(api, Role.ADMINISTRATOR)
    page = api.client.get("/admin/calendar")
    assert page.status_code == 200 and "工作日历仅覆盖至" in page.text
    form = {"csrf": csrf(page.text), "year": str(NEW_YEAR), "notice": "TEST DATA notice",
            "revision": "1"}

    # a typing mistake is named, and nothing is published
    wrong = api.client.post("/admin/calendar/years",
                            data=form | {"holidays": f"{NEW_YEAR}-01-01\n{NEW_YEAR}-13-01"})
    assert wrong.status_code == 422 and "holidays" in wrong.text
    assert not api.services.ledger.settings(fresh=True).calendar().covers(NEW_YEAR)

    published = api.client.post("/admin/calendar/years", data=form | {
        "holidays": f"{NEW_YEAR}-01-01\n{NEW_YEAR}-02-06~{NEW_YEAR}-02-12", "workdays": ""})
    assert published.status_code == 200 and "1个等待中的时限已确定截止日期" in published.text
    deadline = api.services.ledger.record(UUID(rid)).deadlines["explanation"]
    calendar = api.services.ledger.settings(fresh=True).calendar()
    assert deadline.due == calendar.add_working_days(FILED_ON, 15)

    views.catch_up()
    board = api.client.get("/api/v1/deadlines", headers=api.headers(Role.OPERATOR)).json()
    assert [(d["key"], d["due"]) for d in board] == [("explanation", str(deadline.due))]
