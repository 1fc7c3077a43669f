"""A department's workspace used as a person uses it: forms filled in and sent, the answer
read on the page; and what another department may not see or do."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from uuid import UUID

from api.auth import Account
from ledger import commands as c
from ledger.events import Role
from ledger.values import RecordStatus, Severity, StepStatus
from tests.support import world
from tests.support.api import Api, Views, csrf, forward_an_objection, log_in, sign_in

FORM = {
    "source_name": "福建省纪委监委", "document_number": "闽纪〔2026〕7号",
    "decision_date": "2026-04-20", "deciding_authority_name": "福建省纪委监委",
    "deciding_authority_code": world.SOURCE_CODE, "subject_type": "body",
    "subject_code": world.BODY_CODE,
    "category": "administrative_penalty", "domain": "bidding", "severity": "general",
    "facts": "招标文件设置排斥潜在投标人的条件。", "legal_basis": "《招标投标法》第十八条",
    "decision_content": "责令改正并通报批评。", "fine_yuan": "30000", "region_code": "350102",
    "scope": "public", "request_explanation": "true",
}


def open_form(api: Api, path: str = "/department/filing") -> str:
    page = api.client.get(path)
    assert page.status_code == 200
    return csrf(page.text)


def field_error(page: str, name: str) -> str:
    """The message shown right after a field of the filing form."""
    found = re.search(rf'id="f-{name}"[^>]*>(?:[^<]*</textarea>)?\s*'
                      rf'<p class="field-error" id="err-{name}">([^<]+)</p>', page)
    assert found is not None, f"no message next to {name}"
    return found.group(1)


# -- the department ------------------------------------------------------------------------------


def test_a_department_signs_in_lands_on_its_workspace_and_files_a_record_with_the_form(
    api: Api, views: Views,
) -> None:
    landed = log_in(api, api.tokens[Role.SOURCE_DEPARTMENT])
    assert landed.headers["location"] == "/department"
    workspace = api.client.get("/department")
    assert workspace.status_code == 200 and 'href="/department/filing"' in workspace.text

    filed = api.client.post("/department/filing", data={**FORM, "csrf": open_form(api)},
                            follow_redirects=False)

    assert filed.status_code == 303
    rid = UUID(filed.headers["location"].split("/")[3].split("?")[0])
    record = api.services.ledger.record(rid)
    assert record.content.document_number == "闽纪〔2026〕7号"
    assert str(record.content.fine_yuan) == "30000.00"
    page = api.client.get(filed.headers["location"])
    assert "记录已报送。" in page.text and "招标文件设置排斥潜在投标人的条件。" in page.text
    assert "本单位应于2026-05-26前提交书面说明" not in page.text  # the department's own view
    assert "福州市鼓楼区自然资源局应于2026-05-26前提交书面说明" in page.text
    views.catch_up()
    listed = api.client.get("/department", params={"region": "", "status": "", "category": "",
                                                   "severity": ""})
    assert listed.status_code == 200 and "闽纪〔2026〕7号" in listed.text
    exported = api.client.get("/department", params={"severity": "general", "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "决定文号" and [r[0] for r in rows[1:]] == ["闽纪〔2026〕7号"]
    refused = api.client.get("/department", params={"severity": "awful", "category": ""})
    assert refused.status_code == 422 and "失信程度：“awful”不是可选的值" in refused.text


def test_a_bad_value_in_the_filing_form_is_named_next_to_its_field_keeping_what_was_typed(
    api: Api,
) -> None:
    sign_in(api, Role.SOURCE_DEPARTMENT)
    token = open_form(api)
    bad = {**FORM, "subject_code": "91110000600037341X", "decision_date": "2026-13-01",
           "fine_yuan": "五万", "facts": ""}

    page = api.client.post("/department/filing", data={**bad, "csrf": token})

    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert field_error(page.text, "subject_code").startswith("不是有效的统一社会信用代码")
    assert field_error(page.text, "decision_date") == "请填写日期，如 2026-04-20。"
    assert field_error(page.text, "fine_yuan").startswith("请填写金额")
    assert field_error(page.text, "facts") == "必填。"
    assert 'value="91110000600037341X"' in page.text and 'value="五万"' in page.text
    assert "《招标投标法》第十八条</textarea>" in page.text

    # what the ledger refuses is shown the same way: nobody registered under the code,
    # a decision dated in the future
    unknown = {**FORM, "subject_code": world.uscc("11350102MB09999"), "csrf": token}
    page = api.client.post("/department/filing", data=unknown)
    assert page.status_code == 404
    assert field_error(page.text, "subject_code") == "没有登记该统一社会信用代码的机关。"
    future = api.client.post("/department/filing",
                             data={**FORM, "decision_date": "2026-06-01", "csrf": token})
    assert future.status_code == 422
    assert field_error(future.text, "decision_date") == "不能晚于今天。"
    assert api.services.ledger.body(world.BODY_CODE).records == []
    english = api.client.post("/department/filing?lang=en", data={**bad, "csrf": token})
    assert field_error(english.text, "decision_date") == "Enter a date such as 2026-04-20."


def test_a_department_imports_a_csv_file_and_reads_what_became_of_each_row(api: Api) -> None:
    columns = ["source.name", "source.code", "document_number", "decision_date",
               "deciding_authority.name", "deciding_authority.code", "subject_type",
               "subject_code", "category", "domain", "severity", "facts", "legal_basis",
               "decision_content", "region_code", "scope"]
    good = ["福建省纪委监委", world.SOURCE_CODE, "", "2026-04-20", "福建省纪委监委",
            world.SOURCE_CODE, "body", world.BODY_CODE, "accountability", "other", "minor",
            "事实", "依据", "决定", "350102", "public"]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerow([*good[:2], "闽纪〔2026〕21号", *good[3:]])
    writer.writerow([*good[:2], "闽纪〔2026〕22号", *good[3:8], "bribery", *good[9:]])
    writer.writerow([*good[:2], "闽纪〔2026〕23号", *good[3:]])
    sign_in(api, Role.SOURCE_DEPARTMENT)

    token = open_form(api, "/department/import")
    page = api.client.post("/department/import", data={"csrf": token},
                           files={"file": ("filings.csv", text.getvalue().encode(), "text/csv")})

    assert page.status_code == 200
    assert "共 3 行：新报送 2 条，已报送未变 0 条，有误 1 行。" in page.text
    assert re.search(r"第 3 行</td>\s*<td>.*有误.*</td>\s*<td>.*类别</td>", page.text)
    ledger = api.services.ledger
    assert len(ledger.body(world.BODY_CODE).records) == 2

    again = api.client.post("/department/import", data={"csrf": csrf(page.text)},
                            files={"file": ("filings.csv", text.getvalue().encode())})
    assert "新报送 0 条，已报送未变 2 条" in again.text
    wrong = api.client.post("/department/import", data={"csrf": csrf(page.text)},
                            files={"file": ("filings.pdf", b"%PDF")})
    assert wrong.status_code == 422 and "请选择 .csv、.jsonl 或 .xlsx 文件。" in wrong.text


def test_a_department_decides_an_objection_forwarded_to_it_by_correcting_the_fine(
    api: Api, views: Views,
) -> None:
    rid = forward_an_objection(api)
    views.catch_up()
    due = api.services.ledger.record(rid).deadlines["objection-1-decision"].due
    sign_in(api, Role.SOURCE_DEPARTMENT)

    workspace = api.client.get("/department")
    assert "罚款金额计算有误，应为四万元。" in workspace.text and str(due) in workspace.text
    assert f'action="/department/records/{rid}/objections/1/decision"' in workspace.text
    # "corrected" without saying what changed is refused next to the changed fields
    decide = f"/department/records/{rid}/objections/1/decision"
    refused = api.client.post(decide, data={"outcome": "corrected", "reasons": "经核实金额有误",
                                            "csrf": csrf(workspace.text)})
    assert refused.status_code == 422
    assert "请至少填写一项更改的内容" in refused.text
    assert "经核实金额有误</textarea>" in refused.text

    decided = api.client.post(decide, data={"outcome": "corrected", "reasons": "经核实金额有误",
                                            "new_fine_yuan": "40000",
                                            "csrf": csrf(workspace.text)})

    assert decided.status_code == 200 and "已记录。" in decided.text
    record = api.services.ledger.record(rid)
    assert record.objections[1].status is StepStatus.DECIDED
    assert str(record.content.fine_yuan) == "40000.00"
    assert "本部门作出异议决定：更正。经核实金额有误" in decided.text
    assert "罚款金额计算有误，应为四万元。" not in api.client.get("/department").text


def test_a_department_corrects_then_withdraws_its_record_giving_reasons(api: Api) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    sign_in(api, Role.SOURCE_DEPARTMENT)
    page = api.client.get(f"/department/records/{rid}")
    token = csrf(page.text)

    corrected = api.client.post(f"/department/records/{rid}/correction", data={
        "new_severity": "serious", "reasons": "复议决定变更处理结果", "csrf": token})
    assert corrected.status_code == 200
    assert ledger.record(rid).content.severity is Severity.SERIOUS
    assert "更正记录（失信程度）：复议决定变更处理结果" in corrected.text

    unexplained = api.client.post(f"/department/records/{rid}/withdrawal",
                                  data={"reasons": " ", "csrf": token})
    assert unexplained.status_code == 422 and "必填。" in unexplained.text
    assert ledger.record(rid).status is RecordStatus.IN_FORCE
    withdrawn = api.client.post(f"/department/records/{rid}/withdrawal",
                                data={"reasons": "原处罚决定已被撤销", "csrf": token})
    assert withdrawn.status_code == 200 and "撤销记录：原处罚决定已被撤销" in withdrawn.text
    assert ledger.record(rid).status is RecordStatus.WITHDRAWN
    assert 'action="/department/records/' + str(rid) + '/withdrawal"' not in withdrawn.text


def test_a_department_approves_a_repair_forwarded_to_it_having_read_the_commitment(
    api: Api, views: Views, clock: world.FakeClock,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    clock.set_date(date(2026, 7, 22))  # the minimum publicity period ended on 2026-07-20
    n = ledger.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="今后按期足额支付"),
                                world.official())
    to = c.Authority(name="福建省纪委监委", code=world.SOURCE_CODE)
    ledger.forward_repair(c.ForwardRepair(record_id=rid, number=n, to=to), world.REVIEWER)
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)

    workspace = api.client.get("/department")
    assert "今后按期足额支付" in workspace.text and "信用修复申请（第1号）" in workspace.text
    decide = f"/department/records/{rid}/repairs/{n}/decision"
    undecided = api.client.post(decide, data={"reasons": "已整改", "csrf": csrf(workspace.text)})
    assert undecided.status_code == 422 and "请从列表中选择。" in undecided.text
    approved = api.client.post(decide, data={"approved": "true", "reasons": "已履行并作出承诺",
                                             "csrf": csrf(workspace.text)})

    assert approved.status_code == 200
    assert ledger.record(rid).status is RecordStatus.REPAIRED
    assert "本部门作出修复决定：同意修复。已履行并作出承诺" in approved.text


def test_a_department_verifies_a_rectification_the_subject_reported_done(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(rectification={"requirement": "补齐采购档案"}),
                             world.DEPT).record_id
    ledger.submit_rectification_plan(c.SubmitRectificationPlan(record_id=rid, plan="两周内补齐"),
                                     world.official())
    ledger.report_rectification_completion(c.ReportRectificationCompletion(
        record_id=rid, report="档案已全部补齐并归档"), world.official())
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)

    workspace = api.client.get("/department")
    assert "档案已全部补齐并归档" in workspace.text
    api.client.post(f"/department/records/{rid}/rectification/verification",
                    data={"csrf": csrf(workspace.text)})

    assert ledger.record(rid).rectification is StepStatus.DONE
    assert "档案已全部补齐并归档" not in api.client.get("/department").text


def test_another_department_can_neither_see_nor_act_on_a_record_it_did_not_file(
    api: Api,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    other = api.services.tokens.create(Account("dept-other", Role.SOURCE_DEPARTMENT,
                                               world.uscc("11350000MB09876"), "其他部门"))
    log_in(api, other)
    token = open_form(api, "/department")

    assert api.client.get(f"/department/records/{rid}").status_code == 404
    refused = api.client.post(f"/department/records/{rid}/withdrawal",
                              data={"reasons": "试图撤销", "csrf": token})
    assert refused.status_code == 404 and "未办结" not in refused.text
    assert ledger.record(rid).status is RecordStatus.IN_FORCE
