"""An API over real PostgreSQL, with one token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger.events import Role
from tests.conftest import BODY_CODE, SOURCE_CODE, FakeClock, postgres_ledger, register_world

SUBJECTS = {Role.SUBJECT_OFFICIAL: BODY_CODE, Role.SOURCE_DEPARTMENT: SOURCE_CODE}


@dataclass
class Api:
    client: TestClient
    services: Services
    tokens: dict[Role, str]

    def headers(self, role: Role | None, **extra: str) -> dict[str, str]:
        found = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return found | extra


@pytest.fixture
def api(pg_url: str, clock: FakeClock) -> Iterator[Api]:
    ledger = postgres_ledger(pg_url, clock)
    register_world(ledger)
    tokens = PostgresTokenStore(pg_url)
    services = Services(ledger=ledger, tokens=tokens,
                        idempotency=PostgresIdempotencyStore(pg_url), database_url=pg_url)
    issued = {role: tokens.create(Account(f"test-{role.value}", role, SUBJECTS.get(role),
                                          role.value))
              for role in Role if role is not Role.SYSTEM}
    with TestClient(create_app(services)) as client:
        yield Api(client, services, issued)
    ledger.close()
