"""Witnesses: anyone follows the ledger's checkpoints, checks from the tiles that each extends
the last, and cosigns; the ledger serves the cosignatures, and a bundle can require them.

A witness here talks to the API over its test client exactly as it would over HTTP.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.events import Role
from ledger.proof.note import COSIGNATURE_V1, split_note, verifier_key, verify_cosignature
from ledger.proof.pin import CheckpointPin
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.proof.witness import SplitViewError, Witness, follow
from ledger.store.follow import LogTable
from tests.support.api import Api
from tests.support.world import DEPT, filing

ORIGIN = "credit.example.gov.cn/fujian"
LOG_KEY = Ed25519PrivateKey.generate()
LOG_PUBLIC = LOG_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
AUDIT_OFFICE = Ed25519PrivateKey.generate()
AUDIT_PUBLIC = AUDIT_OFFICE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
NAME = "audit.fj.example/w1"


@pytest.fixture
def ledger_api(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(LOG_PUBLIC).decode())
    monkeypatch.setenv("LEDGER_WITNESSES", verifier_key(NAME, AUDIT_PUBLIC, COSIGNATURE_V1))
    yield api


def sealer_of(api: Api, pin: CheckpointPin | None = None) -> Sealer:
    assert api.services.database_url is not None
    return Sealer(api.services.database_url, LogTable.of(api.services.ledger), key=LOG_KEY,
                  origin=ORIGIN, pin=pin)


def grow(api: Api, sealer: Sealer, filings: range) -> None:
    for n in filings:
        api.services.ledger.file_record(filing(n), DEPT)
    sealer.seal_pending()
    sealer.issue_head()


def fetcher(api: Api):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> bytes:
        response = api.client.get(f"/{path}")
        if response.status_code != 200:
            raise OSError(f"{path}: {response.status_code}")
        return response.content

    return fetch


@pytest.fixture
def sealer(ledger_api: Api) -> Sealer:
    return sealer_of(ledger_api)


@pytest.fixture
def watcher(tmp_path: Path) -> Witness:
    """The audit office's witness, keeping its record in the test's folder."""
    return Witness(NAME, AUDIT_OFFICE, ORIGIN, LOG_PUBLIC, tmp_path / "witness")


def forge(api: Api, folder: Path, filings: range) -> None:
    """Someone with the database rewrites an event and drops the proofs, then seals
    ``filings`` with the log's key by a sealer without the last checkpoint."""
    assert api.services.database_url is not None
    with psycopg.connect(api.services.database_url, autocommit=True) as conn:
        conn.execute("UPDATE ledger_events SET state = convert_to(replace(convert_from(state, "
                     "'UTF8'), '01:30:00', '01:31:00'), 'UTF8') WHERE notification_id = 9")
        conn.execute("DROP SCHEMA proofs CASCADE")
    grow(api, sealer_of(api, CheckpointPin.for_key(LOG_PUBLIC, folder)), filings)


def look(api: Api, watcher: Witness) -> str | None:
    """One look at the log; the cosigned note is sent back, as the command does."""
    seen = watcher.observe(api.client.get("/checkpoint").text, fetcher(api))
    if seen.cosignature is None:
        return None
    cosigned = seen.note + seen.cosignature.line()
    assert api.client.post("/cosignatures", content=cosigned).status_code == 200
    return cosigned


def test_a_witness_cosigns_a_growing_log_and_the_ledger_serves_its_cosignature(
    ledger_api: Api, sealer: Sealer, watcher: Witness,
) -> None:
    grow(ledger_api, sealer, range(1, 40))
    look(ledger_api, watcher)
    grow(ledger_api, sealer, range(40, 100))  # past a full tile: tiles of two levels

    assert look(ledger_api, watcher) is not None
    served = ledger_api.client.get("/checkpoint").text
    text, signatures = split_note(served)
    [cosignature] = [s for s in signatures if s.name == NAME]
    assert int(text.splitlines()[1]) > 256
    assert verify_cosignature(text, cosignature, NAME, AUDIT_PUBLIC) is not None
    assert look(ledger_api, watcher) is None  # nothing new: nothing cosigned twice


