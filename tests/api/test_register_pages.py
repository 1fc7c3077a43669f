"""The commitment and lead pages used as people use them: a visitor reads the public
commitments and exports them, an official reads their body's, a department ends commitments and
answers the leads in its inbox with the forms, and imports leads from a file."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any
from uuid import UUID

from openpyxl import Workbook, load_workbook

from api.auth import Account
from ledger import register_commands as rc
from ledger.events import Role
from tests.support.api import Api, Views, csrf, sign_in
from tests.support.world import BODY_CODE, DEPT, REVIEWER, SOURCE, uscc

RECORD = {"document_number": "闽纪认〔2026〕7号", "decision_date": "2026-05-06",
          "severity": "general", "legal_basis": "《优化营商环境条例》第三十一条",
          "decision_content": "认定政务失信并公示"}


def commitment(api: Api, reference: str = "承诺-1", **fields: Any) -> UUID:
    made = api.services.ledger.make_commitment(rc.MakeCommitment.model_validate({
        "department": SOURCE, "reference": reference, "maker_code": BODY_CODE,
        "kind": "investment_promotion", "content": "落户奖励三年内兑现",
        "source_document": "鼓政〔2026〕3号", "made_to": "某科技公司",
        "made_on": date(2026, 5, 6), "due": date(2026, 12, 31), "public": True} | fields),
        DEPT)
    return made.id


def lead(api: Api, reference: str = "GD20260506001") -> UUID:
    return api.services.ledger.receive_lead(rc.ReceiveLead.model_validate({
        "origin": "hotline_12345", "reference": reference, "received_on": date(2026, 5, 6),
        "summary": "企业反映落户奖励逾期未兑现", "body_code": BODY_CODE,
        "department": SOURCE}), REVIEWER).id


def send(api: Api, page: str, action: str, **fields: str) -> Any:
    """Send a form of ``page`` as a browser does, with the page's CSRF value."""
    value = csrf(api.client.get(page).text)
    return api.client.post(action, data={"csrf": value, **fields}, follow_redirects=False)


