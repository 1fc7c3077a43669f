"""The public search and its exports are rate-limited per client address: a scraper or a
flood from one address is answered 429 with ``Retry-After``, while other addresses are served.

Before the limit, every request from one address was answered like the first, and these tests
failed (the application took no limits at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import Limits, TokenBuckets
from tests.support.api import Api, Views

SCRAPER = ("203.0.113.7", 41000)
NEIGHBOUR = ("198.51.100.9", 52000)


@contextmanager
def _served(api: Api, limits: Limits, address: tuple[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(api.services, limits), client=address) as client:
        yield client


def test_an_address_searching_past_its_allowance_is_told_when_to_come_back(
    api: Api, views: Views,
) -> None:
    limits = Limits(searches_per_minute=5)
    with _served(api, limits, SCRAPER) as scraper:
        answers = [scraper.get("/api/v1/public/records", params={"q": f"局{n}"}).status_code
                   for n in range(5)]
        refused = scraper.get("/api/v1/public/records")
        page = scraper.get("/", params={"q": "局"})

    assert answers == [200] * 5
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"] == "TooManyRequests"
    assert "retry in" in refused.json()["reason"]
    assert page.status_code == 429


def test_one_address_flooding_the_search_does_not_lock_out_another(
    api: Api, views: Views,
) -> None:
    app = create_app(api.services, Limits(searches_per_minute=3))
    with TestClient(app, client=SCRAPER) as scraper, TestClient(app, client=NEIGHBOUR) as other:
        flood = [scraper.get("/api/v1/public/records").status_code for _ in range(10)]
        served = other.get("/api/v1/public/records")

    assert flood.count(429) == 7
    assert served.status_code == 200


def test_public_exports_have_a_smaller_allowance_of_their_own(api: Api, views: Views) -> None:
    limits = Limits(searches_per_minute=60, exports_per_minute=2)
    with _served(api, limits, SCRAPER) as scraper:
        exports = [scraper.get("/", params={"format": "csv"}).status_code for _ in range(3)]
        search = scraper.get("/api/v1/public/records")

    assert exports == [200, 200, 429]
    assert search.status_code == 200


def test_an_allowance_comes_back_at_its_rate_and_memory_stays_bounded() -> None:
    """The buckets themselves: a minute's allowance, refilled at its rate; the least recently
    seen addresses are forgotten first."""
    now = [0.0]
    buckets = TokenBuckets(6, max_keys=100, clock=lambda: now[0])

    taken = [buckets.take("a") for _ in range(7)]
    now[0] += 10.0
    again = buckets.take("a")
    for n in range(1000):
        buckets.take(f"addr-{n}")

    assert taken[:6] == [0.0] * 6
    assert taken[6] == 10.0
    assert again == 0.0
    assert len(buckets._buckets) == 100
