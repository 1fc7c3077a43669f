"""The public sees it: a disclosed record's page says which signed checkpoint its history was
verified against, when that was signed and how many witnesses cosigned it, and offers the
record's proof bundle, which anyone checks offline with ``credit-ledger audit verify``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import CliRunner

from api.cli.main import app as cli
from ledger.events import Role
from ledger.proof.note import COSIGNATURE_V1, cosign, verifier_key
from ledger.proof.sealer import Sealer
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from tests.support.api import Api, Views
from tests.support.world import DEPT, PERSON_ID, FakeClock, filing

LOG_KEY = Ed25519PrivateKey.generate()
LOG_PUBLIC = LOG_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
ORIGIN = "ledger.example.gov.cn/credit"
WITNESS = "audit.fj.gov.cn/witness"
WITNESS_KEY = Ed25519PrivateKey.generate()
WITNESS_PUBLIC = WITNESS_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.fixture
def public(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API with the log's key and one witness configured, as a deployment has them."""
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(LOG_PUBLIC).decode())
    monkeypatch.setenv("LEDGER_WITNESSES", verifier_key(WITNESS, WITNESS_PUBLIC,
                                                        COSIGNATURE_V1))
    yield api


def seal(api: Api, clock: FakeClock) -> None:
    assert api.services.database_url is not None
    sealer = Sealer(api.services.database_url, LogTable.of(api.services.ledger), key=LOG_KEY,
                    clock=clock, origin=ORIGIN)
    sealer.seal_pending()
    sealer.issue_head()
    sealer.close()


def cosign_checkpoint(api: Api) -> None:
    """The witness cosigns the served checkpoint and sends it back."""
    note = api.client.get("/checkpoint").text
    text = note.split("\n\n")[0] + "\n"
    line = cosign(text, WITNESS, WITNESS_KEY, 1_778_000_000).line()
    assert api.client.post("/cosignatures", content=note + line).status_code == 200


