"""Every entry point reads a typed instant one way: ISO 8601, Beijing time without an offset,
anything else refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.clock import SHANGHAI, parse_instant
from ledger.errors import ValidationError


@pytest.mark.parametrize(("typed", "meant"), [
    ("2026-05-06T09:30", datetime(2026, 5, 6, 1, 30, tzinfo=UTC)),  # the page's datetime-local
    ("2026-05-06 09:30:15", datetime(2026, 5, 6, 1, 30, 15, tzinfo=UTC)),
    ("2026-05-06T01:30Z", datetime(2026, 5, 6, 1, 30, tzinfo=UTC)),
    ("2026-05-06T09:30+08:00", datetime(2026, 5, 6, 1, 30, tzinfo=UTC)),
    ("2026-05-06", datetime(2026, 5, 5, 16, 0, tzinfo=UTC)),  # midnight in Beijing
    (" 2026-05-06 ", datetime(2026, 5, 5, 16, 0, tzinfo=UTC)),
])
def test_an_auditor_types_a_moment_the_way_the_pages_show_it(typed: str, meant: datetime) -> None:
    found = parse_instant(typed)

    assert found == meant and found.tzinfo is UTC


@pytest.mark.parametrize("typed", ["yesterday", "2026-13-01", "2026-02-30T09:00", "", "0506"])
def test_an_unreadable_moment_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_instant(typed, field="from")

    assert refused.value.field == "from" and "2026-05-06 09:30" in refused.value.reason


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
       st.integers(-14 * 60, 14 * 60))
def test_any_written_instant_reads_back_as_the_same_moment(wall: datetime, minutes: int) -> None:
    written = wall.replace(tzinfo=UTC).astimezone(timezone(timedelta(minutes=minutes)))

    assert parse_instant(written.isoformat()) == wall.replace(tzinfo=UTC)
    assert parse_instant(wall.isoformat()) == wall.replace(tzinfo=SHANGHAI).astimezone(UTC)
