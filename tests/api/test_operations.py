"""What an operator alerts on: health, readiness, metrics, and JSON logs with request ids."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from api.observability import JsonFormatter
from ledger.events import Role
from projections import disclosure
from tests.support.api import Api
from tests.support.world import filing


def test_health_and_readiness_answer_without_a_token(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    assert api.client.get("/ready").json() == {"status": "ready"}


def test_metrics_count_commands_by_outcome_and_time_requests(api: Api) -> None:
    source = api.headers(Role.SOURCE_DEPARTMENT)
    api.client.post("/api/v1/records", json=filing().model_dump(mode="json"), headers=source)
    api.client.post("/api/v1/records", json={"facts": "x"}, headers=source)
    api.client.get("/api/v1/deadlines", headers=api.headers(Role.OPERATOR))

    text = api.client.get("/metrics", headers=api.headers(Role.OPERATOR)).text

    assert 'ledger_commands_total{command="/api/v1/records",outcome="ok"} 1.0' in text
    assert 'ledger_commands_total{command="/api/v1/records",outcome="refused"} 1.0' in text
    assert "ledger_http_request_seconds_bucket" in text
    assert 'ledger_open_deadlines{kind="explanation"}' in text or "ledger_follower_lag" in text


def test_a_request_log_line_is_json_with_the_request_id_and_no_query_string(
    api: Api, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="credit_ledger.http")
    response = api.client.get("/api/v1/public/records", params={"q": "鼓楼区"},
                              headers={"X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    [record] = [r for r in caplog.records if r.name == "credit_ledger.http"]
    line = orjson.loads(JsonFormatter().format(record))
    assert line["route"] == "/api/v1/public/records" and line["status"] == 200
    assert line["request_id"] == "req-42"
    assert "鼓楼区" not in JsonFormatter().format(record)


def test_an_unexpected_error_answers_500_with_the_request_id_the_log_line_carries(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError('relation "views.public_disclosure" does not exist\nLINE 1: SELECT')

    monkeypatch.setattr(disclosure, "public_disclosure", broken)
    caplog.set_level(logging.INFO, logger="credit_ledger.http")
    response = api.client.get("/api/v1/public/records", headers={"X-Request-ID": "req-7"})

    assert response.status_code == 500 and response.headers["X-Request-ID"] == "req-7"
    assert response.json()["error"] == "InternalError"
    assert response.json()["request_id"] == "req-7"
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    line = orjson.loads(JsonFormatter().format(failure))
    assert line["request_id"] == "req-7"
    assert line["error"] == 'RuntimeError: relation "views.public_disclosure" does not exist'
    assert line["error_at"].endswith("in broken")


def test_the_first_requests_to_read_views_wait_for_their_tables_instead_of_failing(
    api: Api,
) -> None:
    def read() -> int:
        with api.services.views() as conn:
            return disclosure.public_disclosure(conn).total

    with ThreadPoolExecutor(8) as pool:
        totals = list(pool.map(lambda _: read(), range(16)))
    assert totals == [0] * 16
