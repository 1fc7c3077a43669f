"""The pages people use: public disclosure with marks, the review queue, the deadline board."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from ledger import commands as c
from ledger.clock import SHANGHAI
from ledger.events import Role
from projections import disclosure
from projections.results import DisclosurePage
from tests.support.api import Api, Views, csrf, log_in, sign_in
from tests.support.world import DEPT, PERSON_ID, REVIEWER, FakeClock, filing, official


def test_the_public_finds_a_body_record_and_sees_its_objection_mark(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id
    views.catch_up()
    page = api.client.get("/", params={"q": "鼓楼区"})
    assert page.status_code == 200 and "闽纪〔2026〕1号" in page.text
    assert "异议处理中" not in page.text

    n = ledger.file_objection(c.FileObjection(record_id=rid, grounds="金额有误"), official())
    ledger.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
    views.catch_up()

    assert "异议处理中" in api.client.get("/", params={"q": "鼓楼区"}).text
    assert rid_link(rid) in api.client.get("/", params={"severity": "general"}).text
    assert rid_link(rid) not in api.client.get("/", params={"severity": "serious"}).text
    found = api.client.get("/api/v1/public/records", params={"severity": "serious"}).json()
    assert found["total"] == 0
    record_page = api.client.get(f"/disclosure/records/{rid}?lang=en")
    assert record_page.status_code == 200 and "Under objection" in record_page.text


def rid_link(rid: object) -> str:
    return f"/disclosure/records/{rid}"


def test_the_public_page_says_when_a_search_matches_more_than_it_counts(
    api: Api, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cap = disclosure.TOTAL_CAP
    capped = DisclosurePage(items=[], total=cap, total_capped=True, page=1, per_page=20)
    monkeypatch.setattr(disclosure, "public_disclosure", lambda *_a, **_k: capped)
    assert f"{cap:,} 条以上，请缩小查询范围" in api.client.get("/").text
    assert f"{cap:,}+ records" in api.client.get("/", params={"lang": "en"}).text

    exact = capped.model_copy(update={"total": cap - 1, "total_capped": False})
    monkeypatch.setattr(disclosure, "public_disclosure", lambda *_a, **_k: exact)
    assert f"共 {cap - 1} 条" in api.client.get("/", params={"lang": "zh"}).text


def test_a_civil_servants_record_and_personal_data_never_reach_a_public_page(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(subject_type="civil_servant", subject_code=None,
                                    subject_citizen_id=PERSON_ID), DEPT).record_id
    views.catch_up()
    pages = [api.client.get("/"), api.client.get("/", params={"q": "林"}),
             api.client.get(f"/disclosure/records/{rid}"),
             api.client.get("/api/v1/public/records"),
             api.client.get("/", params={"format": "csv"})]
    for response in pages:
        assert "林晓明" not in response.text and PERSON_ID not in response.text
        assert PERSON_ID[:6] + "********" not in response.text
    assert pages[2].status_code == 404
    assert api.client.get("/api/v1/public/records").json()["total"] == 0


def test_a_reviewer_marks_and_rejects_an_objection_from_the_queue_and_the_mark_goes(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id
    ledger.file_objection(c.FileObjection(record_id=rid, grounds="金额有误"), official())
    views.catch_up()
    sign_in(api, Role.PLATFORM_REVIEWER)

    queue = api.client.get("/review")
    assert "异议标注" in queue.text
    api.client.post(f"/review/records/{rid}/mark", data={"number": 1, "csrf": csrf(queue.text)})
    assert ledger.record(rid).under_objection
    views.catch_up()
    queue = api.client.get("/review")
    api.client.post(f"/review/records/{rid}/reject",
                    data={"number": 1, "csrf": csrf(queue.text), "reasons": "理由不成立"})

    assert not ledger.record(rid).under_objection


def listed(board: str) -> str:
    """The board's list of deadlines (its pictures' numbers name every day they show)."""
    return board.split('<table class="cards">')[1]


def test_the_operator_filters_the_board_and_exports_it(api: Api, views: Views) -> None:
    ledger = api.services.ledger
    ledger.file_record(filing(rectification={"requirement": "整改"}), DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    board = api.client.get("/deadlines", params={"region": "350100", "kind": "explanation"})
    assert board.status_code == 200 and "2026-05-26" in listed(board.text)
    assert "2026-06-05" not in listed(board.text)  # the rectification, filtered out by kind
    near = api.client.get("/deadlines", params={"within": 3})
    assert "2026-05-26" not in listed(near.text)
    sheet = api.client.get("/deadlines", params={"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "类型" and len(rows) == 3
    csv_text = api.client.get("/deadlines", params={"format": "csv"}).text
    assert csv_text.startswith("\ufeff类型") and csv_text.count("\n") == 3


def test_an_official_files_an_objection_from_their_page(api: Api, views: Views) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sign_in(api, Role.SUBJECT_OFFICIAL)
    page = api.client.get("/subject")
    assert "闽纪〔2026〕1号" in page.text
    done = api.client.post(f"/subject/records/{rid}/objection",
                           data={"grounds": "事实有误", "csrf": csrf(page.text)})
    assert done.status_code == 200 and "已记录" in done.text
    assert api.services.ledger.record(rid).open_objection() is not None


def test_an_official_exports_their_records_and_what_is_due(api: Api, views: Views) -> None:
    api.services.ledger.file_record(filing(), DEPT)
    views.catch_up()  # the exports read the views
    sign_in(api, Role.SUBJECT_OFFICIAL)

    records = api.client.get("/subject", params={"format": "csv"})
    due = api.client.get("/subject", params={"table": "deadlines", "format": "xlsx"})

    lines = records.text.splitlines()
    assert lines[0].startswith("\ufeff决定文号") and len(lines) == 2
    assert lines[1].startswith("闽纪〔2026〕1号,行政处罚,一般,公示中,2026-04-20,")
    rows = list(load_workbook(io.BytesIO(due.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("书面说明", "闽纪〔2026〕1号", datetime(2026, 5, 26))


def test_an_auditor_exports_a_records_timeline_as_it_stood_at_an_instant(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = api.services.ledger
    rid = ledger.file_record(filing(), DEPT).record_id
    before = clock().astimezone(SHANGHAI) + timedelta(hours=1)
    clock.advance(days=2)
    ledger.submit_explanation(c.SubmitExplanation(record_id=rid, text="已说明"), official())
    sign_in(api, Role.AUDITOR)

    then = api.client.get(f"/audit/records/{rid}", params={
        "as_of": before.strftime("%Y-%m-%dT%H:%M"), "format": "csv"})
    now = api.client.get(f"/audit/records/{rid}", params={"format": "csv"})

    events = [line.split(",")[2] for line in then.text.splitlines()[1:]]
    assert "提交书面说明" not in events and "报送记录" in events
    assert "提交书面说明" in [line.split(",")[2] for line in now.text.splitlines()[1:]]
    assert then.headers["content-disposition"] == f'attachment; filename="timeline-{rid}.csv"'


def test_the_public_search_with_every_dropdown_left_at_all_finds_the_record(
    api: Api, views: Views,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    views.catch_up()

    page = api.client.get("/", params={"q": "鼓楼区", "region": "", "category": "",
                                       "severity": "", "page": ""})

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert rid_link(rid) in page.text and "共 1 条" in page.text
    assert 'role="alert"' not in page.text


def test_the_deadline_board_searched_with_its_defaults_lists_every_open_deadline(
    api: Api, views: Views,
) -> None:
    api.services.ledger.file_record(filing(rectification={"requirement": "整改"}), DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    board = api.client.get("/deadlines", params={"region": "", "kind": "", "within": ""})

    assert board.status_code == 200 and 'role="alert"' not in board.text
    assert "2026-05-26" in board.text and "2026-06-05" in board.text


def test_a_bad_search_value_is_named_above_the_form_in_the_pages_language(api: Api) -> None:
    page = api.client.get("/", params={"q": "鼓楼区", "category": "bribery", "severity": ""})

    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    message = page.text.index("类别：“bribery”不是可选的值")
    assert message < page.text.index('<form method="get" class="filters">')
    assert 'value="鼓楼区"' in page.text  # what was typed stays in the box
    assert '<select name="category" aria-invalid="true"' in page.text
    english = api.client.get("/", params={"severity": "awful", "lang": "en"})
    assert english.status_code == 422
    assert "Severity: “awful” is not one of the choices" in english.text


def test_an_operator_who_types_a_bad_number_of_days_sees_why_on_the_board(api: Api) -> None:
    sign_in(api, Role.OPERATOR)

    for typed in ("three", "400"):
        board = api.client.get("/deadlines", params={"kind": "", "within": typed})
        assert board.status_code == 422 and "text/html" in board.headers["content-type"]
        assert f"请填写 0 到 365 之间的整数，或留空表示不限（现为“{typed}”）" in board.text
        assert f'name="within" min="0" max="365" value="{typed}"' in board.text
    endless = api.client.get("/deadlines", params={"within": "9" * 5000})
    assert endless.status_code == 422 and "9" * 40 + "…" in endless.text
    regions = api.client.get("/regions", params={"region": "999999"})
    assert regions.status_code == 422 and "“999999”不是福建省的地区代码" in regions.text


def test_a_page_past_the_last_shows_the_last_page_and_links_to_the_others(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    for n in range(1, 22):  # 21 records: two pages of twenty
        ledger.file_record(filing(n, decision_date=date(2026, 4, 20) - timedelta(days=n)), DEPT)
    views.catch_up()

    for asked in ("9", "999", "100001"):
        page = api.client.get("/", params={"q": "鼓楼区", "page": asked})
        assert page.status_code == 200
        assert f"没有第 {asked} 页，已显示最后一页（第 2 页）" in page.text
        assert "闽纪〔2026〕21号" in page.text and "闽纪〔2026〕20号" not in page.text
        assert "第 2 页，共 2 页" in page.text
        assert page_links(page.text) == {"1": "鼓楼区"}
        assert '<strong aria-current="page"' in page.text

    endless = api.client.get("/", params={"q": "鼓楼区", "page": "9" * 5000})
    assert endless.status_code == 200 and "闽纪〔2026〕21号" in endless.text
    first = api.client.get("/", params={"q": "鼓楼区", "page": "not a page"})
    assert first.status_code == 200 and "闽纪〔2026〕20号" in first.text
    assert page_links(first.text) == {"2": "鼓楼区"}


def page_links(page: str) -> dict[str, str]:
    """The pager's links: page number to the search each keeps."""
    nav = page[page.index('<nav class="pager"'):]
    found = {}
    for href in re.findall(r'<a href="([^"]+)" aria-label=', nav[:nav.index("</nav>")]):
        query = parse_qs(urlsplit(unescape(href)).query)
        found[query["page"][0]] = query["q"][0]
    return found


