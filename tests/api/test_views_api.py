"""The views over HTTP: the record list, a body's status and evaluation, region evaluation,
early warnings and deadlines due within N working days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger import commands as c
from ledger.events import Actor, Role
from tests.support.api import Api, Views
from tests.support.world import BODY_CODE, DEPT, PARENT_CODE, FakeClock, filing, uscc

OTHER_SOURCE = uscc("11350000MB09999")


def test_an_auditor_lists_the_records_of_a_city_with_its_counties_but_not_pingtan(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    gulou = ledger.file_record(filing(1), DEPT).record_id
    changle_old_code = ledger.file_record(filing(2, region_code="350182",
                                                 decision_date=date(2016, 3, 1)), DEPT).record_id
    pingtan = ledger.file_record(filing(3, region_code="350128"), DEPT).record_id
    xiamen = ledger.file_record(filing(4, region_code="350203"), DEPT).record_id
    ledger.withdraw_record(c.WithdrawRecord(record_id=xiamen, reasons="决定已撤销"), DEPT)
    views.catch_up()
    auditor = api.headers(Role.AUDITOR)

    fuzhou = api.client.get("/api/v1/records", params={"region": "350100"}, headers=auditor)
    province = api.client.get("/api/v1/records", params={"region": "350000"}, headers=auditor)
    withdrawn = api.client.get("/api/v1/records", params={"status": "withdrawn"}, headers=auditor)
    first = api.client.get("/api/v1/records", params={"per_page": 1}, headers=auditor)

    assert fuzhou.status_code == 200
    assert {r["record_id"] for r in fuzhou.json()["items"]} == {str(gulou), str(changle_old_code)}
    assert province.json()["total"] == 4
    assert str(pingtan) in {r["record_id"] for r in province.json()["items"]}
    assert [r["record_id"] for r in withdrawn.json()["items"]] == [str(xiamen)]
    assert first.json()["total"] == 4 and len(first.json()["items"]) == 1


def test_an_official_lists_only_their_own_bodys_records(api: Api, views: Views) -> None:
    ledger = api.services.ledger
    own = ledger.file_record(filing(1), DEPT).record_id
    ledger.file_record(filing(2, subject_code=PARENT_CODE, region_code="350100"), DEPT)
    views.catch_up()
    official = api.headers(Role.SUBJECT_OFFICIAL)

    mine = api.client.get("/api/v1/records", headers=official)
    theirs = api.client.get("/api/v1/records", params={"subject": PARENT_CODE}, headers=official)

    assert [r["record_id"] for r in mine.json()["items"]] == [str(own)]
    assert theirs.status_code == 403


def test_a_source_department_lists_only_the_records_it_filed(api: Api, views: Views) -> None:
    ledger = api.services.ledger
    ours = ledger.file_record(filing(1), DEPT).record_id
    court = Actor(id="court-1", role=Role.SOURCE_DEPARTMENT, subject=OTHER_SOURCE)
    ledger.file_record(filing(2, source={"name": "福州市中级人民法院", "code": OTHER_SOURCE}),
                       court)
    views.catch_up()

    listed = api.client.get("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT))

    assert [r["record_id"] for r in listed.json()["items"]] == [str(ours)]


def test_a_reviewer_reads_a_bodys_status_and_evaluation_by_its_credit_code(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    for n in (1, 2):
        ledger.file_record(filing(n, severity="serious"), DEPT)
    views.catch_up()
    reviewer, official = api.headers(Role.PLATFORM_REVIEWER), api.headers(Role.SUBJECT_OFFICIAL)

    status = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE.lower()}/status",
                            headers=reviewer)
    scored = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}/evaluation", headers=reviewer)
    clean = api.client.get(f"/api/v1/subjects/bodies/{PARENT_CODE}/evaluation",
                           headers=reviewer)
    not_theirs = api.client.get(f"/api/v1/subjects/bodies/{PARENT_CODE}/status",
                                headers=official)
    own = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}/evaluation", headers=official)

    assert status.status_code == 200 and status.json()["records"] == 2
    assert status.json()["counts"] == {"in_force": {"serious": 2}}
    assert Decimal(scored.json()["score"]) == 80  # 100 − 2 × 10
    assert scored.json()["grade"] == "B"
    assert [w["rule_id"] for w in scored.json()["warnings"]] == ["body-serious-records"]
    assert Decimal(clean.json()["score"]) == 100 and clean.json()["metrics"]["records"] == 0
    assert not_theirs.status_code == 404 and own.status_code == 200


def test_an_operator_sees_a_county_bodys_warning_within_its_city_and_not_elsewhere(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    clock.set_date(date(2026, 12, 1))  # version 2: a region scores the mean of its bodies
    ledger = api.services.ledger
    for n in (1, 2):
        ledger.file_record(filing(n, severity="serious"), DEPT)
    views.catch_up()
    operator = api.headers(Role.OPERATOR)

    def raised(**params: str) -> list[tuple[str, str]]:
        found = api.client.get("/api/v1/warnings", params=params, headers=operator)
        assert found.status_code == 200
        return [(w["rule_id"], w["code"]) for w in found.json()]

    assert raised(region="350100") == [("body-serious-records", BODY_CODE)]
    assert raised() == raised(region="350000") == raised(kind="body")
    assert raised(region="350200") == raised(region="350128") == raised(kind="region") == []
    county = api.client.get("/api/v1/regions/350102/evaluation", headers=operator).json()
    assert county["metrics"]["in_force_serious"] == 2
    assert Decimal(county["score"]) == 80 and county["bodies"] == 1  # its body: 100 − 2 × 10


def test_an_operator_asks_for_deadlines_due_within_n_working_days(
    api: Api, views: Views,
) -> None:
    api.services.ledger.file_record(filing(rectification={"requirement": "整改"}), DEPT)
    views.catch_up()
    operator = api.headers(Role.OPERATOR)

    def due(**params: int) -> list[str]:
        found = api.client.get("/api/v1/deadlines", params=params, headers=operator)
        return [d["due"] for d in found.json()]

    # The explanation is due on 2026-05-26, 15 working days after 2026-05-06.
    assert due(within=14) == []
    assert due(within=15) == ["2026-05-26"]
    assert due() == ["2026-05-26", "2026-06-05"]
