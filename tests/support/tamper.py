"""What someone with the owner's rights on the database can do to a sealed log with plain SQL:
change one byte of an event, delete one, swap two, slip a forged one into a gap; and drop the
sealer's tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import psycopg

from ledger.store.roles import maintenance

Tamper = Callable[[psycopg.Connection[Any], dict[str, int]], None]


def change_one_byte(conn: psycopg.Connection[Any], at: dict[str, int]) -> None:
    conn.execute("UPDATE ledger_events SET state = convert_to(replace(convert_from(state, "
                 "'UTF8'), '01:30:00', '01:31:00'), 'UTF8') WHERE notification_id = %s",
                 (at["published"],))


def delete_one(conn: psycopg.Connection[Any], at: dict[str, int]) -> None:
    conn.execute("DELETE FROM ledger_events WHERE notification_id = %s", (at["published"],))


def swap_two(conn: psycopg.Connection[Any], at: dict[str, int]) -> None:
    conn.execute(
        "UPDATE ledger_events e SET state = o.state FROM ledger_events o "
        "WHERE (e.notification_id, o.notification_id) IN ((%(a)s, %(b)s), (%(b)s, %(a)s))",
        {"a": at["published"], "b": at["requested"]},
    )


def insert_one(conn: psycopg.Connection[Any], at: dict[str, int]) -> None:
    """A forged event slipped into the gap a rolled-back insert left, inside the sealed range."""
    conn.execute(
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state, "
        "notification_id) SELECT %s, 1, topic, state, %s FROM ledger_events "
        "WHERE notification_id = %s", (uuid4(), at["gap"], at["published"]),
    )


def tamper(url: str, how: Tamper, at: dict[str, int]) -> None:
    """The owner's rewrite: it must switch the log's guard off first, in its transaction."""
    with psycopg.connect(url) as conn:
        maintenance(conn)
        how(conn, at)


def reset_proofs(url: str) -> None:
    """The sealer's tables and every signed head, gone."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP SCHEMA proofs CASCADE")
