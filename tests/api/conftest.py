"""An API over real PostgreSQL, with one token per role, and its views caught up by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api, Views, open_api
from tests.support.world import FakeClock


@pytest.fixture
def api(pg_url: str, clock: FakeClock) -> Iterator[Api]:
    with open_api(pg_url, clock) as found:
        yield found


@pytest.fixture
def views(api: Api) -> Iterator[Views]:
    found = Views(api)
    yield found
    found.close()
