"""No oracles: a refusal never tells whether a citizen ID is registered, a registration never
confirms a stored name, and a record a caller may not read looks like one that does not exist.

On the code before these checks, each attack succeeded and its test failed: an invalid filing
against an unregistered citizen was answered 404 (a registered one 422), registering a known ID
with another name was answered 409 (the right name 201), and another department's or subject's
record was answered 403 (an absent one 404). The tests that say so in their docstring guard what
already held.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ledger.events import Actor, Role
from tests.support.api import Api
from tests.support.world import DEPT, PARENT_CODE, PERSON_ID, citizen_id, filing, uscc

UNREGISTERED = citizen_id("35010219900202234")
OTHER_SOURCE = uscc("11350000MB09999")
ABSENT = "00000000-0000-0000-0000-00000000beef"


def _answer(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


@pytest.mark.parametrize("invalid", [
    {"decision_date": "2026-06-01"},
    {"region_code": "999999"},
    {"rectification": {"requirement": "整改", "due": "2026-05-01"}},
], ids=["future-decision", "unknown-region", "rectification-due-passed"])
def test_an_invalid_filing_is_answered_alike_for_a_registered_and_an_unregistered_citizen(
    api: Api, invalid: dict[str, Any],
) -> None:
    source = api.headers(Role.SOURCE_DEPARTMENT)

    def file(subject: str) -> tuple[int, Any]:
        sent = filing(subject_type="civil_servant", subject_code=None,
                      subject_citizen_id=subject).model_dump(mode="json") | invalid
        return _answer(api.client.post("/api/v1/records", headers=source, json=sent))

    registered, unregistered = file(PERSON_ID), file(UNREGISTERED)

    assert registered[0] == 422
    assert registered == unregistered


def test_an_invalid_filing_does_not_tell_whether_a_responsible_person_is_registered(
    api: Api,
) -> None:
    """Held before as well (responsible persons were looked up after the date check)."""
    source = api.headers(Role.SOURCE_DEPARTMENT)

    def file(person: str) -> tuple[int, Any]:
        sent = filing(responsible_citizen_ids=[person], decision_date=date(2026, 6, 1))
        return _answer(api.client.post("/api/v1/records", headers=source,
                                       json=sent.model_dump(mode="json")))

    assert file(PERSON_ID) == file(UNREGISTERED)
    assert file(PERSON_ID)[1]["field"] == "decision_date"


def test_registering_a_civil_servant_again_neither_confirms_nor_denies_the_stored_name(
    api: Api,
) -> None:
    ledger = api.services.ledger
    person_id = ledger.vault.person_id(PERSON_ID)
    version = ledger.civil_servant(person_id).version
    source = api.headers(Role.SOURCE_DEPARTMENT)

    def register(name: str) -> tuple[int, Any]:
        return _answer(api.client.post("/api/v1/subjects/civil-servants", headers=source, json={
            "citizen_id": PERSON_ID, "name": name, "body_code": PARENT_CODE,
            "position": "科员"}))

    right, wrong = register("林晓明"), register("王小二")

    assert right == wrong == (201, {"id": str(person_id)})
    stored = ledger.civil_servant(person_id)
    assert stored.version == version  # nothing recorded: neither name nor body replaced
    assert ledger.vault.open(stored.name) == "林晓明"


def test_a_record_another_department_filed_is_answered_like_one_that_does_not_exist(
    api: Api,
) -> None:
    court = Actor(id="court-1", role=Role.SOURCE_DEPARTMENT, subject=OTHER_SOURCE)
    theirs = api.services.ledger.file_record(filing(
        source={"name": "福州市中级人民法院", "code": OTHER_SOURCE}), court).record_id
    source = api.headers(Role.SOURCE_DEPARTMENT)
    before = datetime(2020, 1, 1).isoformat() + "Z"

    for suffix, params in [("", {}), ("", {"version": 1}), ("", {"version": 99}),
                           ("", {"as_of": before}), ("/timeline", {})]:
        forbidden = api.client.get(f"/api/v1/records/{theirs}{suffix}", headers=source,
                                   params=params)
        absent = api.client.get(f"/api/v1/records/{ABSENT}{suffix}", headers=source,
                                params=params)
        assert _answer(forbidden) == _answer(absent)
        assert forbidden.status_code == 404


def test_another_subjects_record_is_answered_to_an_official_like_one_that_does_not_exist(
    api: Api,
) -> None:
    parents = api.services.ledger.file_record(filing(
        subject_code=PARENT_CODE, region_code="350100"), DEPT).record_id
    official = api.headers(Role.SUBJECT_OFFICIAL)

    for suffix in ("", "/timeline"):
        forbidden = api.client.get(f"/api/v1/records/{parents}{suffix}", headers=official)
        absent = api.client.get(f"/api/v1/records/{ABSENT}{suffix}", headers=official)
        assert _answer(forbidden) == _answer(absent) == (404, {
            "error": "RecordNotFoundError", "field": "record_id",
            "reason": "no record with this id"})


def test_an_official_still_reads_their_own_bodys_record_as_it_stood(api: Api) -> None:
    """Held before as well: hiding others' records must not hide one's own."""
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    official = api.headers(Role.SUBJECT_OFFICIAL)

    first = api.client.get(f"/api/v1/records/{rid}", headers=official, params={"version": 1})
    timeline = api.client.get(f"/api/v1/records/{rid}/timeline", headers=official)

    assert first.status_code == 200 and first.json()["version"] == 1
    assert timeline.status_code == 200 and len(timeline.json()) >= 1
