"""Someone with write access to the database alters the log after it was sealed.

Each alteration is made with plain SQL on the real PostgreSQL, the way an administrator could:
the services' roles may not update or delete events, and the trigger on the log refuses even the
owner unless a maintenance transaction says so first. The owner can say so (or drop the
trigger), so these alterations are what an attacker with the owner's rights can still do; that
is why the sealer keeps its own pin and witnesses keep theirs.
The auditor catches it twice: ``audit check`` rebuilds the tree from the rows and compares it
with the signed heads, and the bundle the auditor exported earlier no longer extends to the
newer head that a rewritten tree produces.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.proof.audit import ProofReader, Selection, check_log, export_bundle
from ledger.proof.pin import CheckpointPin
from ledger.proof.record_index import bucket_of
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from ledger.store.keys import public_key_bytes
from tests.support import tamper
from tests.support.world import DEPT, FakeClock, filing

KEY = Ed25519PrivateKey.generate()
@pytest.fixture
def sealed(pg_url: str, clock: FakeClock) -> Iterator[tuple[Ledger, dict[str, Any]]]:
    """A sealed log with a gap, a signed head, and the auditor's bundle of one record."""
    log = tamper.sealed_log(pg_url, clock, KEY)
    bundle = export_bundle(log.app, pg_url, Selection(record=log.record))
    assert verify_bundle(bundle, trusted_key=log.sealer.public_key).ok
    yield log.app, {"at": log.at, "bundle": bundle, "record": log.record, "sealer": log.sealer}
    log.app.close()


def rewrite_tree(url: str, app: Ledger, clock: FakeClock, home: Path) -> Sealer:
    """What someone holding a copy of the signing key could do with a sealer of their own
    (without the genuine sealer's last checkpoint): seal the altered log afresh."""
    tamper.reset_proofs(url)
    pin = CheckpointPin.for_key(public_key_bytes(KEY), home)
    sealer = Sealer(url, LogTable.of(app), key=KEY, clock=clock, pin=pin)
    sealer.seal_pending()
    sealer.issue_head()
    return sealer


@tamper.EVERY
def test_audit_check_finds_the_altered_log_no_longer_matches_its_signed_heads(
    sealed: tuple[Ledger, dict[str, Any]], pg_url: str, how: tamper.Tamper
) -> None:
    app, world = sealed
    tamper.rewrite(pg_url, how, world["at"])
    app.file_record(filing(3), DEPT)  # the log goes on growing; the sealer goes on sealing
    world["sealer"].seal_pending()
    world["sealer"].issue_head()

    report = check_log(pg_url, LogTable.of(app), world["sealer"].public_key)

    assert not report.ok
    assert report.first_mismatch is not None and "the database gives" in report.first_mismatch
    assert report.first_changed_leaf is not None


@tamper.EVERY
def test_an_earlier_bundle_does_not_extend_to_the_head_of_a_rewritten_tree(
    sealed: tuple[Ledger, dict[str, Any]], pg_url: str, clock: FakeClock, how: tamper.Tamper,
    tmp_path: Path,
) -> None:
    app, world = sealed
    tamper.rewrite(pg_url, how, world["at"])
    app.file_record(filing(3), DEPT)
    sealer = rewrite_tree(pg_url, app, clock, tmp_path)
    old_size = world["bundle"]["tree_head"]["size"]

    newer = ProofReader(pg_url, sealer.log).head_document(sealer.public_key, since=old_size)
    report = verify_bundle(world["bundle"], newer_head=newer, trusted_key=sealer.public_key)

    assert any("it was rewritten" in p for p in report.problems), report.problems
    assert check_log(pg_url, LogTable.of(app), sealer.public_key).ok  # its own heads agree…


@pytest.mark.parametrize("how", [tamper.change_one_byte, tamper.delete_one, tamper.swap_two],
                         ids=["one byte changed", "one deleted", "two swapped"])
def test_a_bundle_exported_after_the_alteration_fails_offline(
    sealed: tuple[Ledger, dict[str, Any]], pg_url: str, how: tamper.Tamper
) -> None:
    app, world = sealed
    tamper.rewrite(pg_url, how, world["at"])

    bundle = export_bundle(app, pg_url, Selection(record=world["record"]))

    assert not verify_bundle(bundle, trusted_key=world["sealer"].public_key).ok


def test_the_earlier_bundle_still_verifies_against_the_honest_sealers_newer_head(
    sealed: tuple[Ledger, dict[str, Any]], pg_url: str
) -> None:
    app, world = sealed
    tamper.rewrite(pg_url, tamper.change_one_byte, world["at"])
    app.file_record(filing(3), DEPT)
    sealer = world["sealer"]
    sealer.seal_pending()
    sealer.issue_head()
    old_size = world["bundle"]["tree_head"]["size"]

    newer = ProofReader(pg_url, sealer.log).head_document(sealer.public_key, since=old_size)

    assert verify_bundle(world["bundle"], newer_head=newer, trusted_key=sealer.public_key).ok


def test_audit_check_finds_a_record_index_corrupted_in_the_database_before_it_was_signed(
    sealed: tuple[Ledger, dict[str, Any]], pg_url: str
) -> None:
    app, world = sealed
    with psycopg.connect(pg_url) as conn:  # the stored nodes above the record's entry, altered
        conn.execute("UPDATE proofs.index_nodes SET hash = %s WHERE depth > 0 "
                     "AND prefix = %s >> (16 - depth)", (bytes(32), bucket_of(world["record"])))
    app.file_record(filing(3), DEPT)
    world["sealer"].seal_pending()
    world["sealer"].issue_head()  # the sealer folds the altered node into the next index root

    report = check_log(pg_url, LogTable.of(app), world["sealer"].public_key)

    assert report.first_mismatch is None and not report.bad_signatures  # the tree is intact…
    assert report.index_mismatch is not None and not report.ok  # …its index is not
