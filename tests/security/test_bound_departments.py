"""Every department account acts only for its own organisation, and only the authority a
matter was forwarded to decides it.

Each test performs an attack that succeeded before departments were bound (a department token
without an organisation acted for every department; any department could decide any objection;
any department could read any civil servant's name and ID).
"""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api
from tests.support.departments import (
    OTHER,
    OTHER_CODE,
    file,
    forward_objection,
    token,
)
from tests.support.world import PERSON_ID, SOURCE_CODE, filing, uscc


def test_a_department_account_without_an_organisation_cannot_be_made_or_used(api: Api) -> None:
    with pytest.raises(ValueError, match="organisation"):
        api.services.tokens.create(Account("loose", Role.SOURCE_DEPARTMENT, None, "loose"))
    # one issued before departments were bound, as it still sits in the store
    loose = token(api, "old-dept", Role.SOURCE_DEPARTMENT, SOURCE_CODE)
    with psycopg.connect(api.services.database_url or "", autocommit=True) as conn:
        conn.execute("UPDATE api_tokens SET subject = NULL WHERE account_id = 'old-dept'")
    refused = api.client.post("/api/v1/records", headers=loose,
                              json=filing(1).model_dump(mode="json"))
    assert refused.status_code == 401


def test_a_department_cannot_file_under_another_departments_code_or_touch_its_records(
    api: Api,
) -> None:
    court = token(api, "np-court", Role.SOURCE_DEPARTMENT, OTHER_CODE)
    posed = api.client.post("/api/v1/records", headers=court,
                            json=filing(1).model_dump(mode="json"))
    assert posed.status_code == 403

    rid = file(api, api.headers(Role.SOURCE_DEPARTMENT))
    for path, body in (("withdrawal", {"reasons": "撤销"}),
                       ("correction", {"reasons": "更正", "changes": {"facts": "改"}})):
        answer = api.client.post(f"/api/v1/records/{rid}/{path}", headers=court, json=body)
        assert answer.status_code in (403, 404), (path, answer.text)
    assert api.services.ledger.record(UUID(rid)).corrections == 0


def test_only_the_authority_an_objection_was_forwarded_to_decides_it(api: Api) -> None:
    # the court decided; the discipline commission filed the record
    rid = file(api, api.headers(Role.SOURCE_DEPARTMENT), deciding_authority=OTHER)
    nowhere = {"name": "某无关单位", "code": uscc("11350100MB05555")}
    assert forward_objection(api, rid, nowhere).status_code == 422

    rid = file(api, api.headers(Role.SOURCE_DEPARTMENT), 2, deciding_authority=OTHER)
    assert forward_objection(api, rid, OTHER).status_code == 200
    decision = {"outcome": "upheld", "reasons": "维持"}
    filer = api.client.post(f"/api/v1/records/{rid}/objections/1/decision",
                            headers=api.headers(Role.SOURCE_DEPARTMENT), json=decision)
    assert filer.status_code == 403
    court = token(api, "np-court", Role.SOURCE_DEPARTMENT, OTHER_CODE)
    decided = api.client.post(f"/api/v1/records/{rid}/objections/1/decision", headers=court,
                              json=decision)
    assert decided.status_code == 200, decided.text


def test_a_department_reads_personal_data_only_of_people_it_filed_about_for_a_listed_purpose(
    api: Api,
) -> None:
    filer = api.headers(Role.SOURCE_DEPARTMENT)
    rid = file(api, filer, subject_type="civil_servant", subject_code=None,
               subject_citizen_id=PERSON_ID)
    person_id = api.services.ledger.record(UUID(rid)).content.subject_id
    path = f"/api/v1/subjects/civil-servants/{person_id}/personal-data"
    court = token(api, "np-court", Role.SOURCE_DEPARTMENT, OTHER_CODE)

    assert api.client.get(path, headers=court,
                          params={"purpose": "record_verification"}).status_code == 404
    assert api.client.get(path, headers=filer,
                          params={"purpose": "好奇"}).status_code == 422
    read = api.client.get(path, headers=filer, params={"purpose": "record_verification"})
    assert read.status_code == 200 and read.json()["citizen_id"] == PERSON_ID
