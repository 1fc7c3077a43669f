"""Every route, called as every role and anonymously: allowed roles pass the gate, others don't.

The expected matrix is written out here, apart from the code, so a route whose roles change by
accident fails this test; a new route fails it until it is added.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api, Views
from tests.support.world import PARENT_CODE, PERSON_ID, filing, uscc

SRC, OFF, REV, OPS, AUD, ADM = (Role.SOURCE_DEPARTMENT, Role.SUBJECT_OFFICIAL,
                                Role.PLATFORM_REVIEWER, Role.OPERATOR, Role.AUDITOR,
                                Role.ADMINISTRATOR)
READERS = {SRC, OFF, REV, OPS, AUD, ADM}
EVERYONE = READERS
PUBLIC: set[Role] | None = None  # no token needed

EXPECTED: dict[tuple[str, str], set[Role] | None] = {
    ("POST", "/api/v1/records"): {SRC},
    ("GET", "/api/v1/records"): READERS,
    ("GET", "/api/v1/records/{record_id}"): READERS,
    ("GET", "/api/v1/records/{record_id}/timeline"): READERS,
    ("POST", "/api/v1/records/{record_id}/explanation"): {OFF},
    ("POST", "/api/v1/records/{record_id}/rectification/plan"): {OFF},
    ("POST", "/api/v1/records/{record_id}/rectification/completion"): {OFF},
    ("POST", "/api/v1/records/{record_id}/rectification/verification"): {SRC},
    ("POST", "/api/v1/records/{record_id}/rectification/rejection"): {SRC},
    ("POST", "/api/v1/records/{record_id}/rectification/extension"): {SRC, REV},
    ("POST", "/api/v1/records/{record_id}/objections"): {OFF},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/mark"): {REV},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/acceptance"): {REV},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/rejection"): {REV},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/forwarding"): {REV},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/extension"): {REV},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/decision"): {SRC},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/review"): {OFF},
    ("POST", "/api/v1/records/{record_id}/objections/{number}/review/decision"): {REV},
    ("POST", "/api/v1/records/{record_id}/reconsideration"): {SRC, OFF},
    ("POST", "/api/v1/records/{record_id}/reconsideration/conclusion"): {SRC},
    ("POST", "/api/v1/records/{record_id}/withdrawal"): {SRC},
    ("POST", "/api/v1/records/{record_id}/correction"): {SRC},
    ("POST", "/api/v1/records/{record_id}/repairs"): {OFF},
    ("POST", "/api/v1/records/{record_id}/repairs/{number}/forwarding"): {REV},
    ("POST", "/api/v1/records/{record_id}/repairs/{number}/extension"): {REV, SRC},
    ("POST", "/api/v1/records/{record_id}/repairs/{number}/decision"): {SRC},
    ("POST", "/api/v1/records/{record_id}/repairs/{number}/propagation"): {REV},
    ("POST", "/api/v1/records/{record_id}/repairs/{number}/revocation"): {SRC},
    ("POST", "/api/v1/records/{record_id}/sanctions"): {SRC},
    ("POST", "/api/v1/records/{record_id}/mitigations"): {SRC},
    ("POST", "/api/v1/records/{record_id}/performance"): {SRC},
    ("POST", "/api/v1/records/{record_id}/listing/extension"): {SRC},
    ("POST", "/api/v1/subjects/bodies"): {ADM, SRC},
    ("GET", "/api/v1/subjects/bodies/{credit_code}"): READERS,
    ("POST", "/api/v1/subjects/civil-servants"): {ADM, SRC},
    ("GET", "/api/v1/subjects/civil-servants/{person_id}"): {SRC, REV, AUD, ADM},
    ("GET", "/api/v1/subjects/civil-servants/{person_id}/personal-data"): {AUD, SRC},
    ("GET", "/api/v1/calendar"): EVERYONE,
    ("GET", "/api/v1/calendar/status"): EVERYONE,
    ("POST", "/api/v1/calendar/years"): {ADM},
    ("GET", "/api/v1/rule-sets"): EVERYONE,
    ("POST", "/api/v1/rule-sets"): {ADM},
    ("GET", "/api/v1/formulas"): EVERYONE,
    ("POST", "/api/v1/formulas"): {ADM},
    ("POST", "/api/v1/evaluations/snapshots"): {OPS, ADM},
    ("GET", "/api/v1/audit/public-key"): PUBLIC,
    ("GET", "/api/v1/audit/head"): PUBLIC,
    ("GET", "/api/v1/audit/records/{record_id}/versions/{version}/inclusion"): {AUD, ADM},
    ("GET", "/api/v1/audit/consistency"): {AUD, ADM},
    ("GET", "/api/v1/audit/bundle"): {AUD, ADM},
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/subject"): {OFF},
    ("POST", "/subject/records/{record_id}/explanation"): {OFF},
    ("POST", "/subject/records/{record_id}/objection"): {OFF},
    ("POST", "/subject/records/{record_id}/repair"): {OFF},
    ("POST", "/subject/records/{record_id}/rectification-plan"): {OFF},
    ("POST", "/subject/records/{record_id}/rectification-report"): {OFF},
    ("POST", "/subject/records/{record_id}/review"): {OFF},
    ("GET", "/department"): {SRC},
    ("GET", "/department/filing"): {SRC},
    ("POST", "/department/filing"): {SRC},
    ("GET", "/department/import"): {SRC},
    ("POST", "/department/import"): {SRC},
    ("GET", "/department/records/{record_id}"): {SRC},
    ("POST", "/department/records/{record_id}/objections/{number}/decision"): {SRC},
    ("POST", "/department/records/{record_id}/repairs/{number}/decision"): {SRC},
    ("POST", "/department/records/{record_id}/rectification/verification"): {SRC},
    ("POST", "/department/records/{record_id}/rectification/rejection"): {SRC},
    ("POST", "/department/records/{record_id}/withdrawal"): {SRC},
    ("POST", "/department/records/{record_id}/correction"): {SRC},
    ("GET", "/audit"): {AUD, ADM},
    ("GET", "/audit/records/{record_id}"): {AUD, ADM},
    ("GET", "/audit/records/{record_id}/bundle"): {AUD, ADM},
    ("GET", "/api/v1/public/records"): PUBLIC,
    ("GET", "/api/v1/public/records/{record_id}"): PUBLIC,
    ("GET", "/api/v1/deadlines"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/subjects/{subject_id}/status"): READERS,
    ("GET", "/api/v1/regions/{region_code}/rollup"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/subjects/bodies/{credit_code}/status"): READERS,
    ("GET", "/api/v1/subjects/bodies/{credit_code}/evaluation"): {OFF, REV, OPS, AUD, ADM},
    ("GET", "/api/v1/regions/{region_code}/evaluation"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/warnings"): {OPS, REV, AUD, ADM},
    ("GET", "/"): PUBLIC,
    ("GET", "/disclosure/records/{record_id}"): PUBLIC,
    ("GET", "/disclosure/records/{record_id}/bundle.json"): PUBLIC,
    ("GET", "/review"): {REV, ADM},
    ("GET", "/review/records/{record_id}"): {REV, ADM},
    ("GET", "/review/breaches"): {REV, ADM},
    ("POST", "/review/breaches/{commitment_id}/confirmation"): {REV},
    ("POST", "/review/breaches/{commitment_id}/declination"): {REV},
    ("POST", "/review/records/{record_id}/{action}"): {REV},
    ("GET", "/deadlines"): {OPS, REV, AUD, ADM},
    ("GET", "/admin/calendar"): {ADM},
    ("POST", "/admin/calendar/years"): {ADM},
    ("GET", "/regions"): {OPS, REV, AUD, ADM},
    ("GET", "/checkpoint"): PUBLIC,
    ("GET", "/tile/entries/{index}"): PUBLIC,
    ("GET", "/tile/{level}/{index}"): PUBLIC,
    ("POST", "/cosignatures"): PUBLIC,
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/metrics"): {OPS, ADM},
    ("POST", "/api/v1/commitments"): {SRC},
    ("GET", "/api/v1/commitments"): READERS,
    ("GET", "/api/v1/public/commitments"): PUBLIC,
    ("POST", "/api/v1/commitments/{commitment_id}/fulfilment"): {SRC},
    ("POST", "/api/v1/commitments/{commitment_id}/release"): {SRC},
    ("POST", "/api/v1/commitments/{commitment_id}/breach"): {SRC},
    ("POST", "/api/v1/commitments/{commitment_id}/breach/proposal"): {SRC},
    ("POST", "/api/v1/commitments/{commitment_id}/breach/confirmation"): {REV},
    ("POST", "/api/v1/commitments/{commitment_id}/breach/declination"): {REV},
    ("POST", "/api/v1/leads"): {SRC, REV},
    ("GET", "/api/v1/leads"): {SRC, REV, OPS, AUD, ADM},
    ("GET", "/api/v1/leads/responses"): {SRC, REV, OPS, AUD, ADM},
    ("GET", "/api/v1/serious-dishonesty"): {SRC, REV, OPS, AUD, ADM},
    ("GET", "/api/v1/subjects/{subject_id}/serious-dishonesty"): {SRC, REV, OPS, AUD, ADM},
    ("GET", "/api/v1/public/serious-dishonesty"): PUBLIC,
    ("POST", "/api/v1/leads/{lead_id}/unfounded"): {SRC},
    ("POST", "/api/v1/leads/{lead_id}/record"): {SRC},
    ("POST", "/api/v1/leads/{lead_id}/breach"): {SRC},
    ("POST", "/api/v1/leads/{lead_id}/handover"): {SRC},
    ("GET", "/commitments"): PUBLIC,
    ("GET", "/subject/commitments"): {OFF},
    ("GET", "/department/commitments"): {SRC},
    ("POST", "/department/commitments/{commitment_id}/fulfilment"): {SRC},
    ("POST", "/department/commitments/{commitment_id}/release"): {SRC},
    ("POST", "/department/commitments/{commitment_id}/breach"): {SRC},
    ("POST", "/department/commitments/{commitment_id}/breach/proposal"): {SRC},
    ("GET", "/leads/responses"): {OPS, REV, AUD, ADM},
    ("GET", "/department/leads"): {SRC},
    ("GET", "/department/leads/{lead_id}"): {SRC},
    ("POST", "/department/leads/{lead_id}/unfounded"): {SRC},
    ("POST", "/department/leads/{lead_id}/record"): {SRC},
    ("POST", "/department/leads/{lead_id}/breach"): {SRC},
    ("POST", "/department/leads/{lead_id}/handover"): {SRC},
    ("POST", "/department/leads/import"): {SRC},
    ("POST", "/api/v1/ratings"): {OPS, ADM},
    ("POST", "/api/v1/ratings/import"): {OPS, ADM},
    ("GET", "/api/v1/ratings"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/ratings/export"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/evaluations/periods"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/evaluations/periods/{period}"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/evaluations/periods/{period}/export"): {OPS, REV, AUD, ADM},
    ("POST", "/api/v1/evaluations/periods/{period}"): {OPS, ADM},
    ("GET", "/evaluations"): {OPS, REV, AUD, ADM},
    ("POST", "/evaluations"): {OPS, ADM},
    ("GET", "/evaluations/ratings"): {OPS, REV, AUD, ADM},
    ("POST", "/evaluations/ratings/import"): {OPS, ADM},
    ("GET", "/evaluations/{period}"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/warnings/recorded"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/warnings/recorded/export"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/warnings/recorded/{warning_id}"): {OPS, REV, AUD, ADM},
    ("POST", "/api/v1/warnings/recorded/{warning_id}/acknowledgement"): {OPS},
    ("POST", "/api/v1/warnings/recorded/{warning_id}/follow-up"): {OPS},
    ("POST", "/api/v1/warnings/recorded/{warning_id}/result"): {OPS},
    ("GET", "/regions/warnings/{warning_id}"): {OPS, REV, AUD, ADM},
    ("POST", "/regions/warnings/{warning_id}/acknowledgement"): {OPS},
    ("POST", "/regions/warnings/{warning_id}/follow-up"): {OPS},
    ("POST", "/regions/warnings/{warning_id}/result"): {OPS},
    ("POST", "/regions/evaluations"): {OPS, ADM},
}


def routes(api: Api) -> list[tuple[str, str]]:
    """Every route the served OpenAPI document lists (pages included)."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() for method in methods]


