"""Over HTTP: retried requests never duplicate a fact; errors name the field and the reason."""

from __future__ import annotations

import psycopg

from api.idempotency import request_hash
from ledger import commands as c
from ledger.events import Role
from ledger.store.persistence import canonical_json
from tests.support.api import Api
from tests.support.world import DEPT, FakeClock, filing, official


def file_one(api: Api, key: str = "filing-1") -> str:
    response = api.client.post("/api/v1/records", json=filing().model_dump(mode="json"),
                               headers=api.headers(Role.SOURCE_DEPARTMENT,
                                                   **{"Idempotency-Key": key}))
    assert response.status_code == 201, response.text
    record_id: str = response.json()["record_id"]
    return record_id


def test_a_retried_objection_with_the_same_key_is_answered_once_and_recorded_once(
    api: Api,
) -> None:
    rid = file_one(api)
    official = api.headers(Role.SUBJECT_OFFICIAL, **{"Idempotency-Key": "objection-a"})
    first = api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": "金额有误"},
                            headers=official)
    retry = api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": "金额有误"},
                            headers=official)

    assert first.status_code == retry.status_code == 200
    assert first.json() == retry.json() == {"record_id": rid, "number": 1}
    assert retry.headers["Idempotent-Replayed"] == "true"
    timeline = api.client.get(f"/api/v1/records/{rid}/timeline",
                              headers=api.headers(Role.AUDITOR)).json()
    assert [e["event"] for e in timeline].count("ObjectionFiled") == 1


def test_the_same_key_for_a_different_request_is_refused(api: Api) -> None:
    rid = file_one(api)
    official = api.headers(Role.SUBJECT_OFFICIAL, **{"Idempotency-Key": "k"})
    api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": "一"}, headers=official)
    again = api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": "二"},
                            headers=official)
    assert again.status_code == 422 and "another request" in again.text


def test_a_refused_step_is_refused_the_same_way_on_retry(api: Api) -> None:
    rid = file_one(api)
    dept = api.headers(Role.SOURCE_DEPARTMENT, **{"Idempotency-Key": "decide"})
    body = {"outcome": "upheld", "reasons": "维持"}
    first = api.client.post(f"/api/v1/records/{rid}/objections/1/decision", json=body,
                            headers=dept)
    retry = api.client.post(f"/api/v1/records/{rid}/objections/1/decision", json=body,
                            headers=dept)
    assert first.status_code == retry.status_code == 422
    assert first.json() == retry.json()
    assert first.json()["field"] == "number"


def test_a_bad_credit_code_is_answered_with_the_field_and_the_reason(api: Api) -> None:
    fields = filing().model_dump(mode="json")
    fields["subject_code"] = "91110000600037341X"
    response = api.client.post("/api/v1/records", json=fields,
                               headers=api.headers(Role.SOURCE_DEPARTMENT))
    assert response.status_code == 422
    assert response.json()["field"] == "subject_code"
    assert "check character" in response.json()["reason"]


def test_an_impossible_step_is_a_conflict_naming_the_reason(api: Api) -> None:
    rid = file_one(api)
    api.client.post(f"/api/v1/records/{rid}/withdrawal", json={"reasons": "撤销"},
                    headers=api.headers(Role.SOURCE_DEPARTMENT))
    response = api.client.post(f"/api/v1/records/{rid}/objections", json={"grounds": "异议"},
                               headers=api.headers(Role.SUBJECT_OFFICIAL))
    assert response.status_code == 409
    assert "withdrawn" in response.json()["reason"]


def test_an_unknown_record_is_not_found(api: Api) -> None:
    response = api.client.get("/api/v1/records/00000000-0000-0000-0000-000000000000",
                              headers=api.headers(Role.AUDITOR))
    assert response.status_code == 404 and response.json()["field"] == "record_id"


def unfinished_claim(api: Api, key: str, made: str) -> None:
    """The department's claim on ``key`` whose request never finished, made at ``made`` (SQL)."""
    assert api.services.database_url is not None
    with psycopg.connect(api.services.database_url) as conn:
        row = conn.execute("SELECT account_id FROM api_tokens WHERE role = %s",
                           (Role.SOURCE_DEPARTMENT.value,)).fetchone()
        assert row is not None
        digest = request_hash("POST", "/api/v1/records",
                              canonical_json(filing().model_dump(mode="json")))
        conn.execute("INSERT INTO api_idempotency (scope, key, request_hash, created_at) "
                     f"VALUES (%s, %s, %s, {made})", (row[0], key, digest))


def test_a_retry_after_a_database_restart_takes_over_the_lost_claim_at_once(api: Api) -> None:
    unfinished_claim(api, "filing-1", "pg_postmaster_start_time() - interval '1 second'")

    assert file_one(api, "filing-1")


def test_a_retry_while_the_first_request_may_still_run_is_told_to_wait(api: Api) -> None:
    unfinished_claim(api, "filing-1", "now()")

    response = api.client.post("/api/v1/records", json=filing().model_dump(mode="json"),
                               headers=api.headers(Role.SOURCE_DEPARTMENT,
                                                   **{"Idempotency-Key": "filing-1"}))

    assert response.status_code == 409
    assert "still running" in response.text


def test_an_auditor_asks_for_a_record_as_it_stood_in_beijing_time_or_gets_told_why_not(
    api: Api, clock: FakeClock,
) -> None:
    rid = api.services.ledger.file_record(filing(1), DEPT).record_id  # 2026-05-06 09:30 Beijing
    clock.advance(days=1)
    api.services.ledger.file_objection(c.FileObjection(record_id=rid, grounds="金额有误"),
                                       official())
    auditor = api.headers(Role.AUDITOR)

    typed = api.client.get(f"/api/v1/records/{rid}/timeline",
                           params={"as_of": "2026-05-06 09:30"}, headers=auditor)
    state = api.client.get(f"/api/v1/records/{rid}", params={"as_of": "2026-05-06T09:30"},
                           headers=auditor)
    garbled = api.client.get(f"/api/v1/records/{rid}", params={"as_of": "yesterday"},
                             headers=auditor)

    assert typed.status_code == 200
    assert typed.json()[0]["event"] == "RecordFiled"
    assert "ObjectionFiled" not in {e["event"] for e in typed.json()}
    assert state.status_code == 200 and state.json()["under_objection"] is False
    assert garbled.status_code == 422 and garbled.json()["field"] == "as_of"
