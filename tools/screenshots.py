"""Make the screenshots in docs/: each role's page at 1366 px and the public page at 390 px.

The site runs as the browser test runs it (a throwaway embedded PostgreSQL, the views caught
up, uvicorn on a free port) with the Fujian sample data, its clock stopped where the sample
ends, so the pictures come out the same each time. Pages are opened in Debian's Chromium, each
role signed in through the sign-in form; the pages bring their own CJK font, so a machine
without one makes the same pictures:

    .venv/bin/python tools/screenshots.py            # all of them, into docs/
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from playwright.sync_api import Browser, sync_playwright

from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from api.server import sample_subjects
from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import Clock
from ledger.errors import LedgerError
from ledger.events import Actor, Role
from ledger.personal import Vault
from ledger.sample.life import REVIEWER
from ledger.sample.load import load_sample
from ledger.sample.plan import sample_plan
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import create_database, eventsourcing_env, scratch_postgres
from projections.follower import Follower
from projections.log import log_table_of
from projections.registry import all_views

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the site is served as the browser test serves it

from tests.support.site import serving  # noqa: E402

DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
WIDE, PHONE = (1366, 900), (390, 844)
TALLEST = 2200  # a long page is cut here: the picture shows how it starts


@dataclass(frozen=True)
class Shot:
    file: str
    role: Role | None
    path: str
    size: tuple[int, int] = WIDE
    element: str | None = None
    """Only this part of the page (a CSS selector), e.g. one picture."""


def shots(timeline_record: UUID) -> list[Shot]:
    return [
        Shot("disclosure.png", None, "/"),
        Shot("disclosure-phone.png", None, "/?q=福州", PHONE),
        Shot("subject.png", Role.SUBJECT_OFFICIAL, "/subject"),
        Shot("review.png", Role.PLATFORM_REVIEWER, "/review"),
        Shot("deadlines.png", Role.OPERATOR, "/deadlines"),
        Shot("regions.png", Role.OPERATOR, "/regions"),
        Shot("timeline.png", Role.AUDITOR, f"/audit/records/{timeline_record}"),
        Shot("department.png", Role.SOURCE_DEPARTMENT, "/department"),
        Shot("calendar.png", Role.ADMINISTRATOR, "/admin/calendar"),
        Shot("picture-deadlines-due.png", Role.OPERATOR, "/deadlines",
             element="figure.picture >> nth=0"),
        Shot("picture-deadlines-overdue.png", Role.OPERATOR, "/deadlines",
             element="figure.picture >> nth=1"),
        Shot("picture-regions.png", Role.OPERATOR, "/regions", element="figure.picture"),
        Shot("picture-timeline.png", Role.AUDITOR, f"/audit/records/{timeline_record}",
             element="figure.picture"),
    ]


def sample_ledger(url: str, clock: Clock) -> Ledger:
    return Ledger(eventsourcing_env(url), clock=clock,
                  vault=Vault(b"screenshots-only-master-key-32b!", PostgresKeyStore(url)))


def open_matters(ledger: Ledger, subjects: dict[Role, str]) -> None:
    """What the sample leaves decided, opened again so the work pages have work on them: the
    official objects to one of its body's records (the reviewer is to mark it), and an objection
    to another body's record is forwarded to the department to decide."""
    body, department = subjects[Role.SUBJECT_OFFICIAL], subjects[Role.SOURCE_DEPARTMENT]
    records = [item for item in sample_plan().records if item.story == "routine"]
    for mine in (True, False):
        for item in records:
            cmd = item.command
            if (cmd.subject_code == body) != mine or (not mine and cmd.source.code != department):
                continue
            try:
                _object(ledger, item.record_id, cmd, forward=not mine)
                break
            except LedgerError:
                continue  # ended, or already under objection: the next one


def _object(ledger: Ledger, rid: UUID, cmd: c.FileRecord, *, forward: bool) -> None:
    official = Actor(id=f"official-{cmd.subject_code}", role=Role.SUBJECT_OFFICIAL,
                     subject=cmd.subject_code)
    grounds = "该项目款项已于本年九月全部支付，附银行转账凭证，请予核实。"
    n = ledger.file_objection(c.FileObjection(record_id=rid, grounds=grounds), official)
    if forward:
        ledger.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
        ledger.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)
        ledger.forward_objection(c.ForwardObjection(record_id=rid, number=n, to=c.Authority(
            name=cmd.source.name, code=cmd.source.code)), REVIEWER)


@contextmanager
def sample_site() -> Iterator[tuple[str, dict[Role, str], UUID]]:
    """The site on the sample, stopped where the sample ends: its address, one token per role,
    and a record with a long life for the timeline."""
    url = create_database(scratch_postgres("shots"), "ledger")
    clocks: list[Clock] = []

    def opened(clock: Clock) -> Ledger:
        clocks.append(clock)
        return sample_ledger(url, clock)

    summary = load_sample(opened)
    end = clocks[0]()  # the sample's clock, where its story ends
    ledger = sample_ledger(url, lambda: end)
    subjects = sample_subjects()
    open_matters(ledger, subjects)
    for view in all_views():
        follower = Follower(url, view, log_table_of(ledger))
        follower.catch_up()
        follower.close()
    store = PostgresTokenStore(url)
    tokens: dict[Role, str] = {
        role: store.create(Account(f"shots-{role.value}", role, subjects.get(role), role.value))
        for role in Role if role is not Role.SYSTEM}
    services = Services(ledger, store, PostgresIdempotencyStore(url), database_url=url)
    try:
        with serving(services) as site:
            yield site, tokens, summary.examples["objection_corrected"]
    finally:
        ledger.close()


def take(browser: Browser, site: str, tokens: dict[Role, str], shot: Shot) -> Path:
    width, height = shot.size
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    if shot.role is not None:
        page.goto(f"{site}/login")
        page.fill("input[name=token]", tokens[shot.role])
        page.click("form[action='/login'] button")
        page.wait_for_load_state()
    page.goto(site + shot.path)
    page.evaluate("document.fonts.ready")
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width:
        raise SystemExit(f"{shot.path} scrolls sideways at {width} px ({wide} px wide)")
    out = DOCS / shot.file
    if shot.element is not None:
        page.locator(shot.element).screenshot(path=str(out))
        context.close()
        return out
    tall = min(page.evaluate("document.documentElement.scrollHeight"), TALLEST)
    page.screenshot(path=str(out), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": tall})
    context.close()
    return out


def main() -> None:
    with sample_site() as (site, tokens, record), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        for shot in shots(record):
            print(take(browser, site, tokens, shot).relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main()