def concrete(path: str) -> str:
    fill = {"record_id": "00000000-0000-0000-0000-000000000001", "number": "1",
            "credit_code": "91110000600037341L",
            "person_id": "00000000-0000-0000-0000-000000000002", "version": "1",
            "subject_id": "00000000-0000-0000-0000-000000000003", "region_code": "350100",
            "action": "mark", "commitment_id": "00000000-0000-0000-0000-000000000004",
            "lead_id": "00000000-0000-0000-0000-000000000005", "period": "2026-Q4",
            "warning_id": "00000000-0000-0000-0000-000000000006"}
    return re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), "x"), path)


def test_every_route_of_the_api_is_in_the_expected_matrix(api: Api) -> None:
    assert set(routes(api)) == set(EXPECTED)


@pytest.mark.parametrize("caller", [None, *[r for r in Role if r is not Role.SYSTEM]],
                         ids=lambda r: "anonymous" if r is None else r.value)
def test_each_route_admits_exactly_its_roles(api: Api, caller: Role | None) -> None:
    wrong = []
    for method, path in routes(api):
        allowed = EXPECTED[(method, path)]
        response = api.client.request(method, concrete(path), json={},
                                      headers=api.headers(caller),
                                      params={"purpose": "audit_inspection", "first": "0"},
                                      follow_redirects=False)
        gate_refused = response.status_code == 401 or (response.status_code == 403 and (
            "may not use this" in response.text or "无权访问" in response.text))
        should_pass = allowed is PUBLIC or (caller is not None and caller in allowed)
        if should_pass == gate_refused:
            wrong.append((method, path, response.status_code))
    assert wrong == []


