"""In a real browser: an official objects, the public page shows the mark, a reviewer decides
with the grounds in view; a reviewer accepts an objection having read it; a department files a
record with its form and decides an objection forwarded to it; an auditor reads a timeline as
of an instant; the public search and the deadline board are used through their forms; a
phone's width."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger import commands as c
from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.events import Role
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from ledger.values import StepStatus
from projections.follower import run_followers
from projections.log import log_table_of
from projections.registry import all_views
from tests.support import world
from tests.support.site import serving

CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> str:
    """Debian's Chromium, installed by the test set-up when missing (never downloaded)."""
    if shutil.which(CHROMIUM) is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False,
                       capture_output=True)
    if shutil.which(CHROMIUM) is None:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True,
                       capture_output=True)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = ensure_chromium()
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=path, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield found
        found.close()


@dataclass
class Site:
    url: str
    tokens: dict[Role, str]
    record_id: str
    ledger: Ledger


@pytest.fixture
def site(pg_url: str, clock: world.FakeClock) -> Iterator[Site]:
    ledger = world.postgres_world(pg_url, clock)
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    store = PostgresTokenStore(pg_url)
    tokens = {
        Role.SUBJECT_OFFICIAL: store.create(Account("o", Role.SUBJECT_OFFICIAL, world.BODY_CODE,
                                                    "o")),
        Role.PLATFORM_REVIEWER: store.create(Account("r", Role.PLATFORM_REVIEWER, None, "r")),
        Role.AUDITOR: store.create(Account("a", Role.AUDITOR, None, "a")),
        Role.OPERATOR: store.create(Account("p", Role.OPERATOR, None, "p")),
        Role.SOURCE_DEPARTMENT: store.create(Account("d", Role.SOURCE_DEPARTMENT, world.SOURCE_CODE,
                                                     "d")),
    }
    stop = threading.Event()
    followers = run_followers(pg_url, all_views(), log_table_of(ledger), stop,
                              poll_interval=0.2)
    services = Services(ledger, store, PostgresIdempotencyStore(pg_url), database_url=pg_url)
    with serving(services) as url:
        yield Site(url, tokens, str(rid), ledger)
    stop.set()
    for follower in followers:
        follower.join(timeout=5)
    ledger.close()


def sign_in(page: Page, site: Site, role: Role) -> None:
    page.goto(f"{site.url}/login")
    page.fill("input[name=token]", site.tokens[role])
    page.click("form[action='/login'] button")


def fill_in(form: Page | Locator, fields: dict[str, str], choices: dict[str, str]) -> None:
    """Type into the fields and pick the choices, each found by its label."""
    for label, text in fields.items():
        form.get_by_label(label).fill(text)
    for label, value in choices.items():
        form.get_by_label(label).select_option(value)


