"""A civil servant's name and ID reach no public page or response, no shared view or export,
no log line, no stored event."""

from __future__ import annotations

import logging

import psycopg
import pytest

from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.world import BODY_CODE, citizen_id, filing

NAME = "陈秀英"
ID = citizen_id("35012819850617302")


def test_a_civil_servants_name_and_id_appear_in_no_public_output_log_or_event(
    api: Api, views: Views, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    admin, source = api.headers(Role.ADMINISTRATOR), api.headers(Role.SOURCE_DEPARTMENT)

    registered = api.client.post("/api/v1/subjects/civil-servants", headers=admin, json={
        "citizen_id": ID, "name": NAME, "body_code": BODY_CODE, "position": "副局长"})
    person_id = registered.json()["id"]
    filed = api.client.post("/api/v1/records", headers=source, json=filing(
        subject_type="civil_servant", subject_code=None, subject_citizen_id=ID,
        responsible_citizen_ids=[ID]).model_dump(mode="json"))
    broken_id = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    wrong = filing(subject_type="civil_servant", subject_code=None, subject_citizen_id=ID,
                   document_number="闽纪〔2026〕99号").model_dump(mode="json")
    refused = api.client.post("/api/v1/records", headers=source,
                              json=wrong | {"subject_citizen_id": broken_id})
    shared = api.client.get(f"/api/v1/subjects/civil-servants/{person_id}",
                            headers=api.headers(Role.AUDITOR))
    revealed = api.client.get(f"/api/v1/subjects/civil-servants/{person_id}/personal-data",
                              params={"purpose": "audit_inspection"},
                              headers=api.headers(Role.AUDITOR))
    rid = filed.json()["record_id"]
    views.catch_up()
    public = [api.client.get("/"), api.client.get("/", params={"q": "鼓楼"}),
              api.client.get("/api/v1/public/records", params={"q": ID}),
              api.client.get(f"/disclosure/records/{rid}")]
    auditor, operator = api.headers(Role.AUDITOR), api.headers(Role.OPERATOR)
    shared_views = [
        api.client.get("/api/v1/records", headers=auditor),
        api.client.get("/api/v1/records", params={"subject": person_id}, headers=auditor),
        api.client.get(f"/api/v1/subjects/{person_id}/status", headers=auditor),
        api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}/status", headers=operator),
        api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}/evaluation", headers=operator),
        api.client.get("/api/v1/regions/350102/evaluation", headers=operator),
        api.client.get("/api/v1/warnings", headers=operator),
        api.client.get("/api/v1/deadlines", headers=operator),
    ]
    sign_in(api, Role.OPERATOR)
    shared_views += [api.client.get(path, params=params) for path, params in [
        ("/regions", {"region": "350100"}), ("/regions", {"table": "warnings", "format": "csv"}),
        ("/deadlines", {}), ("/deadlines", {"format": "csv"})]]
    sign_in(api, Role.AUDITOR)
    shared_views += [api.client.get(f"/audit/records/{rid}", params=params)
                     for params in ({}, {"format": "csv"})]
    sign_in(api, Role.SUBJECT_OFFICIAL)
    shared_views += [api.client.get("/subject", params=params)
                     for params in ({}, {"format": "csv"}, {"table": "deadlines", "format": "csv"})]

    assert filed.status_code == 201 and refused.status_code == 422
    assert revealed.json() == {"name": NAME, "citizen_id": ID}  # only to an authorised reader
    assert shared.json()["masked_id"] == ID[:6] + "********" + ID[-4:]
    # The test client logs the URLs it sends itself (httpx); every other line is the system's.
    log_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert all(r.status_code == 200 for r in shared_views)
    assert person_id in shared_views[1].text  # the record is there, by its opaque id only
    outputs = [refused.text, shared.text, filed.text, registered.text,
               *(p.text for p in public), *(v.text for v in shared_views), *log_lines,
               *capsys.readouterr()]
    for text in outputs:
        assert NAME not in text and ID not in text and broken_id not in text
    assert api.services.database_url is not None
    with psycopg.connect(api.services.database_url) as conn:
        stored = b"".join(bytes(row[0]) for row in conn.execute(
            "SELECT state FROM ledger_events").fetchall())
    assert NAME.encode() not in stored and ID.encode() not in stored
    reads = [e for e in api.services.ledger.events.get(
        api.services.ledger.vault.person_id(ID)) if type(e).__name__ == "PersonalDataRead"]
    assert len(reads) == 1 and reads[0].actor.role is Role.AUDITOR
