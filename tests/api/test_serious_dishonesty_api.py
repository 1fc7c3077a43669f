"""A department reads which subjects are seriously dishonest (严重失信), why and on which
records, over the API and on its record page; an official and the public do not, and the flag
goes when its record is withdrawn."""

from __future__ import annotations

from ledger import commands as c
from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.world import DEPT, filing

FLAG = "严重失信主体"


def test_a_department_reads_a_body_flagged_for_its_serious_record_until_it_is_withdrawn(
    api: Api, views: Views,
) -> None:
    rid = api.services.ledger.file_record(filing(1, severity="serious"), DEPT).record_id
    views.catch_up()
    subject = api.services.ledger.record(rid).content.subject_id
    department = api.headers(Role.SOURCE_DEPARTMENT)

    [listed] = api.client.get("/api/v1/serious-dishonesty", headers=department).json()
    assert (listed["subject_id"], listed["reasons"][0]["kind"]) == (
        str(subject), "serious_records")
    assert [r["record_id"] for r in listed["records"]] == [str(rid)]
    assert api.client.get("/api/v1/serious-dishonesty?region=350200",
                          headers=department).json() == []
    unknown = api.client.get("/api/v1/serious-dishonesty?region=999999", headers=department)
    assert unknown.status_code == 422 and "region" in unknown.text
    one = api.client.get(f"/api/v1/subjects/{subject}/serious-dishonesty",
                         headers=department).json()
    assert one["flagged"] is True and one["flag"]["rule_set_id"] == "ndrc-order-36"
    assert api.client.get("/api/v1/serious-dishonesty",
                          headers=api.headers(Role.SUBJECT_OFFICIAL)).status_code == 403

    sign_in(api, Role.SOURCE_DEPARTMENT)
    page = api.client.get(f"/department/records/{rid}")
    assert page.status_code == 200 and FLAG in page.text and "取消评优评先资格" in page.text

    api.services.ledger.withdraw_record(c.WithdrawRecord(record_id=rid, reasons="决定被撤销"),
                                        DEPT)
    views.catch_up()
    gone = api.client.get(f"/api/v1/subjects/{subject}/serious-dishonesty",
                          headers=department).json()
    assert gone == {"flagged": False, "flag": None}
    assert FLAG not in api.client.get(f"/department/records/{rid}").text


def test_the_public_never_sees_the_flag_while_the_rule_set_keeps_it_internal(
    api: Api, views: Views,
) -> None:
    rid = api.services.ledger.file_record(filing(1, severity="serious"), DEPT).record_id
    views.catch_up()
    api.client.cookies.clear()

    refused = api.client.get("/api/v1/public/serious-dishonesty")
    assert refused.status_code == 404 and "serious_dishonesty_public" in refused.text
    for path in ("/", f"/disclosure/records/{rid}", "/commitments",
                 f"/api/v1/public/records/{rid}", "/api/v1/public/records"):
        answer = api.client.get(path)
        assert answer.status_code == 200, path
        assert FLAG not in answer.text and "serious_dishonesty" not in answer.text, path
