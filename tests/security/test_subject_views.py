"""Subject status, evaluation and body look-ups show a department only the records it filed or
had an objection or repair application forwarded to it.

Each test performs an attack that succeeded before: any department read every subject's
status (counts, marks, sanctions and deadlines of other departments' records), any body's
evaluation, and every record id of any body or civil servant.
"""

from __future__ import annotations

from uuid import UUID

from ledger.events import Role
from tests.support.api import Api, Views
from tests.support.departments import (
    OTHER,
    OTHER_CODE,
    file,
    forward_objection,
    token,
)
from tests.support.world import BODY_CODE, PERSON_ID, SOURCE


def test_a_department_counts_in_a_bodys_status_only_records_it_filed_or_had_forwarded(
    api: Api, views: Views,
) -> None:
    commission = api.headers(Role.SOURCE_DEPARTMENT)
    court = token(api, "np-court", Role.SOURCE_DEPARTMENT, OTHER_CODE)
    file(api, commission, 1)
    forwarded = file(api, court, 2, source=OTHER, deciding_authority=SOURCE)
    file(api, court, 3, source=OTHER, deciding_authority=OTHER)
    views.catch_up()
    path = f"/api/v1/subjects/bodies/{BODY_CODE}/status"

    def seen(headers: dict[str, str]) -> int:
        answer = api.client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["records"])

    assert (seen(commission), seen(court), seen(api.headers(Role.OPERATOR))) == (1, 2, 3)
    assert api.client.get(path, headers=commission).json()["evaluation"] is None

    assert forward_objection(api, forwarded, SOURCE).status_code == 200
    views.catch_up()
    assert seen(commission) == 2
    listed = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}", headers=commission).json()
    assert len(listed["records"]) == 2 and UUID(forwarded) in map(UUID, listed["records"])


def test_a_department_that_filed_nothing_about_a_subject_learns_nothing_of_it(
    api: Api, views: Views,
) -> None:
    rid = file(api, api.headers(Role.SOURCE_DEPARTMENT), subject_type="civil_servant",
               subject_code=None, subject_citizen_id=PERSON_ID)
    file(api, api.headers(Role.SOURCE_DEPARTMENT), 2)
    views.catch_up()
    person = api.services.ledger.record(UUID(rid)).content.subject_id
    court = token(api, "np-court", Role.SOURCE_DEPARTMENT, OTHER_CODE)

    for path in (f"/api/v1/subjects/{person}/status",
                 f"/api/v1/subjects/bodies/{BODY_CODE}/status",
                 f"/api/v1/subjects/civil-servants/{person}"):
        assert api.client.get(path, headers=court).status_code == 404, path
    evaluation = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}/evaluation",
                                headers=court)
    assert evaluation.status_code == 403
    body = api.client.get(f"/api/v1/subjects/bodies/{BODY_CODE}", headers=court)
    assert body.status_code == 200 and body.json()["records"] == []
