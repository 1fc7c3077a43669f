"""The public reads what stands: an objection decided "corrected" changes the public page."""

from __future__ import annotations

from ledger.events import Role
from tests.support.api import Api, Views, file_on_the_api
from tests.support.world import SOURCE


def test_an_objection_decided_corrected_changes_what_the_public_record_page_shows(
    api: Api, views: Views,
) -> None:
    filed = file_on_the_api(api)
    rid = filed.json()["record_id"]
    base = f"/api/v1/records/{rid}/objections"
    official, reviewer = api.headers(Role.SUBJECT_OFFICIAL), api.headers(Role.PLATFORM_REVIEWER)
    api.client.post(base, headers=official, json={"grounds": "货款已于四月付清"})
    for step in ("mark", "acceptance"):
        api.client.post(f"{base}/1/{step}", headers=reviewer, json={})
    api.client.post(f"{base}/1/forwarding", headers=reviewer, json={"to": SOURCE})
    decided = api.client.post(
        f"{base}/1/decision", headers=api.headers(Role.SOURCE_DEPARTMENT),
        json={"outcome": "corrected", "reasons": "核实后更正",
              "changes": {"facts": "逾期支付货款，已于决定后补付。", "fine_yuan": "20000"}})
    assert decided.status_code == 200, decided.text
    views.catch_up()

    page = api.client.get(f"/disclosure/records/{rid}").text
    assert "逾期支付货款，已于决定后补付。" in page
    assert "未按合同约定支付中标企业货款。" not in page  # the filed facts no longer stand