# A valid body for each step the first department or official may take on a record, so that a
# refusal of the second comes from who they are, not from a malformed request.
STEP_BODIES: dict[str, dict[str, Any]] = {
    "explanation": {"text": "说明"}, "rectification/plan": {"plan": "计划"},
    "rectification/completion": {"report": "已整改"}, "rectification/verification": {},
    "rectification/rejection": {"reasons": "未整改"},
    "rectification/extension": {"new_due": "2026-12-31", "reasons": "延期"},
    "objections": {"grounds": "事实有误"},
    "objections/{number}/decision": {"outcome": "upheld", "reasons": "维持"},
    "objections/{number}/review": {"grounds": "不服"},
    "reconsideration": {"kind": "reconsideration", "case_number": "闽行复〔2026〕1号"},
    "reconsideration/conclusion": {"outcome": "upheld"}, "withdrawal": {"reasons": "撤回"},
    "correction": {"changes": {"facts": "改"}, "reasons": "更正"},
    "repairs": {"commitment": "承诺"}, "repairs/{number}/extension": {"reasons": "延期"},
    "repairs/{number}/decision": {"approved": True, "reasons": "同意"},
    "repairs/{number}/revocation": {"reasons": "材料虚假", "finding": "闽纪核〔2026〕9号"},
    "sanctions": {"order": {"kind": "public_criticism", "months": 6}},
    "mitigations": {"kind": "lighter", "legal_basis": "依据"},
    "performance": {}, "listing/extension": {"years": 1, "reasons": "延长"},
}