def test_switching_the_language_keeps_the_search(api: Api, views: Views) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    views.catch_up()

    chinese = api.client.get("/", params={"q": "鼓楼区", "severity": "general", "page": "1"})
    switch = language_link(chinese.text)
    assert parse_qs(urlsplit(switch).query) == {
        "q": ["鼓楼区"], "severity": ["general"], "page": ["1"], "lang": ["en"]}

    english = api.client.get("/" + switch)
    assert "Search" in english.text and rid_link(rid) in english.text
    assert parse_qs(urlsplit(language_link(english.text)).query) == {
        "q": ["鼓楼区"], "severity": ["general"], "page": ["1"], "lang": ["zh"]}


def language_link(page: str) -> str:
    found = re.search(r'<a href="([^"]*)" class="lang"', page)
    assert found is not None
    return unescape(found.group(1))


@pytest.mark.parametrize(("role", "landing"), [
    (Role.SUBJECT_OFFICIAL, "/subject"), (Role.PLATFORM_REVIEWER, "/review"),
    (Role.OPERATOR, "/deadlines"), (Role.AUDITOR, "/audit"),
    (Role.ADMINISTRATOR, "/admin/calendar"), (Role.SOURCE_DEPARTMENT, "/department"),
], ids=lambda v: v.value if isinstance(v, Role) else v)
def test_each_person_lands_on_their_own_page_after_signing_in(
    api: Api, role: Role, landing: str,
) -> None:
    signed_in = log_in(api, api.tokens[role])

    assert signed_in.status_code == 303 and signed_in.headers["location"] == landing
    assert api.client.get(landing).status_code == 200


