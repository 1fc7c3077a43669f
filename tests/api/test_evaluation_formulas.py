"""An administrator publishes an evaluation formula with an effective date: evaluations change
from that date only, and an evaluation taken on a day reads the same after a new formula."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.events import Role
from tests.support.api import Api, Views, file_on_the_api
from tests.support.registers import new_formula
from tests.support.world import BODY_CODE, FakeClock


def test_a_published_formula_scores_from_its_effective_date_and_snapshots_stay(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    admin, operator = api.headers(Role.ADMINISTRATOR), api.headers(Role.OPERATOR)
    clock.set_date(date(2026, 12, 15))
    file_on_the_api(api)
    views.catch_up()
    path = f"/api/v1/subjects/bodies/{BODY_CODE}/evaluation"
    before = api.client.get(path, headers=admin).json()
    assert (before["formula_id"], Decimal(before["score"])) == ("integrity-2026-v2", 96)
    taken = api.client.post("/api/v1/evaluations/snapshots", headers=operator)
    assert taken.status_code == 201 and taken.json()["recorded"] > 1, taken.text

    published = api.client.post("/api/v1/formulas", headers=admin, json=new_formula())
    assert published.status_code == 201, published.text
    ids = [f["id"] for f in api.client.get("/api/v1/formulas", headers=operator).json()]
    assert ids[-1] == "integrity-2027-v4"
    # not yet in force: today's evaluation keeps version 2
    assert api.client.get(path, headers=admin).json() == before

    clock.set_date(date(2027, 1, 4))
    after = api.client.get(path, headers=admin).json()
    assert (after["formula_id"], Decimal(after["score"])) == ("integrity-2027-v4", 90)
    on_the_day = api.client.get(path, headers=admin, params={"on": "2026-12-15"})
    assert on_the_day.status_code == 200 and on_the_day.json() == before
    region = api.client.get("/api/v1/regions/350000/evaluation", headers=admin,
                            params={"on": "2026-12-15"})
    assert region.status_code == 200 and region.json()["formula_id"] == "integrity-2026-v2"
    none_taken = api.client.get(path, headers=admin, params={"on": "2026-12-16"})
    assert none_taken.status_code == 404

    # taken again on the same day, the first snapshot stands
    clock.set_date(date(2026, 12, 15))
    assert api.client.post("/api/v1/evaluations/snapshots",
                           headers=operator).json()["recorded"] == 0


def test_a_formula_dated_today_or_earlier_or_invalid_is_refused_naming_the_field(
    api: Api, clock: FakeClock,
) -> None:
    admin = api.headers(Role.ADMINISTRATOR)
    clock.set_date(date(2026, 12, 15))
    for day in ("2026-12-14", "2026-12-15"):
        refused = api.client.post("/api/v1/formulas", headers=admin,
                                  json=new_formula(effective_from=day))
        assert refused.status_code == 422 and refused.json()["field"] == (
            "formula.effective_from"), refused.text
    taken = api.client.post("/api/v1/formulas", headers=admin,
                            json=new_formula(id="integrity-2026-v2"))
    assert taken.status_code == 422 and taken.json()["field"] == "formula.id"

    bad = new_formula()
    bad["body"]["floor"] = 200  # above the base of 100
    refused = api.client.post("/api/v1/formulas", headers=admin, json=bad)
    assert refused.status_code == 422 and refused.json()["field"] == "body.floor", (
        refused.text)
    unknown = new_formula(warnings=[{"id": "w", "applies_to": "body", "metric": "colour",
                                     "at_least": 1, "message": "m"}])
    refused = api.client.post("/api/v1/formulas", headers=admin, json=unknown)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "warnings.0.metric"
    for role in (Role.OPERATOR, Role.SOURCE_DEPARTMENT, Role.PLATFORM_REVIEWER):
        assert api.client.post("/api/v1/formulas", headers=api.headers(role),
                               json=new_formula()).status_code == 403
    assert [f["id"] for f in api.client.get("/api/v1/formulas", headers=admin).json()] == [
        "integrity-2026-v1", "integrity-2026-v2", "integrity-2027-v3"]
