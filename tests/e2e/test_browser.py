"""In a real browser: an official objects, the public page shows the mark, a reviewer decides."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger.events import Role
from projections.follower import run_followers
from projections.log import log_table_of
from projections.registry import all_views
from tests.conftest import BODY_CODE, DEPT, FakeClock, filing, postgres_ledger, register_world

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def site(pg_url: str, clock: FakeClock) -> Iterator[Site]:
    ledger = postgres_ledger(pg_url, clock)
    register_world(ledger)
    rid = ledger.file_record(filing(), DEPT).record_id
    store = PostgresTokenStore(pg_url)
    tokens = {
        Role.SUBJECT_OFFICIAL: store.create(Account("o", Role.SUBJECT_OFFICIAL, BODY_CODE, "o")),
        Role.PLATFORM_REVIEWER: store.create(Account("r", Role.PLATFORM_REVIEWER, None, "r")),
    }
    stop = threading.Event()
    followers = run_followers(pg_url, all_views(), log_table_of(ledger), stop,
                              poll_interval=0.2)
    services = Services(ledger, store, PostgresIdempotencyStore(pg_url), database_url=pg_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", tokens, str(rid))
    server.should_exit = True
    stop.set()
    thread.join(timeout=10)
    for follower in followers:
        follower.join(timeout=5)
    ledger.close()


def sign_in(page: Page, site: Site, role: Role) -> None:
    page.goto(f"{site.url}/login")
    page.fill("input[name=token]", site.tokens[role])
    page.click("form[action='/login'] button")


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
    form = official.locator(f"form[action='/subject/records/{site.record_id}/objection']")
    form.locator("textarea[name=grounds]").fill("罚款金额计算有误，应为四万元。")
    form.locator("button").click()
    expect(official.get_by_role("status")).to_contain_text("已记录")

    reviewer = browser.new_context(locale="zh-CN").new_page()
    sign_in(reviewer, site, Role.PLATFORM_REVIEWER)
    reviewer.goto(f"{site.url}/review")
    reviewer.locator(f"form[action='/review/records/{site.record_id}/mark'] button").click()
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