def test_a_wrong_token_goes_back_to_the_sign_in_page(api: Api) -> None:
    refused = log_in(api, "not-a-token")
    assert refused.headers["location"] == "/login?failed=1"
    assert "ledger_session" not in refused.cookies


def test_a_signed_in_operator_keeps_their_header_on_a_missing_or_forbidden_page(
    api: Api,
) -> None:
    anonymous = api.client.get(f"/disclosure/records/{uuid4()}")
    assert anonymous.status_code == 404 and 'href="/login"' in anonymous.text
    sign_in(api, Role.OPERATOR)

    missing = api.client.get(f"/disclosure/records/{uuid4()}")
    forbidden = api.client.get("/admin/calendar")

    for page, status in ((missing, 404), (forbidden, 403)):
        assert page.status_code == status
        assert 'href="/deadlines"' in page.text and 'action="/logout"' in page.text
        assert 'href="/login"' not in page.text


def test_a_mistyped_page_address_answers_a_page_in_the_visitors_language(api: Api) -> None:
    sign_in(api, Role.OPERATOR)

    chinese = api.client.get("/nonexistent")
    english = api.client.get("/nonexistent", params={"lang": "en"})
    program = api.client.get("/api/v1/nonexistent")

    assert chinese.status_code == 404 and chinese.headers["content-type"].startswith("text/html")
    assert "没有这个页面。" in chinese.text and 'href="/deadlines">返回上一页</a>' in chinese.text
    assert english.status_code == 404 and "There is no such page." in english.text
    assert program.status_code == 404 and program.json() == {"detail": "Not Found"}


