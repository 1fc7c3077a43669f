"""The API as the tests drive it: a client with one token per role, the views caught up by
hand, signing in through the form as a browser does, and an objection brought to its source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Account, PostgresTokenStore, TokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger.events import Role
from projections.follower import Follower
from projections.log import log_table_of
from projections.registry import all_views
from tests.support import world

SUBJECTS = {Role.SUBJECT_OFFICIAL: world.BODY_CODE, Role.SOURCE_DEPARTMENT: world.SOURCE_CODE}


@dataclass
class Api:
    client: TestClient
    services: Services
    tokens: dict[Role, str]

    def headers(self, role: Role | None, **extra: str) -> dict[str, str]:
        found = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return found | extra


def services_on(url: str, clock: world.FakeClock) -> Services:
    """A ledger on the database at ``url`` with the province registered, and the API's stores."""
    ledger = world.postgres_world(url, clock)
    return Services(ledger=ledger, tokens=PostgresTokenStore(url),
                    idempotency=PostgresIdempotencyStore(url), database_url=url)


def issue_tokens(tokens: TokenStore) -> dict[Role, str]:
    """One account and token for every role a person can hold."""
    return {role: tokens.create(Account(f"test-{role.value}", role, SUBJECTS.get(role),
                                        role.value))
            for role in Role if role is not Role.SYSTEM}


@contextmanager
def open_api(url: str, clock: world.FakeClock) -> Iterator[Api]:
    """The whole application over the database at ``url``, with one token per role."""
    services = services_on(url, clock)
    issued = issue_tokens(services.tokens)
    try:
        with TestClient(create_app(services)) as client:
            yield Api(client, services, issued)
    finally:
        services.ledger.close()


class Views:
    def __init__(self, api: Api) -> None:
        assert api.services.database_url is not None
        log = log_table_of(api.services.ledger)
        self.followers = [Follower(api.services.database_url, v, log) for v in all_views()]

    def catch_up(self) -> None:
        for follower in self.followers:
            follower.catch_up()
            assert follower.failure is None

    def close(self) -> None:
        for follower in self.followers:
            follower.close()


def log_in(api: Api, token: str) -> httpx.Response:
    """Sign in through the sign-in form, as a browser does (its page first, for the CSRF value)."""
    form = api.client.get("/login")
    return api.client.post("/login", data={"token": token, "csrf": csrf(form.text)},
                           follow_redirects=False)


def sign_in(api: Api, role: Role) -> None:
    api.client.cookies.clear()
    assert log_in(api, api.tokens[role]).status_code == 303


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def forward_an_objection(api: Api, grounds: str = "罚款金额计算有误，应为四万元。") -> UUID:
    """A filed record, objected to, marked, accepted and forwarded to the source."""
    ledger = api.services.ledger
    rid = ledger.file_record(world.filing(), world.DEPT).record_id
    world.forwarded_objection(ledger, rid, grounds)
    return rid


def file_on_the_api(api: Api, number: int = 1) -> httpx.Response:
    """The department files the typical record through ``POST /api/v1/records``."""
    return api.client.post("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT),
                           json=world.filing(number).model_dump(mode="json"))
