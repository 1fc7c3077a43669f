"""Over HTTP: the deciding authority that approved a repair revokes it for false material,
and the record is on the public page again; another department may not."""

from __future__ import annotations

from datetime import date

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api, Views
from tests.support.world import SOURCE, FakeClock, filing, uscc

REVOCATION = {"reasons": "整改报告系伪造", "finding": "闽纪核〔2026〕9号"}


def test_the_approving_department_revokes_a_repair_and_the_public_page_shows_the_record_again(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    dept, reviewer = api.headers(Role.SOURCE_DEPARTMENT), api.headers(Role.PLATFORM_REVIEWER)
    rid = api.client.post("/api/v1/records", headers=dept,
                          json=filing(1).model_dump(mode="json")).json()["record_id"]
    clock.set_date(date(2026, 7, 21))  # the day after the minimum publicity period
    base = f"/api/v1/records/{rid}/repairs"
    api.client.post(base, headers=api.headers(Role.SUBJECT_OFFICIAL), json={"commitment": "承诺"})
    api.client.post(f"{base}/1/forwarding", headers=reviewer, json={"to": SOURCE})
    approved = api.client.post(f"{base}/1/decision", headers=dept,
                               json={"approved": True, "reasons": "已整改"})
    assert approved.status_code == 200, approved.text
    views.catch_up()
    assert api.client.get(f"/api/v1/public/records/{rid}").status_code == 404

    token = api.services.tokens.create(Account(
        "second-dept", Role.SOURCE_DEPARTMENT, uscc("11350700MB09876"), "second"))
    refused = api.client.post(f"{base}/1/revocation", json=REVOCATION,
                              headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    missing = api.client.post(f"{base}/1/revocation", headers=dept,
                              json={"reasons": "材料虚假"})
    assert missing.status_code == 422 and "finding" in missing.text

    clock.set_date(date(2026, 11, 2))
    revoked = api.client.post(f"{base}/1/revocation", headers=dept, json=REVOCATION)
    assert revoked.status_code == 200, revoked.text
    views.catch_up()
    record = api.client.get(f"/api/v1/records/{rid}", headers=dept).json()
    assert (record["status"], record["published"]) == ("in_force", True)
    assert api.client.get(f"/api/v1/public/records/{rid}").status_code == 200
    assert "未按合同约定支付中标企业货款。" in api.client.get(f"/disclosure/records/{rid}").text
    again = api.client.post(base, headers=api.headers(Role.SUBJECT_OFFICIAL),
                            json={"commitment": "再次承诺"})
    assert again.status_code == 409 and "2028-11-02" in again.text