def test_a_visitor_reads_public_commitments_with_every_filter_at_all_and_exports_them(
    api: Api, views: Views,
) -> None:
    commitment(api)
    commitment(api, "承诺-2", content="内部整改承诺", public=False)
    views.catch_up()

    home = api.client.get("/")
    assert 'href="/commitments"' in home.text
    page = api.client.get("/commitments", params={"region": "", "kind": "", "state": ""})
    assert page.status_code == 200
    assert "落户奖励三年内兑现" in page.text and "招商引资" in page.text
    assert "待办理" in page.text and "2026-12-31" in page.text
    assert "内部整改承诺" not in page.text
    assert "林晓明" not in page.text and "福建省纪委监委" not in page.text

    exported = api.client.get("/commitments", params={"state": "open", "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["承诺主体", "统一社会信用代码", "承诺类型", "承诺内容"]
    assert rows[1][2] == "招商引资" and rows[1][9] == "待办理"
    assert [r[3] for r in rows[1:]] == ["落户奖励三年内兑现"]
    book = load_workbook(io.BytesIO(api.client.get(
        "/commitments", params={"format": "xlsx"}).content))
    assert [row[3] for row in book.active.iter_rows(min_row=2, values_only=True)] == [
        "落户奖励三年内兑现"]

    refused = api.client.get("/commitments", params={"state": "kept"})
    assert refused.status_code == 422 and "kept" in refused.text


def test_an_official_reads_their_bodys_commitments_with_state_and_due_date(
    api: Api, views: Views,
) -> None:
    commitment(api)
    commitment(api, "承诺-2", content="内部整改承诺", public=False, due=date(2026, 9, 30))
    views.catch_up()
    sign_in(api, Role.SUBJECT_OFFICIAL)

    assert 'href="/subject/commitments"' in api.client.get("/subject").text
    page = api.client.get("/subject/commitments").text
    assert page.index("2026-09-30") < page.index("2026-12-31")
    assert "内部整改承诺" in page and "落户奖励三年内兑现" in page and "待办理" in page
    assert "record_fulfilled" not in page and "/fulfilment" not in page


def test_a_department_records_one_commitment_fulfilled_one_released_and_one_breached(
    api: Api, views: Views,
) -> None:
    kept, released, broken = (commitment(api, f"承诺-{n}") for n in (1, 2, 3))
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)
    assert 'href="/department/commitments"' in api.client.get("/department").text
    page = "/department/commitments"

    done = send(api, page, f"{page}/{kept}/fulfilment", evidence="奖励资金已于五月拨付")
    assert done.status_code == 303
    empty = send(api, page, f"{page}/{released}/release", reasons="  ")
    assert empty.status_code == 422 and "理由：" in empty.text
    assert send(api, page, f"{page}/{released}/release",
                reasons="政策调整，经协商解除").status_code == 303
    breached = send(api, page, f"{page}/{broken}/breach", finding="奖励资金逾期未兑现",
                    **RECORD)
    assert breached.status_code == 303
    views.catch_up()

    shown = api.client.get(page).text
    assert "已兑现" in shown and "奖励资金已于五月拨付" in shown
    assert "已解除" in shown and "政策调整，经协商解除" in shown
    assert "已失信" in shown
    record_id = api.services.ledger.commitment(broken).record_id
    assert f'href="/department/records/{record_id}"' in shown
    assert "闽纪认〔2026〕7号" in api.client.get(f"/department/records/{record_id}").text
    again = send(api, page, f"{page}/{kept}/release", reasons="再解除")
    assert again.status_code == 409


def test_a_department_answers_a_12345_lead_with_a_record_and_reads_it_linked_to_the_lead(
    api: Api, views: Views,
) -> None:
    lid = lead(api)
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)

    inbox = api.client.get("/department/leads", params={"origin": "", "open_only": ""}).text
    assert "GD20260506001" in inbox and "12345 热线" in inbox
    assert "福州市鼓楼区自然资源局" in inbox
    due = api.services.ledger.lead(lid).deadlines["verification"].due
    assert due is not None and str(due) in inbox
    found = re.search(r'href="(/department/leads/[0-9a-f-]+)"', inbox)
    assert found is not None
    page = found.group(1)

    answered = send(api, page, f"{page}/record", category="administrative_penalty", **RECORD)
    assert answered.status_code == 303
    shown = api.client.get(answered.headers["location"]).text
    record_id = api.services.ledger.lead(lid).record_id
    assert "已认定并报送失信记录" in shown
    assert f'href="/department/records/{record_id}">闽纪认〔2026〕7号</a>' in shown
    assert "/unfounded" not in shown
    assert "闽纪认〔2026〕7号" in api.client.get(f"/department/records/{record_id}").text


def test_a_lead_answered_unfounded_stays_and_one_handed_over_leaves_for_the_other_inbox(
    api: Api, views: Views,
) -> None:
    first, second = lead(api, "GD1"), lead(api, "GD2")
    sign_in(api, Role.SOURCE_DEPARTMENT)
    one, two = f"/department/leads/{first}", f"/department/leads/{second}"

    assert send(api, one, f"{one}/unfounded", reasons="经核查，奖励已按期兑现").status_code == 303
    bad = send(api, two, f"{two}/handover", to_name="福州市商务局", to_code="123",
               reasons="属商务部门职责")
    assert bad.status_code == 422 and "属商务部门职责" in bad.text
    assert "接收部门统一社会信用代码：" in bad.text
    other = uscc("11350100MB09876")
    assert send(api, two, f"{two}/handover", to_name="福州市商务局", to_code=other,
                reasons="属商务部门职责").status_code == 303
    views.catch_up()

    inbox = api.client.get("/department/leads").text
    assert "经核查不属实" in inbox and "GD2" not in inbox  # now in the other one's inbox
    assert "经核查，奖励已按期兑现" in api.client.get(one).text
    assert api.client.get(two).status_code == 404

    token = api.services.tokens.create(Account("dept-other", Role.SOURCE_DEPARTMENT,
                                               uscc("11350000MB05678"), "另一部门"))
    api.client.cookies.clear()
    form = api.client.get("/login")
    api.client.post("/login", data={"token": token, "csrf": csrf(form.text)})
    assert api.client.get(one).status_code == 404
    assert "GD1" not in api.client.get("/department/leads").text