def public_page_shows(page: Page, site: Site, text: str, present: bool) -> None:
    """Reload the public search until the views show the change (followers run apart)."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{site.url}/?q=鼓楼区")
        found = page.get_by_text(text).count() > 0
        if found == present or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert found == present


def test_an_objection_filed_in_the_browser_marks_the_public_page_until_a_reviewer_decides(
    browser: Browser, site: Site,
) -> None:
    official = browser.new_context(locale="zh-CN").new_page()
    sign_in(official, site, Role.SUBJECT_OFFICIAL)
    official.goto(f"{site.url}/subject")
    record = official.locator(f"#r-{site.record_id}")
    record.locator("summary", has_text="提出异议").click()
    form = official.locator(f"form[action='/subject/records/{site.record_id}/objection']")
    form.locator("textarea[name=grounds]").fill("罚款金额计算有误，应为四万元。")
    form.locator("button").click()
    expect(record.get_by_role("status")).to_contain_text("已记录")
    expect(record).to_contain_text("信用平台应于2026-05-07前标注“异议处理中”")
    expect(record).to_contain_text("罚款金额计算有误，应为四万元。")

    reviewer = browser.new_context(locale="zh-CN").new_page()
    sign_in(reviewer, site, Role.PLATFORM_REVIEWER)
    reviewer.goto(f"{site.url}/review")
    task = reviewer.get_by_role("row").filter(has_text="异议标注").filter(
        has_text="罚款金额计算有误，应为四万元。")
    expect(task).to_contain_text("福州市鼓楼区自然资源局")
    expect(task).to_contain_text("未按合同约定支付中标企业货款。")
    task.locator(f"form[action='/review/records/{site.record_id}/mark'] button").click()
    expect(reviewer.get_by_role("status")).to_contain_text("已记录")

    public = browser.new_context(locale="zh-CN").new_page()
    public_page_shows(public, site, "异议处理中", present=True)

    deadline = time.monotonic() + 15
    rejection = f"form[action='/review/records/{site.record_id}/reject']"
    while reviewer.locator(rejection).count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        reviewer.goto(f"{site.url}/review")
    reviewer.locator(f"{rejection} input[name=reasons]").fill("异议理由与事实不符")
    reviewer.locator(f"{rejection} button").click()
    expect(reviewer.get_by_role("status")).to_contain_text("已记录")

    public_page_shows(public, site, "异议处理中", present=False)
    assert public.get_by_text("闽纪〔2026〕1号").count() == 1


def test_a_department_files_a_record_with_its_form_and_decides_an_objection_forwarded_to_it(
    browser: Browser, site: Site,
) -> None:
    department = browser.new_context(locale="zh-CN").new_page()
    sign_in(department, site, Role.SOURCE_DEPARTMENT)
    assert department.url == f"{site.url}/department"

    department.get_by_role("link", name="报送新记录").click()
    fill_in(department, {
        "决定文号": "闽纪〔2026〕9号", "决定日期": "2026-04-21",
        "主体统一社会信用代码": world.BODY_CODE, "失信事实": "未按规定公开招标。",
        "法律依据": "《招标投标法》第四条", "处理决定": "通报批评。",
    }, choices={"类别": "accountability", "领域": "bidding", "失信程度": "minor",
                "所属地区": "350102"})
    department.get_by_role("button", name="报送", exact=True).click()
    expect(department.get_by_role("status")).to_contain_text("记录已报送")
    expect(department.locator("table.facts")).to_contain_text("未按规定公开招标。")

    # an objection to the record filed at the start, forwarded to the department
    rid, ledger = UUID(site.record_id), site.ledger
    world.forwarded_objection(ledger, rid, "款项已于四月支付完毕")
    until_shown(department, "款项已于四月支付完毕",
                lambda: department.goto(f"{site.url}/department"))
    row = department.get_by_role("row").filter(has_text="款项已于四月支付完毕")
    row.locator("summary", has_text="作出决定").click()
    row.get_by_label("核实结果").select_option("upheld")
    row.get_by_label("理由").fill("经核实，记录无误。")
    row.get_by_role("button", name="作出决定").click()

    expect(department.get_by_role("status")).to_contain_text("已记录")
    expect(department.locator("ol.steps")).to_contain_text("本部门作出异议决定：维持。经核实，记录无误。")
    assert ledger.record(rid).open_objection() is None


def test_a_reviewer_accepts_an_objection_having_read_its_grounds_in_the_queue(
    browser: Browser, site: Site,
) -> None:
    rid, ledger = UUID(site.record_id), site.ledger
    grounds = "货款已于三月结清，附银行回单"
    n = ledger.file_objection(c.FileObjection(record_id=rid, grounds=grounds), world.official())
    ledger.mark_objection(c.MarkObjection(record_id=rid, number=n), world.REVIEWER)

    reviewer = browser.new_context(locale="zh-CN").new_page()
    sign_in(reviewer, site, Role.PLATFORM_REVIEWER)
    assert reviewer.url == f"{site.url}/review"
    until_shown(reviewer, grounds, lambda: reviewer.goto(f"{site.url}/review"))
    task = reviewer.get_by_role("row").filter(has_text="异议受理").filter(has_text=grounds)
    expect(task).to_contain_text("福州市鼓楼区自然资源局")
    expect(task).to_contain_text("闽纪〔2026〕1号")
    expect(task).to_contain_text("未按合同约定支付中标企业货款。")
    task.get_by_role("button", name="受理", exact=True).click()

    expect(reviewer.get_by_role("status")).to_contain_text("已记录")
    assert ledger.record(rid).objections[n].status is StepStatus.ACCEPTED


def test_an_auditor_opens_a_records_timeline_from_the_audit_page_and_reads_it_as_of_an_instant(
    browser: Browser, site: Site, clock: world.FakeClock,
) -> None:
    clock.advance(days=2)  # filed at 09:30 Beijing time; explained two days on
    site.ledger.submit_explanation(c.SubmitExplanation(
        record_id=UUID(site.record_id), text="已按要求说明情况。"), world.official())

    auditor = browser.new_context(locale="zh-CN").new_page()
    sign_in(auditor, site, Role.AUDITOR)
    assert auditor.url == f"{site.url}/audit"
    auditor.get_by_label("记录 ID").fill(site.record_id)
    auditor.get_by_role("button", name="记录时间线").click()
    timeline = auditor.locator("table.timeline")
    expect(timeline).to_contain_text("提交书面说明")

    auditor.get_by_label("截至时间（北京时间）").fill("2026-05-06T10:30:15")
    with auditor.expect_navigation():
        auditor.get_by_role("button", name="查询").click()

    expect(auditor.get_by_label("截至时间（北京时间）")).to_have_value("2026-05-06T10:30:15")
    expect(timeline.get_by_role("row").nth(1)).to_contain_text("报送记录")
    expect(timeline).to_contain_text("2026-05-06 09:30:00")
    expect(timeline).not_to_contain_text("提交书面说明")
    assert "as_of=2026-05-06T10%3A30%3A15" in auditor.url


def until_shown(page: Page, text: str, act: Callable[[], object]) -> None:
    """Repeat what the person does until the page shows ``text`` (followers run apart)."""
    deadline = time.monotonic() + 15
    act()
    while page.get_by_text(text).count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        act()


def test_a_visitor_searches_by_a_name_leaving_every_dropdown_at_all_and_reads_the_result(
    browser: Browser, site: Site,
) -> None:
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(site.url)
    answers: list[int] = []
    visitor.on("response", lambda r: answers.append(r.status) if r.request.is_navigation_request()
               else None)

    def search() -> None:
        visitor.get_by_label("名称或统一社会信用代码").fill("福州")
        for dropdown in ("地区", "类别", "失信程度"):
            expect(visitor.get_by_label(dropdown)).to_have_value("")
            assert visitor.get_by_label(dropdown).locator("option:checked").inner_text() == "全部"
        visitor.get_by_role("button", name="查询").click()
        visitor.wait_for_load_state()

    until_shown(visitor, "闽纪〔2026〕1号", search)

    assert answers and set(answers) == {200}
    assert "category=&severity=" in visitor.url
    expect(visitor.get_by_text("共 1 条")).to_be_visible()
    row = visitor.get_by_role("row").filter(has_text="闽纪〔2026〕1号")
    expect(row.get_by_role("link", name="福州市鼓楼区自然资源局")).to_be_visible()
    expect(row).to_contain_text("行政处罚")
    expect(row).to_contain_text("一般")
    expect(visitor.get_by_label("名称或统一社会信用代码")).to_have_value("福州")


def test_an_operator_signs_in_lands_on_the_deadline_board_and_searches_with_its_defaults(
    browser: Browser, site: Site,
) -> None:
    operator = browser.new_context(locale="zh-CN").new_page()
    sign_in(operator, site, Role.OPERATOR)
    expect(operator.get_by_role("heading", name="时限监控")).to_be_visible()
    assert operator.url == f"{site.url}/deadlines"

    def search() -> None:
        with operator.expect_navigation() as answer:
            operator.locator("form.filters").get_by_role("button", name="查询").click()
        assert answer.value is not None and answer.value.status == 200

    until_shown(operator, "2026-05-26", search)

    assert "kind=&within=" in operator.url
    row = operator.get_by_role("row").filter(has_text="2026-05-26")
    expect(row).to_contain_text("书面说明")
    expect(row).to_contain_text(world.BODY_CODE)
    expect(operator.get_by_role("alert")).to_have_count(0)


def test_the_public_search_fits_a_phone_without_sideways_scrolling(
    browser: Browser, site: Site,
) -> None:
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    until_shown(phone, "闽纪〔2026〕1号", lambda: phone.goto(f"{site.url}/?q=福州"))

    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for value in ("行政处罚", "一般"):
        cell = phone.get_by_role("cell", name=value, exact=True)
        assert cell.evaluate(ONE_LINE), f"{value} wraps"
    phone.goto(f"{site.url}/disclosure/records/{site.record_id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


# Whether a cell's value (its last text) is laid out on a single line.
ONE_LINE = """cell => {
  const range = document.createRange();
  range.selectNodeContents(cell.lastChild);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size === 1;
}"""


def test_an_operator_reads_the_boards_pictures_opens_their_numbers_and_downloads_one(
    browser: Browser, site: Site,
) -> None:
    operator = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                   accept_downloads=True).new_page()
    sign_in(operator, site, Role.OPERATOR)
    until_shown(operator, "2026-05-26", lambda: operator.locator("form.filters").get_by_role(
        "button", name="查询").click())

    due = operator.get_by_role("img", name="未来20个工作日每日到期时限")
    expect(due).to_be_visible()
    expect(due.locator("text").filter(has_text="5/26")).to_have_count(1)
    expect(operator.get_by_role("img", name="逾期时限（按类型）")).to_be_visible()
    assert operator.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
    operator.get_by_text("图中数据").click()
    expect(operator.get_by_role("row").filter(has_text="2026-05-26").first).to_contain_text("1")
    with operator.expect_download() as download:
        operator.get_by_role("link", name="下载图片（SVG）").first.click()
    assert download.value.suggested_filename == "deadlines-due.svg"

    operator.get_by_role("link", name="地区诚信评价与预警").click()
    scores = operator.get_by_role("img", name="各地区评分（红色为有预警）")
    expect(scores).to_contain_text("福州市")
    expect(operator.get_by_role("row").filter(has_text="福州市").first).to_be_visible()


def test_an_auditor_sees_a_records_life_beside_its_timeline(browser: Browser, site: Site) -> None:
    auditor = browser.new_context(locale="zh-CN").new_page()
    sign_in(auditor, site, Role.AUDITOR)
    auditor.get_by_label("记录 ID").fill(site.record_id)
    auditor.get_by_role("button", name="记录时间线").click()

    life = auditor.get_by_role("img", name="记录全程")
    expect(life).to_contain_text("公示期")
    expect(life.locator("circle")).to_have_count(
        auditor.locator("table.timeline tbody tr").count())


def test_a_visitor_reads_that_a_public_record_was_verified_and_downloads_its_proof_bundle(
    browser: Browser, site: Site, clock: world.FakeClock, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, pg_url: str,
) -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(public).decode())
    sealer = Sealer(pg_url, LogTable.of(site.ledger), key=key, clock=clock)
    sealer.seal_pending()
    sealer.issue_head()
    sealer.close()

    visitor = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    visitor.goto(f"{site.url}/disclosure/records/{site.record_id}")
    expect(visitor.get_by_text("个见证方联署")).to_contain_text("已核验：第")
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="下载证明包").click()
    assert download.value.suggested_filename == f"record-{site.record_id}-bundle.json"
    saved = tmp_path / "bundle.json"
    download.value.save_as(saved)
    report = verify_bundle(json.loads(saved.read_text(encoding="utf-8")), trusted_key=public)
    assert report.ok, report.problems


def test_a_department_decides_an_objection_corrected_and_the_public_page_shows_the_new_facts(
    browser: Browser, site: Site,
) -> None:
    rid, ledger = UUID(site.record_id), site.ledger
    world.forwarded_objection(ledger, rid, "罚款应为四万元")
    visitor = browser.new_context(locale="zh-CN").new_page()
    public_page_shows(visitor, site, "闽纪〔2026〕1号", present=True)
    visitor.get_by_role("row").filter(has_text="闽纪〔2026〕1号").get_by_role(
        "link", name="福州市鼓楼区自然资源局").click()
    record_page = visitor.url
    expect(visitor.get_by_role("row").filter(has_text="罚款金额")).to_contain_text("50000")

    department = browser.new_context(locale="zh-CN").new_page()
    sign_in(department, site, Role.SOURCE_DEPARTMENT)
    until_shown(department, "罚款应为四万元", lambda: department.goto(f"{site.url}/department"))
    row = department.get_by_role("row").filter(has_text="罚款应为四万元")
    row.locator("summary", has_text="作出决定").click()
    row.get_by_label("核实结果").select_option("corrected")
    row.get_by_label("理由").fill("经核实，罚款金额计算有误。")
    row.locator("summary", has_text="更正").click()
    row.get_by_label("失信事实").fill("未按合同约定支付中标企业货款四万元。")
    row.locator("input[name=new_fine_yuan]").fill("40000.00")
    row.get_by_role("button", name="作出决定").click()
    expect(department.get_by_role("status")).to_contain_text("已记录")

    def reread() -> None:
        visitor.goto(record_page)

    until_shown(visitor, "未按合同约定支付中标企业货款四万元。", reread)
    fine = visitor.get_by_role("row").filter(has_text="罚款金额")
    expect(fine).to_contain_text("40000")
    expect(fine).not_to_contain_text("50000")


def test_a_12345_lead_becomes_a_record_answered_from_the_departments_inbox(
    browser: Browser, site: Site,
) -> None:
    site.ledger.receive_lead(rc.ReceiveLead.model_validate({
        "origin": "hotline_12345", "reference": "GD20260506017", "received_on": "2026-05-06",
        "summary": "市民来电反映中标企业货款逾期未付", "body_code": world.BODY_CODE,
        "department": world.SOURCE}), world.REVIEWER)
    department = browser.new_context(locale="zh-CN").new_page()
    sign_in(department, site, Role.SOURCE_DEPARTMENT)
    department.get_by_role("link", name="线索收件箱").click()
    inbox = department.url
    until_shown(department, "GD20260506017", lambda: department.goto(inbox))
    row = department.get_by_role("row").filter(has_text="GD20260506017")
    expect(row).to_contain_text("12345 热线")
    expect(row).to_contain_text("福州市鼓楼区自然资源局")
    row.get_by_role("link", name="GD20260506017").click()

    department.locator("summary", has_text="认定失信并报送记录").click()
    form = department.locator("form[action$='/record']")
    fill_in(form, {
        "决定文号": "闽纪认〔2026〕17号", "决定日期": "2026-05-06",
        "法律依据": "《保障中小企业款项支付条例》第八条", "处理决定": "责令限期支付并予以通报。",
    }, choices={"类别": "administrative_penalty", "失信程度": "general"})
    form.get_by_role("button", name="认定失信并报送记录").click()

    expect(department.get_by_role("status")).to_contain_text("已记录")
    expect(department.get_by_role("row").filter(has_text="办理结果")).to_contain_text(
        "已认定并报送失信记录")
    department.get_by_role("link", name="闽纪认〔2026〕17号").click()
    expect(department.locator("main")).to_contain_text("市民来电反映中标企业货款逾期未付")
    expect(department.locator("main")).to_contain_text("闽纪认〔2026〕17号")


def test_the_public_commitments_fit_a_phone_without_sideways_scrolling(
    browser: Browser, site: Site,
) -> None:
    site.ledger.make_commitment(rc.MakeCommitment.model_validate({
        "department": world.SOURCE, "reference": "承诺-1",
        "maker_code": world.BODY_CODE, "kind": "investment_promotion",
        "content": "落户奖励资金自签约之日起三年内分期兑现，每年不少于三分之一",
        "source_document": "鼓政〔2026〕3号", "made_to": "某科技公司", "made_on": "2026-05-06",
        "due": "2026-12-31", "public": True}), world.DEPT)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    phone.goto(site.url)
    phone.get_by_role("link", name="政务承诺公示").click()
    commitments = phone.url
    until_shown(phone, "落户奖励资金", lambda: phone.goto(commitments))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_role("row").filter(has_text="落户奖励资金")).to_contain_text("待办理")
