"""An operator imports third-party ratings and records a quarter's evaluation by hand; the
evaluation watchers read and export it over the API and on the pages."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl

from ledger.events import Role
from tests.support.api import Api, Views, csrf, file_on_the_api, sign_in
from tests.support.world import BODY_CODE, FakeClock

RATING = {"source": "福州大学公共管理学院", "subject_kind": "body", "subject_code": BODY_CODE,
          "period": "2026-Q4", "score": "72", "scale": "80", "document": "福大〔2026〕9号"}


def test_an_operator_imports_ratings_records_a_quarter_and_an_auditor_exports_it(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    operator, auditor = api.headers(Role.OPERATOR), api.headers(Role.AUDITOR)
    clock.set_date(date(2026, 12, 15))
    file_on_the_api(api)
    first = api.client.post("/api/v1/ratings", headers=operator, json=RATING)
    again = api.client.post("/api/v1/ratings", headers=operator, json=RATING)
    assert first.status_code == 201 and first.json()["created"], first.text
    assert not again.json()["created"] and again.json()["id"] == first.json()["id"]
    refused = api.client.post("/api/v1/ratings", headers=operator,
                              json=RATING | {"score": "60"})
    assert refused.status_code == 422 and refused.json()["field"] == "score"
    upload = ("source,subject_kind,subject_code,period,score,document\n"
              "省营商环境评估中心,region,350100,2026,88,闽评〔2026〕3号\n"
              "省营商环境评估中心,region,359999,2026,88,闽评〔2026〕3号\n")
    imported = api.client.post("/api/v1/ratings/import", headers=operator,
                               files={"file": ("ratings.csv", upload.encode(), "text/csv")})
    assert [(r["line"], r["status"], r["field"]) for r in imported.json()] == [
        (2, "filed", None), (3, "error", "subject_code")], imported.text
    views.catch_up()
    listed = api.client.get("/api/v1/ratings", headers=auditor, params={"region": "350100"})
    assert [(r["subject_code"], r["out_of_100"]) for r in listed.json()] == [
        (BODY_CODE, "90.00"), ("350100", "88.00")]

    # before the quarter ends it cannot be recorded
    early = api.client.post("/api/v1/evaluations/periods/2026-Q4", headers=operator)
    assert early.status_code == 422 and early.json()["field"] == "period"
    clock.set_date(date(2027, 1, 4))
    taken = api.client.post("/api/v1/evaluations/periods/2026-Q4", headers=operator)
    assert taken.status_code == 201 and taken.json()["recorded"], taken.text
    assert not api.client.post("/api/v1/evaluations/periods/2026-Q4",
                               headers=operator).json()["recorded"]

    periods = api.client.get("/api/v1/evaluations/periods", headers=auditor).json()
    assert [(p["period"], p["taken_on"], p["formula_id"]) for p in periods] == [
        ("2026-Q4", "2027-01-04", "integrity-2026-v2")]
    assert set(periods[0]["positions"]) >= {"subject_status", "third_party_ratings"}
    detail = api.client.get("/api/v1/evaluations/periods/2026-Q4", headers=auditor).json()
    body = next(e for e in detail["evaluations"] if e["code"] == BODY_CODE)
    assert (body["score"], body["grade"]) == ("96", "A")
    assert api.client.get("/api/v1/evaluations/periods/2025-Q4",
                          headers=auditor).status_code == 404

    csv_file = api.client.get("/api/v1/evaluations/periods/2026-Q4/export", headers=auditor)
    lines = csv_file.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("对象类型,代码,名称,评价指标版本,评分,等级")
    assert any(line.startswith(f"机关,{BODY_CODE},福州市鼓楼区自然资源局,integrity-2026-v2,96,A")
               for line in lines), lines[:3]
    xlsx = api.client.get("/api/v1/evaluations/periods/2026-Q4/export", headers=auditor,
                          params={"format": "xlsx", "lang": "en"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["Kind", "Code", "Name"]

    sign_in(api, Role.AUDITOR)
    page = api.client.get("/evaluations")
    assert page.status_code == 200 and "/evaluations/2026-Q4" in page.text
    quarter = api.client.get("/evaluations/2026-Q4")
    assert quarter.status_code == 200 and "福州市鼓楼区自然资源局" in quarter.text
    assert "integrity-2026-v2" in quarter.text
    exported = api.client.get("/evaluations/2026-Q4", params={"format": "csv"})
    assert exported.headers["content-disposition"].endswith('evaluation-2026-Q4.csv"')
    ratings = api.client.get("/evaluations/ratings")
    assert ratings.status_code == 200 and "福州大学公共管理学院" in ratings.text
    assert "72 / 80" in ratings.text
    assert api.client.get("/evaluations/2025-Q1").status_code == 404


def test_an_operator_uploads_a_ratings_file_on_the_ratings_page_and_reads_each_refused_row(
    api: Api, views: Views,
) -> None:
    sign_in(api, Role.OPERATOR)
    page = api.client.get("/evaluations/ratings")
    assert 'action="/evaluations/ratings/import"' in page.text and "导入第三方评价" in page.text
    value = csrf(page.text)
    upload = ("ratings.csv", ("source,subject_kind,subject_code,period,score,document\n"
                              "省营商环境评估中心,region,350100,2026,88,闽评〔2026〕3号\n"
                              "省营商环境评估中心,region,359999,2026,88,闽评〔2026〕3号\n"
                              ).encode(), "text/csv")
    first = api.client.post("/evaluations/ratings/import", data={"csrf": value},
                            files={"file": upload})
    assert first.status_code == 200, first.text
    assert "共 2 行：新评价 1 条，已导入未变 0 条，有误 1 条。" in first.text
    assert "第 3 行" in first.text
    again = api.client.post("/evaluations/ratings/import", data={"csrf": value},
                            files={"file": upload})
    assert "共 2 行：新评价 0 条，已导入未变 1 条，有误 1 条。" in again.text
    none = api.client.post("/evaluations/ratings/import", data={"csrf": value},
                           files={"file": ("ratings.txt", b"x", "text/plain")})
    assert none.status_code == 422 and "请选择 .csv 或 .xlsx 文件。" in none.text
    forged = api.client.post("/evaluations/ratings/import", data={"csrf": "0" * 32},
                             files={"file": upload})
    assert forged.status_code == 403

    views.catch_up()
    assert "闽评〔2026〕3号" in api.client.get("/evaluations/ratings").text
    sign_in(api, Role.AUDITOR)
    read_only = api.client.get("/evaluations/ratings")
    assert "闽评〔2026〕3号" in read_only.text
    assert "/evaluations/ratings/import" not in read_only.text


def test_an_operator_records_a_missed_quarter_from_the_evaluations_page(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    clock.set_date(date(2026, 12, 15))
    file_on_the_api(api)
    views.catch_up()
    clock.set_date(date(2027, 1, 4))
    sign_in(api, Role.OPERATOR)
    page = api.client.get("/evaluations").text
    offered = re.findall(r'<option value="([^"]+)">', page)
    assert offered == ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2026"]
    value = csrf(page)
    taken = api.client.post("/evaluations", data={"csrf": value, "period": offered[0]})
    assert taken.status_code == 200 and str(taken.url).endswith("/evaluations/2026-Q4")
    assert "福州市鼓楼区自然资源局" in taken.text and "integrity-2026-v2" in taken.text
    again = api.client.post("/evaluations", data={"csrf": value, "period": "2026-Q4"})
    assert again.status_code == 422 and "请选择一个已结束且尚未评价的期间。" in again.text
    assert re.findall(r'<option value="([^"]+)">', again.text)[0] == "2026-Q3"
    early = api.client.post("/evaluations", data={"csrf": value, "period": "2027-Q1"})
    assert early.status_code == 422
    sign_in(api, Role.PLATFORM_REVIEWER)
    watched = api.client.get("/evaluations").text
    assert "/evaluations/2026-Q4" in watched and 'action="/evaluations"' not in watched
