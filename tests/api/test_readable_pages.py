"""Pages and files as a person reads them: a timeline in the page's language and time zone,
exports with labels and spreadsheet types, a Chinese web font, a region evaluation that adds up."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from httpx import Response
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from api.i18n import EVENTS, FIELDS, VALUES
from api.readable import CODES
from ledger import commands as c
from ledger import record_events as ev
from ledger.events import DomainEvent, Role
from projections import disclosure, queries
from tests.support.api import Api, Views, sign_in
from tests.support.world import BODY_CODE, DEPT, PERSON_ID, FakeClock, filing, official


def test_a_machine_without_chinese_fonts_gets_the_pages_web_font(api: Api) -> None:
    css = api.client.get("/static/site.css").text
    face = re.search(r'@font-face \{ font-family: "([^"]+)"; src: url\("([^"]+)"\)', css)
    assert face is not None
    family, url = face.groups()
    body = re.search(r"body \{ font-family: ([^;]+);", css)
    assert body is not None and f'"{family}"' in body.group(1)

    font = api.client.get(url)

    assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
    assert font.content[:4] == b"wOF2" and len(font.content) > 1_000_000
    page = api.client.get("/")
    assert '<link rel="stylesheet" href="/static/site.css">' in page.text


def test_an_auditor_reads_a_timeline_in_chinese_with_beijing_times_and_named_fields(
    api: Api, clock: FakeClock,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id  # 2026-05-06 01:30 UTC
    clock.advance(days=2, seconds=7)
    ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="已说明"), official())
    sign_in(api, Role.AUDITOR)

    page = api.client.get(f"/audit/records/{rid}").text

    assert "<strong>报送记录</strong>" in page and "<strong>提交书面说明</strong>" in page
    assert "2026-05-06 09:30:00 北京时间" in page and "2026-05-08 09:30:07 北京时间" in page
    assert "<dt>类别</dt><dd>行政处罚</dd>" in page and "<dt>失信程度</dt><dd>一般</dd>" in page
    assert "<dt>罚款金额（元）</dt><dd>50,000.00</dd>" in page
    assert "<dt>地区</dt><dd>350102 鼓楼区</dd>" in page
    assert "<dt>说明内容</dt><dd>已说明</dd>" in page
    assert "{&#39;" not in page and "administrative_penalty" not in page
    english = api.client.get(f"/audit/records/{rid}", params={"lang": "en"}).text
    assert "<strong>Explanation submitted</strong>" in english
    assert "2026-05-08 09:30:07 Beijing time (UTC+8)" in english
    assert "<dt>Category</dt><dd>Administrative penalty</dd>" in english


def test_an_auditor_who_asks_for_a_moment_before_the_record_existed_is_told_so_on_the_page(
    api: Api,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id  # 2026-05-06 09:30 Beijing
    sign_in(api, Role.AUDITOR)

    before = api.client.get(f"/audit/records/{rid}", params={"as_of": "2026-05-06T09:29"})

    assert before.status_code == 200 and "text/html" in before.headers["content-type"]
    assert "截至 2026-05-06 09:29:00（北京时间），该记录尚未报送" in before.text
    assert "（报送时间：2026-05-06 09:30:00 北京时间）" in before.text
    assert 'value="2026-05-06T09:29"' in before.text
    assert "<strong>报送记录</strong>" not in before.text
    after = api.client.get(f"/audit/records/{rid}", params={"as_of": "2026-05-06T09:31"})
    assert "<strong>报送记录</strong>" in after.text and "尚未报送" not in after.text
    english = api.client.get(f"/audit/records/{rid}", params={"as_of": "2026-05-06T09:29",
                                                              "lang": "en"})
    assert "this record had not been filed yet" in english.text


def test_every_fact_of_a_record_and_every_field_has_a_label_in_both_languages() -> None:
    events = [cls for cls in vars(ev).values() if isinstance(cls, type)
              and issubclass(cls, DomainEvent) and cls.__module__ == ev.__name__]
    names = {name for cls in (*events, ev.RecordContent, ev.ContentChanges)
             for name in cls.model_fields} - set(DomainEvent.model_fields)

    assert sorted(cls.__name__ for cls in events if cls.__name__ not in EVENTS) == []
    assert sorted(names - set(FIELDS)) == []
    assert all(zh != en and zh and en for zh, en in (*EVENTS.values(), *FIELDS.values()))
    assert sorted(code for code in CODES if code not in VALUES) == []


def test_a_timeline_export_carries_labels_and_beijing_times_as_spreadsheet_times(
    api: Api,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sign_in(api, Role.AUDITOR)

    sheet = workbook(api.client.get(f"/audit/records/{rid}", params={"format": "xlsx"}))

    header, first = (list(row) for row in sheet.iter_rows(max_row=2, values_only=True))
    assert header[:4] == ["序号", "时间（北京时间）", "事实", "事实类型"]
    assert first[1] == datetime(2026, 5, 6, 9, 30) and first[2] == "报送记录"
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert "类别：行政处罚" in first[6]


def workbook(response: Response) -> Worksheet:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_the_public_exports_every_match_with_labels_and_spreadsheet_types_up_to_a_stated_cap(
    api: Api, views: Views, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = api.services.ledger
    for n in range(1, 5):
        ledger.file_record(filing(n, decision_date=date(2026, 4, 20) - timedelta(days=n)), DEPT)
    views.catch_up()
    monkeypatch.setattr(disclosure, "TOTAL_CAP", 3)  # a search counts three; four match

    sheet = workbook(api.client.get("/", params={"q": "鼓楼区", "format": "xlsx"}))

    lines = list(sheet.iter_rows(values_only=True))
    header, first, note = lines[0], lines[1], lines[-1]
    assert sheet.freeze_panes == "A2" and len(lines) == 1 + 3 + 1
    column = {title: n for n, title in enumerate(header)}
    assert first[column["类别"]] == "行政处罚" and first[column["失信程度"]] == "一般"
    assert first[column["异议处理中"]] == "否" and first[column["地区"]] == "鼓楼区"
    assert first[column["决定日期"]] == datetime(2026, 4, 19)
    assert first[column["罚款金额（元）"]] == 50000
    cells = {sheet.cell(row=1, column=n + 1).value: sheet.cell(row=2, column=n + 1)
             for n in range(len(header))}
    assert cells["决定日期"].number_format == "yyyy-mm-dd"
    assert cells["罚款金额（元）"].number_format == "#,##0.00"
    assert sheet.column_dimensions["C"].width >= 15  # 闽纪〔2026〕1号: five wide, five narrow
    assert note[0] == "仅导出前 3 条：符合条件的记录可能更多，请缩小查询范围后分别导出。"
    english = api.client.get("/", params={"q": "鼓楼区", "format": "csv", "lang": "en"}).text
    assert "Administrative penalty,General" in english
    assert english.splitlines()[-1].startswith('"Only the first 3 rows are exported')


def test_a_public_export_below_the_cap_holds_every_match_and_no_notice(
    api: Api, views: Views, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = api.services.ledger
    for n in range(1, 6):
        ledger.file_record(filing(n), DEPT)
    views.catch_up()
    assert f"(最多 {disclosure.TOTAL_CAP:,} 条)" in api.client.get("/").text  # the page says so
    monkeypatch.setattr(queries, "MAX_PER_PAGE", 2)  # the export reads three pages

    lines = api.client.get("/", params={"format": "csv"}).text.splitlines()

    assert len(lines) == 1 + 5 and "仅导出" not in lines[-1]


def test_the_deadline_board_names_each_body_person_and_region_beside_its_code(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    ledger.file_record(filing(1), DEPT)
    ledger.file_record(filing(2, subject_type="civil_servant", subject_code=None,
                              subject_citizen_id=PERSON_ID), DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    board = api.client.get("/deadlines").text

    assert f"福州市鼓楼区自然资源局 <small>{BODY_CODE}</small>" in board
    assert "鼓楼区 <small>350102</small>" in board
    assert f"公务员 {PERSON_ID[:6]}" in board and "（福州市鼓楼区自然资源局）" in board
    sheet = workbook(api.client.get("/deadlines", params={"format": "xlsx"}))
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    by_subject = {line[header.index("主体")]: dict(zip(header, line, strict=True))
                  for line in rows}
    body = by_subject["福州市鼓楼区自然资源局"]
    assert body["类型"] == "书面说明" and body["地区"] == "鼓楼区"
    assert body["截止日期"] == datetime(2026, 5, 26) and body["已逾期"] == "否"
    assert body["剩余工作日"] == 15 and len(by_subject) == 2


def test_an_as_of_in_the_future_or_unreadable_shows_the_record_now_with_a_note(
    api: Api,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id  # today is 2026-05-06
    sign_in(api, Role.AUDITOR)

    later = api.client.get(f"/audit/records/{rid}", params={"as_of": "2027-01-01T08:00"})
    garbled = api.client.get(f"/audit/records/{rid}", params={"as_of": "yesterday"})

    assert later.status_code == garbled.status_code == 200
    assert "2027-01-01 08:00:00（北京时间）尚未到来" in later.text
    assert "无法识别截至时间“yesterday”" in garbled.text
    assert "<strong>报送记录</strong>" in later.text and "<strong>报送记录</strong>" in garbled.text
