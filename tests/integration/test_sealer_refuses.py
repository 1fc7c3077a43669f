"""The rewrite attack: someone with write access to the database edits the log, resets the
sealer's tables and deletes its heads, hoping the genuine sealer re-seals the forged log.

The sealer keeps the last checkpoint it signed outside the database, checks every new tree
against it, and refuses: no head is signed, the alarm is raised (a file for the health check, a
row for the metric, a log line), and it signs again once the log is restored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.proof.pin import CheckpointPin, RewrittenLogError
from ledger.proof.sealer import BATCH_LOCK, Sealer
from ledger.store.follow import LogTable
from ledger.store.roles import maintenance
from tests.support import tamper
from tests.support.world import DEPT, FakeClock, filing

KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def world(pg_url: str, clock: FakeClock) -> Iterator[tuple[Ledger, dict[str, int]]]:
    """A log with a gap, sealed and signed once by the genuine sealer."""
    log = tamper.sealed_log(pg_url, clock, KEY)
    yield log.app, log.at
    log.app.close()


def genuine_sealer(url: str, app: Ledger, clock: FakeClock) -> Sealer:
    """The ledger's sealer: a restart makes a new one, with the same key and the same folder."""
    return Sealer(url, LogTable.of(app), key=KEY, clock=clock)


def heads(url: str) -> int:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT count(*) FROM proofs.tree_heads").fetchone()
    return int(found[0]) if found else 0


def alarms(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT reason FROM proofs.alarms")]


@tamper.EVERY
def test_a_restarted_sealer_refuses_to_sign_a_log_rewritten_while_it_was_down(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock, how: tamper.Tamper,
) -> None:
    app, at = world
    tamper.rewrite(pg_url, how, at)
    tamper.reset_proofs(pg_url)
    app.file_record(filing(3), DEPT)  # the log goes on growing
    sealer = genuine_sealer(pg_url, app, clock)

    sealer.seal_pending()  # the forged log is sealed into a fresh tree…
    with pytest.raises(RewrittenLogError, match="the log was rewritten"):
        sealer.issue_head()  # …which is never signed

    assert heads(pg_url) == 0
    assert alarms(pg_url) == [sealer.refusal()]
    assert sealer.refusal() is not None and "does not extend the checkpoint" in sealer.refusal()


def test_a_log_cut_short_below_the_last_checkpoint_is_refused(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock,
) -> None:
    app, _ = world
    with psycopg.connect(pg_url) as conn:
        maintenance(conn)
        conn.execute("DELETE FROM ledger_events WHERE notification_id = (SELECT "
                     "max(notification_id) FROM ledger_events)")
    tamper.reset_proofs(pg_url)
    sealer = genuine_sealer(pg_url, app, clock)
    sealer.seal_pending()

    with pytest.raises(RewrittenLogError, match="fewer than"):
        sealer.issue_head()
    assert heads(pg_url) == 0


def test_a_running_sealer_stops_signing_raises_the_alarm_and_resumes_after_a_restore(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock,
) -> None:
    app, at = world
    sealer = genuine_sealer(pg_url, app, clock)
    stop = threading.Event()
    follower = threading.Thread(target=sealer.run, args=(stop,),
                                kwargs={"head_every": 0.05, "poll": 0.05}, daemon=True)
    follower.start()
    try:
        tamper.rewrite(pg_url, tamper.change_one_byte, at)
        truncate_proofs(pg_url)
        app.file_record(filing(3), DEPT)
        wait_for(lambda: alarms(pg_url) != [])
        time.sleep(0.3)  # several rounds: it keeps refusing
        assert heads(pg_url) == 0 and sealer.refusal() is not None

        restore_one_byte(pg_url, at)  # the operator restores the row and resets the tree
        truncate_proofs(pg_url)
        wait_for(lambda: alarms(pg_url) == [] and heads(pg_url) > 0)
    finally:
        stop.set()
        follower.join(timeout=10)
    assert sealer.refusal() is None


def test_an_honest_log_whose_heads_were_lost_is_signed_again(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock,
) -> None:
    app, _ = world
    tamper.reset_proofs(pg_url)
    app.file_record(filing(3), DEPT)
    sealer = genuine_sealer(pg_url, app, clock)

    sealer.seal_pending()
    sealer.issue_head()

    assert heads(pg_url) == 1 and sealer.refusal() is None


def test_a_pinned_checkpoint_edited_on_disk_stops_the_sealer(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock,
) -> None:
    app, _ = world
    sealer = genuine_sealer(pg_url, app, clock)
    note = sealer.pin.path.read_text()
    size = note.splitlines()[1]
    sealer.pin.path.write_text(note.replace(f"\n{size}\n", f"\n{int(size) - 1}\n", 1))
    app.file_record(filing(3), DEPT)
    sealer.seal_pending()

    with pytest.raises(RewrittenLogError, match="not one this sealer signed"):
        sealer.issue_head()
    assert heads(pg_url) == 1


def test_each_signature_moves_the_pinned_checkpoint_forward(
    world: tuple[Ledger, dict[str, int]], pg_url: str, clock: FakeClock, tmp_path: Path,
) -> None:
    app, _ = world
    pin = CheckpointPin.for_key(genuine_sealer(pg_url, app, clock).public_key)
    before = pin.load()
    app.file_record(filing(3), DEPT)
    sealer = genuine_sealer(pg_url, app, clock)
    sealer.seal_pending()

    head = sealer.issue_head().head
    after = pin.load()

    assert before is not None and after is not None
    assert before.size < after.size == head.size and after.root == head.root


def truncate_proofs(url: str) -> None:
    with psycopg.connect(url) as conn:  # between two batches of the running sealer
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (BATCH_LOCK,))
        conn.execute("TRUNCATE proofs.leaves, proofs.nodes, proofs.tree_heads, proofs.sealer")


def restore_one_byte(url: str, at: dict[str, int]) -> None:
    with psycopg.connect(url) as conn:
        maintenance(conn)
        conn.execute("UPDATE ledger_events SET state = convert_to(replace(convert_from(state, "
                     "'UTF8'), '01:31:00', '01:30:00'), 'UTF8') WHERE notification_id = %s",
                     (at["published"],))


def wait_for(condition: Callable[[], Any], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the condition did not hold in time")
