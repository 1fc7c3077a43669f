"""A province starts every service at once against an empty database: all of them come up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.auth import PostgresTokenStore
from api.idempotency import PostgresIdempotencyStore
from ledger.bootstrap import open_ledger
from ledger.store.keys import PostgresKeyStore
from workflows.horizons import PostgresHorizons
from workflows.positions import PostgresPositions

pytestmark = pytest.mark.timeout(120)


def start_together(starters: list[Callable[[], Any]]) -> list[BaseException]:
    barrier = threading.Barrier(len(starters))

    def start(starter: Callable[[], Any]) -> BaseException | None:
        barrier.wait()
        try:
            started = starter()
        except Exception as error:
            return error
        if hasattr(started, "close"):
            started.close()
        return None

    with ThreadPoolExecutor(len(starters)) as pool:
        return [e for e in pool.map(start, starters) if e is not None]


@pytest.mark.parametrize("round_", range(3))
def test_services_starting_together_on_an_empty_database_all_come_up(
        pg_url: str, round_: int) -> None:
    starters: list[Callable[[], Any]] = [
        *[lambda: open_ledger(pg_url, pool_size=1) for _ in range(4)],
        *[lambda: PostgresKeyStore(pg_url) for _ in range(2)],
        *[lambda: PostgresTokenStore(pg_url) for _ in range(2)],
        *[lambda: PostgresIdempotencyStore(pg_url) for _ in range(2)],
        *[lambda: PostgresHorizons(pg_url) for _ in range(2)],
        *[lambda: PostgresPositions(pg_url) for _ in range(2)],
    ]
    assert start_together(starters) == []
