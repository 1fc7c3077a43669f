"""Commitments and leads over HTTP: a department registers and answers only its own, the public
sees public commitments with their state, and the response rates are read per department."""

from __future__ import annotations

from typing import Any

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api, Views
from tests.support.world import BODY_CODE, SOURCE, SOURCE_CODE, uscc

SRC, REV, OPS = Role.SOURCE_DEPARTMENT, Role.PLATFORM_REVIEWER, Role.OPERATOR
FILING = {"document_number": "闽纪认〔2026〕7号", "decision_date": "2026-05-06",
          "severity": "general", "legal_basis": "依据", "decision_content": "认定失信"}


def other_department(api: Api) -> dict[str, str]:
    token = api.services.tokens.create(Account("dept-other", SRC, uscc("11350000MB05678"),
                                               "另一部门"))
    return {"Authorization": f"Bearer {token}"}


def make(api: Api, **fields: Any) -> str:
    body = {"department": SOURCE, "reference": "承诺-1", "maker_code": BODY_CODE,
            "kind": "investment_promotion", "content": "落户奖励三年内兑现",
            "source_document": "鼓政〔2026〕3号", "made_to": "某科技公司",
            "made_on": "2026-05-06", "due": "2026-12-31", "public": True} | fields
    response = api.client.post("/api/v1/commitments", json=body, headers=api.headers(SRC))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_public_commitment_breached_by_finding_shows_on_the_public_list_with_its_record(
    api: Api, views: Views,
) -> None:
    cid = make(api)
    refused = api.client.post(f"/api/v1/commitments/{cid}/breach", headers=other_department(api),
                              json={"finding": "未兑现", "filing": FILING})
    assert refused.status_code == 404

    found = api.client.post(f"/api/v1/commitments/{cid}/breach", headers=api.headers(SRC),
                            json={"finding": "奖励资金未兑现", "filing": FILING})
    assert found.status_code == 201, found.text
    views.catch_up()

    shown = api.client.get("/api/v1/public/commitments").json()
    assert [(c["commitment_id"], c["state"], c["record_id"]) for c in shown] == [
        (cid, "breached", found.json()["record_id"])]
    assert "department_code" not in shown[0] and "evidence" not in shown[0]
    assert api.client.get("/api/v1/commitments", headers=other_department(api)).json() == []


def test_a_lead_sent_to_a_department_is_in_its_inbox_only_and_its_answer_counts_in_the_rates(
    api: Api, views: Views,
) -> None:
    lead = {"origin": "hotline_12345", "reference": "GD20260506001", "received_on": "2026-05-06",
            "summary": "企业反映奖励未兑现", "body_code": BODY_CODE, "department": SOURCE}
    first = api.client.post("/api/v1/leads", json=lead, headers=api.headers(REV))
    again = api.client.post("/api/v1/leads", json=lead, headers=api.headers(REV))
    assert (first.status_code, first.json()["created"], again.json()) == (
        201, True, {"id": first.json()["id"], "created": False})
    lid = first.json()["id"]
    views.catch_up()
    assert [r["lead_id"] for r in api.client.get(
        "/api/v1/leads", headers=api.headers(SRC)).json()] == [lid]
    assert api.client.get("/api/v1/leads", headers=other_department(api)).json() == []
    assert api.client.post(f"/api/v1/leads/{lid}/unfounded", json={"reasons": "不实"},
                           headers=other_department(api)).status_code == 404

    filed = api.client.post(f"/api/v1/leads/{lid}/record", json={"filing": FILING | {
        "category": "administrative_penalty"}}, headers=api.headers(SRC))
    assert filed.status_code == 201, filed.text
    views.catch_up()

    rates = api.client.get("/api/v1/leads/responses", headers=api.headers(OPS)).json()
    assert [(r["code"], r["received"], r["answered"], r["record_filed"], r["answer_share"])
            for r in rates] == [(SOURCE_CODE, 1, 1, 1, 1.0)]
