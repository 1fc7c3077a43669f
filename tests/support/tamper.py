"""What someone with the owner's rights on the database can do to a sealed log with plain SQL:
change one byte of an event, delete one, swap two, slip a forged one into a gap; and drop the
sealer's tables. The log they do it to: one with a gap, sealed and signed once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.proof.audit import ProofReader
from ledger.proof.sealer import Sealer
from ledger.store.follow import LogTable
from ledger.store.roles import maintenance, migrate
from tests.support.world import DEPT, FakeClock, filing, postgres_world, register_world

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


EVERY = pytest.mark.parametrize(
    "how", [change_one_byte, delete_one, swap_two, insert_one],
    ids=["one byte changed", "one deleted", "two swapped", "one inserted"])


@dataclass
class SealedLog:
    app: Ledger
    sealer: Sealer
    record: UUID
    at: dict[str, int]
    """Where the first record's published and requested events stand, and where the gap is."""


def sealed_log(url: str, clock: FakeClock, key: Ed25519PrivateKey) -> SealedLog:
    """Two records filed on a log with a gap, sealed and signed once by the genuine sealer."""
    migrate(url)  # the roles and the append-only guard: each rewrite switches it off, as the owner
    app = postgres_world(url, clock)
    register_world(app)  # refused by the database: leaves a gap in the notification ids
    rid = app.file_record(filing(1), DEPT).record_id
    app.file_record(filing(2), DEPT)
    sealer = Sealer(url, LogTable.of(app), key=key, clock=clock)
    sealer.seal_pending()
    sealer.issue_head()
    reader = ProofReader(url, sealer.log)
    at = {"published": reader.position_of(rid, 2), "requested": reader.position_of(rid, 3),
          "gap": 4}
    return SealedLog(app, sealer, rid, at)


def rewrite(url: str, how: Tamper, at: dict[str, int]) -> None:
    """The owner's rewrite: it must switch the log's guard off first, in its transaction."""
    with psycopg.connect(url) as conn:
        maintenance(conn)
        how(conn, at)


def reset_proofs(url: str) -> None:
    """The sealer's tables and every signed head, gone."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP SCHEMA proofs CASCADE")
