"""Pictures on the pages: the deadline board's load, the regions' scores, a record's life. Each
is an SVG drawn on the server with the same numbers in a table beside it, and downloads."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

from ledger import commands as c
from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.world import ADMIN, DEPT, FakeClock, filing, uscc

SVG = "{http://www.w3.org/2000/svg}"
XIAMEN_CODE = uscc("11350203MB00003")


def figures(page: str) -> list[ElementTree.Element]:
    """Every picture inline in a page, parsed (a picture that is not well-formed fails here)."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, re.S)]


def texts(svg: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_an_operator_sees_when_deadlines_fall_due_and_which_are_overdue(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = api.services.ledger
    for n in (1, 2, 3):
        ledger.file_record(filing(n), DEPT)  # three explanations due the same working day
    clock.set_date(date(2026, 5, 27))  # ... which was 2026-05-26: they are overdue now
    fresh = ledger.file_record(filing(4), DEPT).record_id
    due_on = ledger.record(fresh).deadlines["explanation"].due
    assert due_on is not None
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    board = api.client.get("/deadlines")  # every filter left at "all"

    assert board.status_code == 200
    due, overdue = figures(board.text)
    assert due.findtext(f"{SVG}title") == "未来20个工作日每日到期时限"
    assert "5/27" in texts(due) and f"{due_on.month}/{due_on.day}" in texts(due)
    columns = list(due.iter(f"{SVG}rect"))
    assert len(columns) == 20 and sum(float(r.get("height", 0)) > 0 for r in columns) == 1
    assert overdue.findtext(f"{SVG}title") == "逾期时限（按类型）"
    assert "书面说明" in "".join(texts(overdue)) and "3" in texts(overdue)
    numbers = board.text.split('<details class="picture-numbers">')[1]
    assert "<td>2026-05-27</td><td>0</td>" in numbers
    assert f"<td>{due_on}</td><td>1</td>" in numbers and "<td>3</td>" in numbers

    download = api.client.get("/deadlines", params={"picture": "overdue", "format": "svg"})
    assert download.headers["content-type"].startswith("image/svg+xml")
    assert 'filename="deadlines-overdue.svg"' in download.headers["content-disposition"]
    assert texts(ElementTree.fromstring(download.content)) == texts(overdue)


def test_a_reviewer_compares_the_cities_scores_and_sees_which_raised_warnings(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    ledger.register_body(c.RegisterBody(credit_code=XIAMEN_CODE, name="厦门市思明区财政局",
                                        region_code="350203"), ADMIN)
    for n in (1, 2):
        ledger.file_record(filing(n, severity="serious"), DEPT)  # Fuzhou's county body
    ledger.file_record(filing(3, subject_code=XIAMEN_CODE, region_code="350203"), DEPT)
    views.catch_up()
    sign_in(api, Role.PLATFORM_REVIEWER)

    page = api.client.get("/regions")

    (scores,) = figures(page.text)
    words = texts(scores)
    assert "福州市" in words and "厦门市" in words
    bars = dict(zip(words[::2], scores.iter(f"{SVG}rect"), strict=True))
    assert bars["福州市"].get("fill") != bars["厦门市"].get("fill")  # Fuzhou is warned
    assert "90.0 (预警 1)" in words and "96.0" in words
    assert float(bars["福州市"].get("width", 0)) < float(bars["厦门市"].get("width", 0))
    assert "福州市" in page.text.split("</figure>")[1]  # the table holds the same regions
    download = api.client.get("/regions", params={"format": "svg"})
    assert download.status_code == 200 and b"<title>" in download.content


def test_an_auditor_sees_a_records_life_from_filing_to_the_end_of_its_publicity(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    record = api.services.ledger.file_record(filing(1), DEPT)
    sign_in(api, Role.AUDITOR)

    page = api.client.get(f"/audit/records/{record.record_id}")

    (life,) = figures(page.text)
    assert life.findtext(f"{SVG}title") == "记录全程"
    words = texts(life)
    facts = len(api.services.ledger.timeline(record.record_id))
    assert len(list(life.iter(f"{SVG}circle"))) == facts
    assert any(w.startswith("公示期 2026-") for w in words)
    assert "今日" in words
    download = api.client.get(f"/audit/records/{record.record_id}", params={"format": "svg"})
    assert download.headers["content-type"].startswith("image/svg+xml")
