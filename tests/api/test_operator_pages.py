"""The operator's pages: the deadline board along the region tree with its Temporal links, and
the regions page with evaluation and early warnings."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook

from ledger import commands as c
from ledger.events import Role
from tests.support import world
from tests.support.api import Api, Views, sign_in

XIAMEN_CODE = world.uscc("11350203MB00003")


def temporal_list_query(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" class="temporal-list">', page)
    assert found is not None
    href = found.group(1).replace("&amp;", "&").replace("&#39;", "'")
    return parse_qs(urlsplit(href).query)["query"][0]


def test_operator_sees_overdue_deadlines_of_a_county_within_its_city(
    api: Api, views: Views, clock: world.FakeClock,
) -> None:
    ledger = api.services.ledger
    api.services.temporal_namespace = "credit-fj"
    gulou = ledger.file_record(world.filing(1), world.DEPT).record_id
    pingtan = ledger.file_record(world.filing(2, region_code="350128"), world.DEPT).record_id
    xiamen = ledger.file_record(world.filing(3, region_code="350203"), world.DEPT).record_id
    clock.set_date(date(2026, 5, 27))  # the explanations were due on 2026-05-26
    fresh = ledger.file_record(world.filing(4), world.DEPT).record_id
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    board = api.client.get("/deadlines", params={"region": "350100", "overdue": "true"})

    assert board.status_code == 200
    assert f"/namespaces/credit-fj/workflows/record-{gulou}-explanation" in board.text
    for elsewhere in (pingtan, xiamen, fresh):
        assert str(elsewhere) not in board.text
    query = temporal_list_query(board.text)
    assert "WorkflowType = 'DeadlineWorkflow'" in query and "DeadlineAt <= '" in query
    assert "'350102'" in query and "'350182'" in query  # Changle's old code rolls up too
    assert "'350128'" not in query and "'350203'" not in query

    county = api.client.get("/deadlines", params={"region": "350102"})
    assert '<option value="350102" selected>' in county.text
    assert str(gulou) in county.text and str(fresh) in county.text
    assert str(pingtan) not in county.text
    exported = api.client.get("/deadlines", params={"region": "350100", "overdue": "true",
                                                    "format": "csv"})
    assert len(list(csv.reader(io.StringIO(exported.text)))) == 2
    everywhere = temporal_list_query(api.client.get("/deadlines").text)
    assert "RegionCode" not in everywhere and "DeadlineAt" not in everywhere


def test_an_operator_drills_from_the_province_to_a_city_and_exports_its_warnings(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    for n in (1, 2):
        ledger.file_record(world.filing(n, severity="serious"), world.DEPT)
    ledger.file_record(world.filing(3, region_code="350128"), world.DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    province = api.client.get("/regions")
    fuzhou = api.client.get("/regions", params={"region": "350100"})
    xiamen = api.client.get("/regions", params={"region": "350200"})
    english = api.client.get("/regions", params={"region": "350100", "lang": "en"})

    assert province.status_code == 200 and "福州市" in province.text and "350128" in province.text
    assert "机关严重失信记录达到预警线" in fuzhou.text and "福州市鼓楼区自然资源局" in fuzhou.text
    assert 'href="?region=350000"' in fuzhou.text  # back up the tree
    assert "serious records reached the threshold" in english.text
    assert "Regions reporting here" in english.text
    assert "暂无预警" in xiamen.text
    rows = list(csv.reader(io.StringIO(
        api.client.get("/regions", params={"region": "350100", "format": "csv",
                                           "lang": "zh"}).text)))
    gulou = next(row for row in rows if row[0] == "350102")
    assert rows[0][0] == "\ufeff地区代码" and len(rows) == 13 and gulou[2] == "2"
    sheet = api.client.get("/regions", params={"region": "350100", "table": "warnings",
                                               "format": "xlsx"})
    cells = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in cells[1:]] == [world.BODY_CODE]
    provinces = list(csv.reader(io.StringIO(
        api.client.get("/regions", params={"format": "csv"}).text)))
    assert {row[0] for row in provinces[1:]} >= {"350100", "350128", "350900"}


def test_the_provinces_score_is_the_mean_of_its_bodies_and_lies_between_its_cities(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    ledger.register_body(c.RegisterBody(credit_code=XIAMEN_CODE, name="厦门市思明区财政局",
                                        region_code="350203"), world.ADMIN)
    for n in (1, 2):  # 福州市鼓楼区自然资源局: 100 − 2 × 10 = 80
        ledger.file_record(world.filing(n, severity="serious"), world.DEPT)
    for n, severity in ((3, "serious"), (4, "general"), (5, "general")):  # 100 − 10 − 2 × 4
        ledger.file_record(world.filing(n, severity=severity, subject_code=XIAMEN_CODE,
                                        region_code="350203"), world.DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    page = api.client.get("/regions").text

    # Fuzhou: its city body (no records, 100) and Gulou's (80); Xiamen: 82; the province: all 3
    fuzhou, xiamen = region_row(page, "350100"), region_row(page, "350200")
    assert "<td>90.0 (A)</td>" in fuzhou and "<td>82.0 (B)</td>" in xiamen
    assert "87.3 (等级 B)" in page and "3 个机关评分的平均值" in page
    assert "<td>0.0%</td>" in fuzhou and "<th>已修复占比</th><td>0.0%</td>" in page
    assert "机关严重失信记录达到预警线" in page  # listed below, and counted in Fuzhou's row
    assert fuzhou.endswith("<td>1</td></tr>") and xiamen.endswith("<td>0</td></tr>")
    assert region_row(page, "350300").endswith("<td>—</td><td>—</td><td>0</td></tr>")  # no body
    sheet = load_workbook(io.BytesIO(api.client.get(
        "/regions", params={"format": "xlsx"}).content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(line for line in sheet.iter_rows(min_row=2) if line[0].value == "350100")
    assert row[header.index("评分")].value == 90 and row[header.index("等级")].value == "A"
    assert row[header.index("已修复占比")].number_format == "0.0%"
    assert row[header.index("预警数")].value == 1


def region_row(page: str, code: str) -> str:
    """The regions table's row of one reporting region."""
    start = page.index(f'<a href="?region={code}">')
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start) + len("</tr>")]


def test_deadlines_the_platform_and_a_department_missed_count_against_them_not_the_body(
    api: Api, views: Views, clock: world.FakeClock,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(1), world.DEPT).record_id
    ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="已说明。"), world.official())
    world.forwarded_objection(ledger, rid, "金额有误")
    clock.set_date(date(2026, 6, 30))  # the department's 5 working days, and the case's, passed
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    page = api.client.get("/regions", params={"region": "350102"}).text

    misses = page.split("平台和部门的逾期时限")[1].split("</table>")[0]
    assert "<td>信用平台</td><td>1</td><td>异议办理总时限</td>" in misses
    assert f"<small>{world.SOURCE_CODE}</small></td><td>1</td><td>异议核实决定</td>" in misses
    assert "96.0 (等级 A)" in page  # 100 − 4 for the record in force, nothing for the misses