def test_the_public_record_page_says_which_checkpoint_verified_it_and_who_cosigned(
    public: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = public.services.ledger
    rid = ledger.file_record(filing(1), DEPT).record_id
    ledger.file_record(filing(2), DEPT)
    views.catch_up()
    assert "尚未核验" in public.client.get(f"/disclosure/records/{rid}").text

    clock.set_date(clock.now.date().replace(day=7))  # signed the next morning, 09:30 Beijing
    seal(public, clock)
    size = ledger.recorder.max_notification_id()
    cosign_checkpoint(public)

    page = public.client.get(f"/disclosure/records/{rid}", params={"lang": "zh"}).text
    signed = clock.now.strftime("%Y-%m-%d") + " 09:30 UTC+8"
    assert f"已核验：第 {size} 号检查点（签署于 {signed}），1 个见证方联署" in page
    assert f'href="/disclosure/records/{rid}/bundle.json"' in page


def test_the_page_does_not_claim_a_verification_that_fails(
    public: Api, views: Views, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rid = public.services.ledger.file_record(filing(1), DEPT).record_id
    views.catch_up()
    seal(public, clock)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(other).decode())

    page = public.client.get(f"/disclosure/records/{rid}").text
    assert "已核验" not in page and "尚未核验" in page


def test_the_downloaded_bundle_verifies_offline_with_the_trusted_key(
    public: Api, views: Views, clock: FakeClock, tmp_path: Path,
) -> None:
    rid = public.services.ledger.file_record(filing(1), DEPT).record_id
    views.catch_up()
    seal(public, clock)
    cosign_checkpoint(public)

    response = public.client.get(f"/disclosure/records/{rid}/bundle.json")  # no token
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    saved = tmp_path / "bundle.json"
    saved.write_bytes(response.content)
    key = base64.b64encode(LOG_PUBLIC).decode()
    witness = verifier_key(WITNESS, WITNESS_PUBLIC, COSIGNATURE_V1)
    result = CliRunner().invoke(cli, ["audit", "verify", str(saved), "--trusted-key", key,
                                      "--witness", witness])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "cosigned by 1 witnesses" in result.output

    forged = tmp_path / "forged.json"
    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode()
    forged.write_bytes(response.content)
    refused = CliRunner().invoke(cli, ["audit", "verify", str(forged), "--trusted-key", other])
    assert refused.exit_code == 1


def test_a_record_not_on_public_disclosure_has_no_public_bundle(
    public: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = public.services.ledger
    person = ledger.file_record(filing(1, subject_type="civil_servant", subject_code=None,
                                       subject_citizen_id=PERSON_ID), DEPT).record_id
    internal = ledger.file_record(filing(2, scope="shared"), DEPT).record_id
    views.catch_up()
    seal(public, clock)

    for rid in (person, internal):
        assert public.client.get(f"/disclosure/records/{rid}/bundle.json").status_code == 404
        assert public.client.get(f"/disclosure/records/{rid}/bundle.json",
                                 headers=public.headers(Role.AUDITOR)).status_code == 404


def test_a_public_record_naming_a_civil_servant_shows_that_event_by_its_leaf_hash_only(
    public: Api, views: Views, clock: FakeClock, tmp_path: Path,
) -> None:
    ledger = public.services.ledger
    rid = ledger.file_record(filing(1, responsible_citizen_ids=[PERSON_ID]), DEPT).record_id
    views.catch_up()
    seal(public, clock)
    person = str(ledger.vault.person_id(PERSON_ID))

    body = public.client.get(f"/disclosure/records/{rid}/bundle.json").text
    bundle = json.loads(body)
    [filed, *_] = bundle["events"]
    assert filed["withheld"] is True and "state" not in filed and filed["leaf_hash"]
    assert person not in body and PERSON_ID not in body and "林晓明" not in body
    report = verify_bundle(bundle, trusted_key=LOG_PUBLIC)
    assert report.ok, report.problems
    assert any("withheld" in note for note in report.notes)

    bundle["events"][0]["leaf_hash"] = base64.b64encode(b"\0" * 32).decode()
    assert not verify_bundle(bundle, trusted_key=LOG_PUBLIC).ok  # a hash must still prove


def entries_of(bundle: bytes) -> list[bytes]:
    """A C2SP entry bundle split into its uint16 length-prefixed entries."""
    found, at = [], 0
    while at < len(bundle):
        size = int.from_bytes(bundle[at:at + 2], "big")
        found.append(bundle[at + 2:at + 2 + size])
        at += 2 + size
    assert at == len(bundle)
    return found


def test_entry_bundles_show_public_records_bytes_and_only_leaf_hashes_of_the_rest(
    public: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = public.services.ledger
    shown = ledger.file_record(filing(1), DEPT).record_id
    ledger.file_record(filing(2, responsible_citizen_ids=[PERSON_ID]), DEPT)
    ledger.file_record(filing(3, subject_type="civil_servant", subject_code=None,
                              subject_citizen_id=PERSON_ID), DEPT)
    views.catch_up()
    seal(public, clock)
    size = ledger.recorder.max_notification_id()

    bundle = public.client.get(f"/tile/entries/000.p/{size}")  # no token
    tile = public.client.get(f"/tile/0/000.p/{size}").content
    assert bundle.status_code == 200
    hashes = [tile[i:i + 32] for i in range(0, len(tile), 32)]
    entries = entries_of(bundle.content)
    assert len(entries) == size
    visible = [e for e, h in zip(entries, hashes, strict=True)
               if hashlib.sha256(b"\0" + e).digest() == h]
    hidden = [e for e, h in zip(entries, hashes, strict=True) if e == h]
    assert len(visible) + len(hidden) == size
    text = b"".join(visible).decode("utf-8", "replace")
    assert str(shown) in text and "闽纪〔2026〕1号" in text
    assert "闽纪〔2026〕2号" not in text and "闽纪〔2026〕3号" not in text
    assert PERSON_ID not in text and "林晓明" not in text
    assert str(ledger.vault.person_id(PERSON_ID)) not in text
