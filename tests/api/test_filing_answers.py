"""A filing's answer to its Idempotency-Key is committed with its events, in one transaction."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import psycopg

from ledger.events import Role
from tests.support.api import Api
from tests.support.world import filing

FILED = "ledger.record_events:RecordFiled"


def post(api: Api, key: str, number: int = 1) -> httpx.Response:
    return api.client.post("/api/v1/records", json=filing(number).model_dump(mode="json"),
                           headers=api.headers(Role.SOURCE_DEPARTMENT,
                                               **{"Idempotency-Key": key}))


def rows(api: Api, query: str, *params: Any) -> list[tuple[Any, ...]]:
    assert api.services.database_url is not None
    with psycopg.connect(api.services.database_url) as conn:
        return conn.execute(query, params).fetchall()


def test_a_filing_and_its_answer_are_written_by_one_transaction(api: Api) -> None:
    first = post(api, "filing-7")

    assert first.status_code == 201 and first.json()["created"] is True
    [(event_xid,)] = rows(api, "SELECT xmin::text FROM ledger_events WHERE topic = %s", FILED)
    [(answer_xid, status, body)] = rows(
        api, "SELECT xmin::text, status, body FROM api_idempotency WHERE key = 'filing-7'")
    assert answer_xid == event_xid
    assert (status, body) == (201, first.json())


def test_a_retried_filing_gets_the_original_answer_and_files_nothing(api: Api) -> None:
    first = post(api, "filing-8")
    retry = post(api, "filing-8")

    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert rows(api, "SELECT count(*) FROM ledger_events WHERE topic = %s", FILED) == [(1,)]


def test_a_resend_under_a_new_key_is_answered_as_not_created_and_that_answer_is_kept(
    api: Api,
) -> None:
    post(api, "first-send")
    resend = post(api, "second-send")
    again = post(api, "second-send")

    assert resend.status_code == again.status_code == 201
    assert resend.json()["created"] is False and again.json() == resend.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_concurrent_requests_with_one_key_file_once_and_all_get_the_first_answer(
    api: Api,
) -> None:
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        response = post(api, "the-same-key", number=9)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r.status_code for r in answers} == {201}
    assert all(r.json() == answers[0].json() for r in answers)
    assert answers[0].json()["created"] is True
    assert rows(api, "SELECT count(*) FROM ledger_events WHERE topic = %s", FILED) == [(1,)]