def test_a_department_imports_leads_from_csv_and_xlsx_and_a_number_imported_again_changes_nothing(
    api: Api, views: Views,
) -> None:
    sign_in(api, Role.SOURCE_DEPARTMENT)
    lines = ["origin,reference,received_on,summary,body_code",
             f"hotline_12345,GD-A,2026-05-06,工程款拖欠,{BODY_CODE}",
             f"media_report,MT-B,2026-05-05,媒体报道承诺未兑现,{BODY_CODE}",
             f"unknown,X-C,2026-05-05,来源不明,{BODY_CODE}"]
    upload = ("leads.csv", "\n".join(lines).encode(), "text/csv")
    value = csrf(api.client.get("/department/leads").text)
    first = api.client.post("/department/leads/import", data={"csrf": value},
                            files={"file": upload})
    assert first.status_code == 200
    assert "共 3 行：新线索 2 条，已导入未变 0 条，有误 1 条。" in first.text
    assert "第 4 行" in first.text

    book = Workbook()
    sheet = book.active
    for line in lines[:2]:
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    again = api.client.post("/department/leads/import", data={"csrf": value}, files={
        "file": ("leads.xlsx", buffer.getvalue(), "application/octet-stream")})
    assert "共 1 行：新线索 0 条，已导入未变 1 条，有误 0 条。" in again.text

    views.catch_up()
    inbox = api.client.get("/department/leads").text
    assert "GD-A" in inbox and "MT-B" in inbox and "媒体报道" in inbox
    forged = api.client.post("/department/leads/import", data={"csrf": "0" * 32},
                             files={"file": upload})
    assert forged.status_code == 403


def test_a_lead_showing_a_broken_commitment_is_answered_by_finding_the_breach(
    api: Api, views: Views,
) -> None:
    cid, lid = commitment(api), lead(api)
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)
    page = f"/department/leads/{lid}"
    assert "认定承诺失信" in api.client.get(page).text

    answered = send(api, page, f"{page}/breach", commitment_id=str(cid),
                    finding="经核查，落户奖励逾期未兑现", **RECORD)
    assert answered.status_code == 303
    views.catch_up()

    shown = api.client.get(page).text
    assert "认定承诺失信" in shown and "闽纪认〔2026〕7号" in shown
    assert api.services.ledger.commitment(cid).state.value == "breached"
    assert "已失信" in api.client.get("/department/commitments").text


def test_the_public_commitments_are_paged_twenty_at_a_time_and_filtered_by_kind(
    api: Api, views: Views,
) -> None:
    for n in range(20):
        commitment(api, f"承诺-{n}", due=date(2026, 7, 1 + n))
    commitment(api, "承诺-服务", kind="service", content="办件三日办结", due=date(2026, 9, 1))
    views.catch_up()

    first = api.client.get("/commitments").text
    assert "共 21 条" in first and "办件三日办结" not in first
    last = api.client.get("/commitments", params={"page": "9"}).text
    assert "办件三日办结" in last and "2026-07-01" not in last
    service = api.client.get("/commitments", params={"kind": "service", "region": "350100"})
    assert "共 1 条" in service.text and "办件三日办结" in service.text
    english = api.client.get("/commitments", params={"kind": "service", "lang": "en"}).text
    assert "Public commitments" in english and "Service" in english and "Open" in english
