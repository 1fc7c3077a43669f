"""The API's small lookups reuse idle connections, and a process never hoards them."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from ledger.store import storage
from ledger.store.storage import connection, create_database, read_row


def backend(url: str) -> int:
    with connection(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_a_second_lookup_runs_on_the_connection_the_first_one_left_idle(pg_url: str) -> None:
    assert backend(pg_url) == backend(pg_url)


def test_a_failed_lookup_rolls_back_and_leaves_a_usable_connection(pg_url: str) -> None:
    with connection(pg_url) as conn:
        conn.execute("CREATE TABLE kept (n int)")
    try:
        with connection(pg_url) as conn:
            conn.execute("INSERT INTO kept VALUES (1)")
            conn.execute("SELECT 1/0")
    except psycopg.errors.DivisionByZero:
        pass
    with connection(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_lookups_on_many_databases_keep_only_a_few_connections_open(pg_admin_url: str) -> None:
    urls = [create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}") for _ in range(12)]
    names = [psycopg.conninfo.conninfo_to_dict(url)["dbname"] for url in urls]
    for url in urls:
        backend(url)
    with psycopg.connect(pg_admin_url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s)",
                           (names,)).fetchone()
    assert row is not None and row[0] <= storage._IDLE_MAX


def test_a_token_lookup_after_the_database_dropped_its_idle_connection_still_answers(
    pg_url: str, pg_admin_url: str,
) -> None:
    """A lookup sends its statement without checking the idle connection first; when the
    server has closed that connection (a restart, an idle timeout) it retries on a new one."""
    idle = backend(pg_url)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (idle,))
    row = read_row(pg_url, "SELECT pg_backend_pid()", ())
    assert row is not None and row[0] != idle
    assert read_row(pg_url, "SELECT pg_backend_pid()", ()) == row


def test_a_lookup_that_fails_for_its_own_reason_is_not_sent_twice(pg_url: str) -> None:
    with connection(pg_url) as conn:
        conn.execute("CREATE TABLE counted (n int)")
    with pytest.raises(psycopg.errors.DivisionByZero):
        read_row(pg_url, "INSERT INTO counted VALUES (1) RETURNING 1/0", ())
    with connection(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM counted").fetchone() == (0,)
