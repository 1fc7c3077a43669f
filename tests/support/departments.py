"""Another department beside the province's discipline commission, and what a department does
over the API: an account of its own, a filing, an objection taken to the forwarding."""

from __future__ import annotations

from typing import Any

from api.auth import Account
from ledger.events import Role
from tests.support.api import Api
from tests.support.world import filing, uscc

OTHER_CODE = uscc("11350700MB09876")  # another department: 南平市中级人民法院
OTHER = {"name": "南平市中级人民法院", "code": OTHER_CODE}


def token(api: Api, account_id: str, role: Role, subject: str | None) -> dict[str, str]:
    issued = api.services.tokens.create(Account(account_id, role, subject, account_id))
    return {"Authorization": f"Bearer {issued}"}


def file(api: Api, headers: dict[str, str], number: int = 1, **fields: Any) -> str:
    answer = api.client.post("/api/v1/records", headers=headers,
                             json=filing(number, **fields).model_dump(mode="json"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["record_id"])


def forward_objection(api: Api, rid: str, to: dict[str, str]) -> Any:
    official, reviewer = api.headers(Role.SUBJECT_OFFICIAL), api.headers(Role.PLATFORM_REVIEWER)
    base = f"/api/v1/records/{rid}/objections"
    assert api.client.post(base, headers=official, json={"grounds": "事实有误"}).status_code == 200
    for step in ("mark", "acceptance"):
        assert api.client.post(f"{base}/1/{step}", headers=reviewer, json={}).status_code == 200
    return api.client.post(f"{base}/1/forwarding", headers=reviewer, json={"to": to})