def test_a_witness_refuses_to_cosign_a_rewritten_log_and_keeps_the_evidence(
    ledger_api: Api, sealer: Sealer, watcher: Witness, tmp_path: Path,
) -> None:
    grow(ledger_api, sealer, range(1, 4))
    look(ledger_api, watcher)
    cosigned = watcher.record.read_text()
    forge(ledger_api, tmp_path / "forger", range(4, 6))

    with pytest.raises(SplitViewError, match="does not extend the checkpoint of") as split:
        look(ledger_api, watcher)

    assert watcher.record.read_text() == cosigned  # its record stays where it was
    assert split.value.evidence is not None
    assert split.value.evidence.read_text() == ledger_api.client.get("/checkpoint").text
    assert NAME not in ledger_api.client.get("/checkpoint").text


def test_a_bundle_can_require_witnesses_that_cosigned_its_head(
    ledger_api: Api, sealer: Sealer, watcher: Witness,
) -> None:
    rid = ledger_api.services.ledger.file_record(filing(1), DEPT).record_id
    sealer.seal_pending()
    sealer.issue_head()
    look(ledger_api, watcher)
    bundle = ledger_api.client.get("/api/v1/audit/bundle", params={"record": str(rid)},
                                   headers=ledger_api.headers(Role.AUDITOR)).json()
    stranger = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw,
                                                                      PublicFormat.Raw)

    one = verify_bundle(bundle, trusted_key=LOG_PUBLIC, witnesses={NAME: AUDIT_PUBLIC},
                        min_witnesses=1)
    two = verify_bundle(bundle, trusted_key=LOG_PUBLIC, witnesses={NAME: AUDIT_PUBLIC},
                        min_witnesses=2)
    other = verify_bundle(bundle, trusted_key=LOG_PUBLIC, witnesses={NAME: stranger},
                          min_witnesses=1)

    assert one.ok and one.witnesses == [NAME], one.problems
    assert two.problems == ["1 of the 2 witnesses required cosigned the head"]
    assert other.problems == ["0 of the 1 witnesses required cosigned the head"]


def test_the_ledger_keeps_only_cosignatures_of_its_witnesses_on_its_own_checkpoints(
    ledger_api: Api, sealer: Sealer, tmp_path: Path,
) -> None:
    grow(ledger_api, sealer, range(1, 3))
    note = ledger_api.client.get("/checkpoint").text
    stranger = Witness(NAME, Ed25519PrivateKey.generate(), ORIGIN, LOG_PUBLIC, tmp_path / "x")
    seen = stranger.observe(note, fetcher(ledger_api))
    assert seen.cosignature is not None
    forged = note.replace(note.splitlines()[1], "1", 1)

    unknown = ledger_api.client.post("/cosignatures", content=note + seen.cosignature.line())
    not_ours = ledger_api.client.post("/cosignatures", content=forged)

    assert unknown.status_code == 403
    assert not_ours.status_code == 422
    assert ledger_api.client.get("/checkpoint").text == note


def test_the_witness_loop_reports_what_it_cosigned_sends_it_back_and_stops_at_a_split(
    ledger_api: Api, sealer: Sealer, watcher: Witness, tmp_path: Path,
) -> None:
    said: list[str] = []
    grow(ledger_api, sealer, range(1, 3))

    def submit(note: str) -> None:
        ledger_api.client.post("/cosignatures", content=note)

    follow(watcher, fetcher(ledger_api), submit, said.append, every=0, rounds=2)
    forge(ledger_api, tmp_path / "f", range(3, 4))

    with pytest.raises(SplitViewError):
        follow(watcher, fetcher(ledger_api), submit, said.append, every=0, rounds=1)
    assert said == [f"cosigned {ORIGIN} at size {watcher.last().size}"]  # type: ignore[union-attr]
