"""Every route, called as every role and anonymously: allowed roles pass the gate, others don't.

The expected matrix is written out here, apart from the code, so a route whose roles change by
accident fails this test; a new route fails it until it is added.
"""

from __future__ import annotations

import re

import pytest

from ledger.events import Role
from tests.api.conftest import Api

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
    ("POST", "/api/v1/records/{record_id}/sanctions"): {SRC},
    ("POST", "/api/v1/records/{record_id}/mitigations"): {SRC},
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
    ("GET", "/api/v1/subjects/bodies/{credit_code}/evaluation"): READERS,
    ("GET", "/api/v1/regions/{region_code}/evaluation"): {OPS, REV, AUD, ADM},
    ("GET", "/api/v1/warnings"): {OPS, REV, AUD, ADM},
    ("GET", "/"): PUBLIC,
    ("GET", "/disclosure/records/{record_id}"): PUBLIC,
    ("GET", "/review"): {REV, ADM},
    ("GET", "/review/records/{record_id}"): {REV, ADM},
    ("POST", "/review/records/{record_id}/{action}"): {REV},
    ("GET", "/deadlines"): {OPS, REV, AUD, ADM},
    ("GET", "/admin/calendar"): {ADM},
    ("POST", "/admin/calendar/years"): {ADM},
    ("GET", "/regions"): {OPS, REV, AUD, ADM},
    ("GET", "/checkpoint"): PUBLIC,
    ("GET", "/tile/{level}/{index}"): PUBLIC,
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/metrics"): {OPS, ADM},
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
            "action": "mark"}
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
