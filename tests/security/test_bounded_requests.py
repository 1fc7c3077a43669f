"""Bounded requests: bodies are refused by size before they are parsed, a caller without a valid
token cannot make the server read a large body, lists in commands and offsets into lists are
bounded.

On the code before the limits, every one of these attacks was taken in: a body of any size was
read whole and parsed before the token was checked (a 64 MiB stream without a token was read to
its end, parsed and answered 400), a 2 MiB filing was parsed and answered 422, a filing naming 500
responsible persons and a propagation to 5,000 platforms were validated item by item, and page
100,000 of the record list made the database skip ten million rows. Each test failed there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx

from ledger.events import Role
from tests.support.api import Api
from tests.support.world import PERSON_ID, filing

MIB = 1024 * 1024


def _refused_for_size(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 413, response.text[:300]
    body: dict[str, Any] = response.json()
    assert body["error"] == "ContentTooLarge"
    assert body["field"] == "body"
    return body


def test_a_filing_of_two_mebibytes_from_a_department_is_refused_before_it_is_parsed(
    api: Api,
) -> None:
    sent = filing().model_dump(mode="json") | {"facts": "事实" * MIB}

    response = api.client.post("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT),
                               json=sent)

    assert "1,048,576 bytes" in _refused_for_size(response)["reason"]


def test_a_department_may_still_send_a_long_filing_that_an_anonymous_caller_may_not(
    api: Api,
) -> None:
    """Twenty thousand characters of facts are about 60 KB: more than a request without a token
    may send, well within a department's limit. Before, the department's filing was taken as
    now and the anonymous one was read and parsed before it was answered 401."""
    sent = filing().model_dump(mode="json") | {"facts": "未" * 20_000}

    filed = api.client.post("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT),
                            json=sent)
    anonymous = api.client.post("/api/v1/records", json=sent)

    assert filed.status_code == 201, filed.text[:300]
    assert "without a valid token" in _refused_for_size(anonymous)["reason"]


def _stream(app: Any, headers: dict[str, str], chunks: int, size: int,
            path: str = "/api/v1/records") -> tuple[int, int, Any]:
    """POST ``chunks`` chunks of ``size`` bytes to ``path``, sent as the server asks for them
    (chunked, no Content-Length); the status, how many chunks the server took, and its
    answer."""
    taken = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal taken
        for _ in range(chunks):
            taken += 1
            yield b"[" * size

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://attacker") as client:
            return await client.post(path, content=body(),
                                     headers=headers | {"content-type": "application/json"})

    response = asyncio.run(post())
    return response.status_code, taken, response.json()


# A witness sends its cosignature without a token; a route that needs one answers 401 before
# it reads a byte (the last test below).
def test_a_64_mib_stream_without_a_token_is_refused_after_its_first_chunk(api: Api) -> None:
    status, taken, answer = _stream(api.client.app, {}, chunks=1024, size=64 * 1024,
                                    path="/cosignatures")

    assert status == 413
    assert answer["error"] == "ContentTooLarge"
    assert taken <= 2


def test_a_64_mib_stream_with_a_forged_token_is_refused_after_its_first_chunk(api: Api) -> None:
    forged = {"Authorization": "Bearer cl_" + "x" * 43}

    status, taken, _ = _stream(api.client.app, forged, chunks=1024, size=64 * 1024,
                               path="/cosignatures")

    assert status == 413
    assert taken <= 2


def test_a_department_streaming_past_a_mebibyte_is_cut_off_there(api: Api) -> None:
    status, taken, _ = _stream(api.client.app, api.headers(Role.SOURCE_DEPARTMENT),
                               chunks=1024, size=64 * 1024)

    assert status == 413
    assert taken <= MIB // (64 * 1024) + 2


def test_a_declared_length_over_the_limit_is_refused_without_waiting_for_the_body(
    api: Api,
) -> None:
    response = api.client.post(
        "/login", content=b"token=" + b"a" * (32 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"})

    _refused_for_size(response)


def test_a_filing_naming_five_hundred_responsible_persons_is_refused_naming_the_field(
    api: Api,
) -> None:
    sent = filing().model_dump(mode="json") | {"responsible_citizen_ids": [PERSON_ID] * 500}

    response = api.client.post("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT),
                               json=sent)

    assert response.status_code == 422
    assert response.json()["field"] == "responsible_citizen_ids"
    assert "at most 100" in response.json()["reason"]


def test_a_filing_imposing_two_hundred_sanctions_is_refused_naming_the_field(api: Api) -> None:
    orders = [{"kind": "public_criticism", "months": 6}] * 200
    sent = filing().model_dump(mode="json") | {"sanctions": orders}

    response = api.client.post("/api/v1/records", headers=api.headers(Role.SOURCE_DEPARTMENT),
                               json=sent)

    assert response.status_code == 422
    assert response.json()["field"] == "sanctions"
    assert "at most 20" in response.json()["reason"]


def test_a_repair_propagated_to_five_thousand_platforms_is_refused_naming_the_field(
    api: Api,
) -> None:
    platforms = [f"平台{n}" for n in range(5000)]

    response = api.client.post(f"/api/v1/records/{uuid4()}/repairs/1/propagation",
                               headers=api.headers(Role.PLATFORM_REVIEWER),
                               json={"platforms": platforms})

    assert response.status_code == 422
    assert response.json()["field"] == "platforms"


def test_a_page_ten_million_records_deep_is_refused_before_the_database_is_asked(
    api: Api,
) -> None:
    deep = api.client.get("/api/v1/records", params={"page": 100_000, "per_page": 100},
                          headers=api.headers(Role.AUDITOR))
    just_beyond = api.client.get("/api/v1/records", params={"page": 101, "per_page": 100},
                                 headers=api.headers(Role.AUDITOR))
    last = api.client.get("/api/v1/records", params={"page": 100, "per_page": 100},
                          headers=api.headers(Role.AUDITOR))

    assert deep.status_code == 422
    assert just_beyond.status_code == 422
    assert just_beyond.json()["field"] == "page"
    assert last.status_code == 200


def test_numbers_past_64_bits_are_refused_by_field_not_answered_with_a_server_error(
    api: Api,
) -> None:
    """Before, a sanction of 2**70 months and an objection number of 2**70 reached the
    canonical JSON encoder, which cannot hold them: 500."""
    source = api.headers(Role.SOURCE_DEPARTMENT, **{"Idempotency-Key": "huge-1"})
    orders = [{"kind": "public_criticism", "months": 2**70}]
    sent = filing().model_dump(mode="json") | {"sanctions": orders}

    filed = api.client.post("/api/v1/records", headers=source, json=sent)
    decided = api.client.post(f"/api/v1/records/{uuid4()}/objections/{2**70}/decision",
                              headers=api.headers(Role.SOURCE_DEPARTMENT, **{
                                  "Idempotency-Key": "huge-2"}),
                              json={"outcome": "upheld", "reasons": "维持"})

    assert filed.status_code == 422
    assert filed.json()["field"] == "sanctions.0"
    assert decided.status_code == 422
    assert decided.json()["field"] == "number"


def test_a_malformed_body_without_a_valid_token_is_answered_401_and_never_read(
    api: Api,
) -> None:
    """Before, a route read and decoded its JSON body before it checked the token: a malformed
    body without one was answered 422 ("JSON decode error"), after the server had parsed it."""
    malformed = b'{"facts": "'
    json_body = {"content-type": "application/json"}
    for headers in ({}, {"Authorization": "Bearer cl_" + "x" * 43}, {"Authorization": "Basic a"}):
        response = api.client.post("/api/v1/records", content=malformed,
                                   headers=headers | json_body)
        assert response.status_code == 401, (headers, response.text[:200])
        assert response.headers["WWW-Authenticate"] == "Bearer"

    status, taken, _ = _stream(api.client.app, {}, chunks=3, size=1024)
    assert (status, taken) == (401, 0)

    # with a valid token the same body is read, and refused for what it is
    signed_in = api.client.post("/api/v1/records", content=malformed,
                                headers=api.headers(Role.SOURCE_DEPARTMENT) | json_body)
    assert signed_in.status_code == 422
