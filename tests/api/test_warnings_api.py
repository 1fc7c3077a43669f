"""An operator takes the day's evaluations and the warnings they raise are recorded once; the
region's operator (or one above) acknowledges each, records the follow-up and the result, over
the API and on /regions, and exports the warnings as CSV or xlsx."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api, Views, csrf, log_in, sign_in
from tests.support.world import BODY_CODE, DEPT, filing

BASE = "/api/v1/warnings/recorded"


def bound_operator(api: Api, region: str) -> dict[str, str]:
    token = api.services.tokens.create(Account(f"operator-{region}", Role.OPERATOR, region,
                                               f"operator of {region}"))
    return {"Authorization": f"Bearer {token}"}


def two_serious_records(api: Api, views: Views) -> None:
    """Two serious records in force on a Gulou body cross the rule body-serious-records."""
    for n in (1, 2):
        api.services.ledger.file_record(filing(n, severity="serious"), DEPT)
    views.catch_up()


def test_taking_the_evaluations_records_a_warning_once_and_its_region_acts_on_it(
    api: Api, views: Views,
) -> None:
    two_serious_records(api, views)
    operator = api.headers(Role.OPERATOR)

    taken = api.client.post("/api/v1/evaluations/snapshots", headers=operator)
    assert taken.status_code == 201 and taken.json()["warnings_raised"] == 1, taken.text
    again = api.client.post("/api/v1/evaluations/snapshots", headers=operator)
    assert again.json()["warnings_raised"] == 0
    views.catch_up()
    [warning] = api.client.get(BASE, headers=operator).json()
    assert (warning["rule_id"], warning["code"], warning["state"]) == (
        "body-serious-records", BODY_CODE, "open")
    assert (warning["region_code"], warning["above"], warning["value"]) == (
        "350102", "350100", "2")
    path = f"{BASE}/{warning['warning_id']}"

    xiamen, fuzhou = bound_operator(api, "350200"), bound_operator(api, "350100")
    assert api.client.get(BASE, headers=xiamen).json() == []
    assert api.client.get(path, headers=xiamen).status_code == 404
    assert api.client.post(f"{path}/acknowledgement", headers=xiamen,
                           json={}).status_code == 403
    assert api.client.post(f"{path}/acknowledgement", headers=fuzhou,
                           json={"note": "已收到"}).status_code == 204
    wrong = api.client.post(f"{path}/follow-up", headers=fuzhou,
                            json={"follow_up": "警告", "reasons": "约谈"})
    assert wrong.status_code == 422 and "follow_up" in wrong.text
    assert api.client.post(f"{path}/follow-up", headers=fuzhou, json={
        "follow_up": "interview", "reasons": "约谈局主要负责人"}).status_code == 204
    assert api.client.post(f"{path}/result", headers=fuzhou,
                           json={"result": "两起失信已整改"}).status_code == 204
    views.catch_up()

    closed = api.client.get(path, headers=api.headers(Role.AUDITOR)).json()
    assert (closed["state"], closed["follow_up"], closed["result"]) == (
        "closed", "interview", "两起失信已整改")
    rows = list(csv.reader(io.StringIO(api.client.get(
        f"{BASE}/export", headers=operator, params={"region": "350100"}).text)))
    assert rows[0][0] == "\ufeff预警日期" and len(rows) == 2 and rows[1][2] == BODY_CODE
    sheet = api.client.get(f"{BASE}/export", headers=operator, params={"format": "xlsx"})
    cells = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [row[2] for row in cells[1:]] == [BODY_CODE]


def test_an_operator_takes_the_evaluations_on_regions_and_works_a_warning_through_its_forms(
    api: Api, views: Views,
) -> None:
    two_serious_records(api, views)
    sign_in(api, Role.OPERATOR)
    page = api.client.get("/regions", params={"region": "350100"})
    assert "本地区暂无记录的预警" in page.text

    taken = api.client.post("/regions/evaluations", data={
        "csrf": csrf(page.text), "region": "350100"}, follow_redirects=False)
    assert taken.status_code == 303 and "raised=1" in taken.headers["location"]
    views.catch_up()
    board = api.client.get(taken.headers["location"])
    assert "新预警" in board.text and "待确认" in board.text
    [warning] = api.client.get(BASE, headers=api.headers(Role.OPERATOR)).json()
    path = f"/regions/warnings/{warning['warning_id']}"

    api.client.cookies.clear()
    assert log_in(api, api.services.tokens.create(Account(
        "operator-gulou", Role.OPERATOR, "350102", "鼓楼区操作员"))).status_code == 303
    shown = api.client.get(path)
    assert "机关严重失信记录达到预警线" in shown.text and "确认预警" in shown.text
    done = api.client.post(f"{path}/acknowledgement", data={"csrf": csrf(shown.text)},
                           follow_redirects=False)
    assert done.status_code == 303
    form = api.client.get(path)
    refused = api.client.post(f"{path}/follow-up", data={
        "csrf": csrf(form.text), "follow_up": "none", "reasons": " "})
    assert refused.status_code == 422 and "role=\"alert\"" in refused.text
    assert api.client.post(f"{path}/follow-up", data={
        "csrf": csrf(form.text), "follow_up": "none", "reasons": "两起记录已在整改期内"},
        follow_redirects=False).status_code == 303
    assert api.client.post(f"{path}/result", data={
        "csrf": csrf(form.text), "result": "整改完成"}, follow_redirects=False).status_code == 303
    views.catch_up()

    after = api.client.get("/regions", params={"region": "350102"})
    assert "已办结" in after.text and "不采取措施" in after.text
    exported = list(csv.reader(io.StringIO(api.client.get("/regions", params={
        "region": "350102", "table": "recorded", "format": "csv"}).text)))
    assert len(exported) == 2 and exported[1][11] == "已办结"
    # an operator of another city neither sees nor acts on it
    api.client.cookies.clear()
    assert log_in(api, api.services.tokens.create(Account(
        "operator-xiamen", Role.OPERATOR, "350200", "厦门市操作员"))).status_code == 303
    assert api.client.get(path).status_code == 404
