"""The substance in front of the reviewer, and where an official's matters stand: what was
sent, each step so far, the next step with who takes it and by when."""

from __future__ import annotations

import re
from datetime import date

from ledger import commands as c
from ledger.calendar import WorkingCalendar
from ledger.events import Role
from tests.support.api import Api, Views, csrf, forward_an_objection, sign_in
from tests.support.world import DEPT, FakeClock, filing, official


def test_a_reviewer_sees_whose_record_the_grounds_the_facts_and_the_time_left(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id
    ledger.file_objection(c.FileObjection(record_id=rid, grounds="该款项已于四月支付完毕"),
                          official())
    views.catch_up()
    sign_in(api, Role.PLATFORM_REVIEWER)

    queue = api.client.get("/review")

    task = queue.text[queue.text.index("异议标注"):]
    for shown in ("福州市鼓楼区自然资源局", "闽纪〔2026〕1号", "该款项已于四月支付完毕",
                  "未按合同约定支付中标企业货款。", "剩余 1 个工作日"):
        assert shown in task, shown
    assert f'href="/review/records/{rid}"' in queue.text and "/audit/records" not in queue.text
    record = api.client.get(f"/review/records/{rid}")
    assert record.status_code == 200
    assert "该款项已于四月支付完毕" in record.text
    assert "《保障中小企业款项支付条例》第八条" in record.text


def test_an_official_reads_what_they_sent_and_the_next_step_with_who_takes_it_and_by_when(
    api: Api,
) -> None:
    rid = forward_an_objection(api, "罚款金额计算有误")
    due = api.services.ledger.record(rid).deadlines["objection-1-decision"].due
    assert due == date(2026, 5, 12)
    sign_in(api, Role.SUBJECT_OFFICIAL)

    page = api.client.get("/subject").text
    record = page[page.index(f'id="r-{rid}"'):]

    assert "已转送福建省纪委监委，应于2026-05-12前作出决定" in record
    assert "本单位应于2026-05-26前提交书面说明" in record
    assert "罚款金额计算有误" in record[record.index("已提交的材料"):]
    assert "2026-05-06 异议已转送福建省纪委监委" in re.sub(r"<[^>]+>", "", record)
    # what the official may do: explain; no second objection while one is open
    assert "<summary>提交书面说明</summary>" in record
    assert "<summary>提出异议</summary>" not in record

    sent = api.client.post(f"/subject/records/{rid}/explanation",
                           data={"text": "款项已支付", "csrf": csrf(page)}, follow_redirects=False)
    assert sent.headers["location"] == f"/subject?done={rid}#r-{rid}"
    after = api.client.get(sent.headers["location"]).text
    assert after.index('role="status"') > after.index(f'id="r-{rid}"')
    assert "本单位应于2026-05-26前提交书面说明" not in after


def test_an_official_reads_a_deadline_waiting_for_next_years_calendar_as_a_note(
    api: Api, clock: FakeClock,
) -> None:
    new_year = WorkingCalendar().package_years[1] + 1
    clock.set_date(date(new_year - 1, 12, 21))
    api.services.ledger.file_record(filing(decision_date=date(new_year - 1, 12, 18)), DEPT)
    sign_in(api, Role.SUBJECT_OFFICIAL)

    page = api.client.get("/subject").text

    assert "本单位应在下述期限内提交书面说明" in page
    assert f"自{new_year - 1}-12-21起15个工作日；{new_year}年节假日安排公布后确定具体日期" in page
