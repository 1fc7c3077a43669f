"""schemathesis against the served OpenAPI document: generated requests never get a 5xx."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from ledger.events import Role
from ledger.store.storage import create_database
from tests.support import world

SUBJECTS = {Role.SUBJECT_OFFICIAL: world.BODY_CODE, Role.SOURCE_DEPARTMENT: world.SOURCE_CODE}


@pytest.fixture(scope="module")
def served(pg_admin_url: str) -> Iterator[tuple[Any, list[dict[str, str]]]]:
    url = create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    ledger = world.postgres_world(url, world.FakeClock())
    ledger.file_record(world.filing(), world.DEPT)
    store = PostgresTokenStore(url)
    headers = [{}] + [
        {"Authorization": "Bearer " + store.create(Account(f"fuzz-{r.value}", r,
                                                           SUBJECTS.get(r), r.value))}
        for r in Role if r is not Role.SYSTEM
    ]
    app = create_app(Services(ledger, store, PostgresIdempotencyStore(url), database_url=url))
    yield app, headers
    ledger.close()


def test_a_thousand_generated_requests_never_get_a_server_error(
    served: tuple[Any, list[dict[str, str]]],
) -> None:
    app, headers = served
    callers = itertools.cycle(headers)
    failures: list[str] = []
    sent: list[int] = []
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    for found in api.get_all_operations():
        operation = found.ok()

        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(headers=next(callers))
            sent.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        call()
    assert failures == []
    assert len(sent) >= 1000, len(sent)
