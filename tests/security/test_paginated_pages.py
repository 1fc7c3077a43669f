"""The official's subject page is paginated: it reads and shows one page of records, not all of
them, and a page number past the end shows the last page.

Before, ``/subject`` read every record of the subject from the log and rendered them all on one
page (a body with thousands of records made each visit read thousands of histories); this test
failed there (all 23 records on the first page, no page links).
"""

from __future__ import annotations

import re

from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.world import DEPT, filing


def _records(page: str) -> list[str]:
    return re.findall(r'<section class="record" id="r-([0-9a-f-]+)"', page)


def test_a_subject_with_more_records_than_a_page_shows_page_links_and_the_rest_on_page_two(
    api: Api, views: Views,
) -> None:
    # a department files 23 records about the same body
    filed = [str(api.services.ledger.file_record(filing(n), DEPT).record_id)
             for n in range(1, 24)]
    views.catch_up()
    sign_in(api, Role.SUBJECT_OFFICIAL)

    first = api.client.get("/subject")
    second = api.client.get("/subject", params={"page": "2"})
    beyond = api.client.get("/subject", params={"page": "99999999999999999999"})

    assert first.status_code == second.status_code == beyond.status_code == 200
    assert len(_records(first.text)) == 20
    assert 'href="?page=2"' in first.text and 'rel="next"' in first.text
    assert len(_records(second.text)) == 3 and 'rel="prev"' in second.text
    assert sorted(_records(first.text) + _records(second.text)) == sorted(filed)
    assert _records(beyond.text) == _records(second.text)

    # what is due is listed whole on every page; a deadline of a record on page 2 links there
    for page in (first.text, second.text):
        assert sum(f"#r-{rid}" in page for rid in filed) == 23
    assert f'href="?page=2#r-{_records(second.text)[0]}"' in first.text
    assert f'href="#r-{_records(second.text)[0]}"' in second.text


def test_the_deadline_board_shows_fifty_deadlines_a_page_and_pages_past_the_end_show_the_last(
    api: Api, views: Views,
) -> None:
    """Before, the board rendered every open deadline it fetched (up to 1,000) on one page."""
    for n in range(1, 53):
        api.services.ledger.file_record(filing(n), DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    first = api.client.get("/deadlines", params={"kind": "explanation"})
    second = api.client.get("/deadlines", params={"kind": "explanation", "page": "2"})
    beyond = api.client.get("/deadlines", params={"kind": "explanation", "page": "9" * 30})

    rows = '<td class="lead">'
    assert first.text.count(rows) == 50 and second.text.count(rows) == 2
    assert 'href="?kind=explanation&amp;page=2"' in first.text
    assert beyond.text.count(rows) == 2