def test_an_official_whose_form_expired_reads_why_and_sends_what_they_typed_again(
    api: Api,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sign_in(api, Role.SUBJECT_OFFICIAL)
    grounds = "罚款金额计算有误，\n应为四万元。"
    ours = {"Origin": "http://testserver", "Referer": "http://testserver/subject"}

    expired = api.client.post(f"/subject/records/{rid}/objection", headers=ours,
                              data={"grounds": grounds, "csrf": "from-yesterday"})

    assert expired.status_code == 403 and expired.headers["content-type"].startswith("text/html")
    assert "表单已过期，未能提交。" in expired.text
    assert f'<textarea name="grounds">{grounds}</textarea>' in expired.text
    assert api.services.ledger.record(rid).open_objection() is None
    again = api.client.post(kept_form_action(expired.text), headers=ours,
                            data={"grounds": grounds, "csrf": csrf(expired.text)})
    assert again.status_code == 200 and "已记录" in again.text
    assert api.services.ledger.record(rid).open_objection() is not None


def kept_form_action(page: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)" class="kept">', page)
    assert found is not None
    return unescape(found.group(1))


def test_a_form_planted_on_another_site_gets_no_button_to_send_it_again(api: Api) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sign_in(api, Role.SUBJECT_OFFICIAL)

    planted = api.client.post(f"/subject/records/{rid}/objection",
                              headers={"Origin": "https://elsewhere.example"},
                              data={"grounds": "撤回本记录", "csrf": ""})

    assert planted.status_code == 403 and "表单已过期" in planted.text
    assert "撤回本记录" in planted.text and "<button>重新提交</button>" not in planted.text
    assert 'name="csrf"' not in planted.text.split('class="kept"')[1]


def test_an_official_who_types_too_long_an_objection_reads_the_limit_and_keeps_the_text(
    api: Api,
) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sign_in(api, Role.SUBJECT_OFFICIAL)
    page = api.client.get("/subject", params={"lang": "en"})
    grounds = "金额有误。" * 4001  # 20,005 characters, five past the limit

    refused = api.client.post(f"/subject/records/{rid}/objection",
                              headers={"Origin": "http://testserver"},
                              data={"grounds": grounds, "csrf": csrf(page.text)})
    chinese = api.client.post(f"/subject/records/{rid}/objection?lang=zh",
                              data={"grounds": grounds, "csrf": csrf(page.text)})
    program = api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": grounds},
                              headers=api.headers(Role.SUBJECT_OFFICIAL))

    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "Grounds: At most 20000 characters. (20,005 typed)" in refused.text
    assert f'<textarea name="grounds">{grounds}</textarea>' in refused.text
    assert "<button>Send again</button>" in refused.text
    assert "异议理由：最多 20000 个字。（现为 20,005 个字）" in chinese.text
    assert program.status_code == 422 and program.json()["field"] == "grounds"
    assert api.services.ledger.record(rid).open_objection() is None


def test_a_record_number_that_is_not_one_in_a_page_address_answers_a_page_saying_so(
    api: Api,
) -> None:
    public = api.client.get("/disclosure/records/not-a-record")
    sign_in(api, Role.AUDITOR)
    audit = api.client.get("/audit/records/12345", params={"lang": "en"})
    program = api.client.get("/api/v1/public/records/not-a-record")

    assert public.status_code == 404 and public.headers["content-type"].startswith("text/html")
    assert "“not-a-record”不是有效的记录编号，没有这条记录。" in public.text
    assert 'href="/">返回上一页</a>' in public.text
    assert audit.status_code == 404 and "“12345” is not a record number" in audit.text
    assert 'href="/audit">Back</a>' in audit.text
    assert program.status_code == 422 and program.json()["field"] == "record_id"