def second(api: Api, role: Role, subject: str) -> dict[str, str]:
    token = api.services.tokens.create(Account(f"second-{role.value}", role, subject, "second"))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", [SRC, OFF], ids=lambda r: r.value)
def test_a_second_department_or_official_is_refused_every_record_route_the_first_may_use(
    api: Api, views: Views, role: Role,
) -> None:
    rid = api.client.post("/api/v1/records", headers=api.headers(SRC),
                          json=filing(1).model_dump(mode="json")).json()["record_id"]
    views.catch_up()
    subject = uscc("11350700MB09876") if role is SRC else PARENT_CODE
    other = second(api, role, subject)
    version = api.services.ledger.record(rid).version
    tried = []
    for (method, path), allowed in EXPECTED.items():
        if not path.startswith("/api/v1/records/{record_id}") or role not in (allowed or ()):
            continue
        step = path.removeprefix("/api/v1/records/{record_id}").strip("/")
        body = STEP_BODIES.get(step) if method == "POST" else None
        url = path.replace("{record_id}", rid).replace("{number}", "1")
        answer = api.client.request(method, url, headers=other, json=body)
        tried.append((method, path, answer.status_code))
    assert tried and all(status in (403, 404) for _, _, status in tried), tried
    assert api.services.ledger.record(rid).version == version  # nothing happened to it

    subject_id = api.services.ledger.record(rid).content.subject_id
    for path in (f"/api/v1/subjects/{subject_id}/status",
                 f"/api/v1/subjects/bodies/{filing(1).subject_code}/status"):
        assert api.client.get(path, headers=other).status_code == 404
        assert api.client.get(path, headers=api.headers(role)).status_code == 200
    body = api.client.get(f"/api/v1/subjects/bodies/{filing(1).subject_code}", headers=other)
    assert body.status_code == 200 and body.json()["records"] == []


def test_a_second_department_cannot_look_up_a_civil_servant_the_first_filed_about(
    api: Api,
) -> None:
    answer = api.client.post("/api/v1/records", headers=api.headers(SRC), json=filing(
        1, subject_type="civil_servant", subject_code=None,
        subject_citizen_id=PERSON_ID).model_dump(mode="json"))
    person = api.services.ledger.record(answer.json()["record_id"]).content.subject_id
    path = f"/api/v1/subjects/civil-servants/{person}"

    assert api.client.get(path, headers=api.headers(SRC)).status_code == 200
    other = second(api, SRC, uscc("11350700MB09876"))
    assert api.client.get(path, headers=other).status_code == 404
