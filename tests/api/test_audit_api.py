"""An auditor proves a record's history over HTTP and checks the bundle offline."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.events import Role
from ledger.proof.sealer import Sealer
from ledger.proof.verify import verify_inclusion
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from tests.support.api import Api
from tests.support.world import DEPT, filing

KEY = Ed25519PrivateKey.generate()


@pytest.fixture(autouse=True)
def trusted_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API publishes and checks against the key it is configured with."""
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(
        KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode())


def seal(api: Api) -> Sealer:
    assert api.services.database_url is not None
    sealer = Sealer(api.services.database_url, LogTable.of(api.services.ledger), key=KEY)
    sealer.seal_pending()
    sealer.issue_head()
    return sealer


def test_an_auditor_downloads_a_record_bundle_that_verifies_offline(api: Api) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    sealer = seal(api)

    response = api.client.get("/api/v1/audit/bundle", params={"record": str(rid)},
                              headers=api.headers(Role.AUDITOR))

    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    report = verify_bundle(response.json(), trusted_key=sealer.public_key)
    assert report.ok, report.problems
    assert report.events_checked == 3


def test_an_inclusion_proof_from_the_api_checks_against_the_signed_head(api: Api) -> None:
    rid = api.services.ledger.file_record(filing(), DEPT).record_id
    seal(api)
    auditor = api.headers(Role.AUDITOR)
    head = api.client.get("/api/v1/audit/head", headers=auditor).json()["tree_head"]
    proof = api.client.get(f"/api/v1/audit/records/{rid}/versions/2/inclusion",
                           headers=auditor).json()

    root = base64.b64decode(head["root"])
    path = [base64.b64decode(p) for p in proof["proof"]]
    leaf = base64.b64decode(proof["leaf_hash"])
    assert verify_inclusion(leaf, proof["leaf_index"], head["size"], path, root)
    assert not verify_inclusion(leaf, proof["leaf_index"] + 1, head["size"], path, root)


def test_a_bundle_needs_a_record_a_subject_or_a_time_range(api: Api) -> None:
    response = api.client.get("/api/v1/audit/bundle", headers=api.headers(Role.AUDITOR))
    assert response.status_code == 422 and response.json()["field"] == "record"


def test_an_auditor_checks_that_the_log_only_grew_since_the_head_they_kept(api: Api) -> None:
    ledger = api.services.ledger
    ledger.file_record(filing(1), DEPT)
    sealer = seal(api)
    auditor = api.headers(Role.AUDITOR)
    kept = api.client.get("/api/v1/audit/head", headers=auditor).json()
    ledger.file_record(filing(2), DEPT)
    sealer.seal_pending()
    sealer.issue_head()

    later = api.client.get("/api/v1/audit/head", params={"since": kept["tree_head"]["size"]},
                           headers=auditor).json()
    proof = api.client.get("/api/v1/audit/consistency", headers=auditor, params={
        "first": kept["tree_head"]["size"], "second": later["tree_head"]["size"]}).json()
    key = api.client.get("/api/v1/audit/public-key", headers=auditor).json()

    assert "consistency" not in kept
    assert later["consistency"]["from_size"] == kept["tree_head"]["size"]
    assert later["consistency"]["proof"] == proof["proof"] and proof["proof"]
    assert base64.b64decode(key["public_key"]) == sealer.public_key
