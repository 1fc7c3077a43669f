"""An auditor at the command line: heads, proofs, a bundle exported, verified offline, rechecked."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from typer.testing import CliRunner, Result

from api.cli.audit import app as audit
from ledger.application import Ledger
from ledger.proof.note import COSIGNATURE_V1, verifier_key
from ledger.proof.verify import (
    TreeHead,
    tree_head_signing_bytes,
    verify_consistency,
    verify_inclusion,
)
from ledger.proof.verify_bundle import unb64
from tests.support.world import BODY_CODE, DEPT, FakeClock, filing, postgres_world

KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def cli(pg_url: str, tmp_path: Path) -> Any:
    runner = CliRunner()
    env = {
        "LEDGER_DATABASE_URL": pg_url, "LEDGER_HOME": str(tmp_path / "home"),
        "LEDGER_MASTER_KEY": base64.b64encode(b"k" * 32).decode(),
        "LEDGER_SIGNING_KEY": base64.b64encode(KEY.private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode(),
    }

    def run(*args: str | Path, ok: bool = True, **more: str) -> Result:
        result = runner.invoke(audit, [str(a) for a in args], env=env | more)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    return run


@pytest.fixture
def world(pg_url: str, clock: FakeClock) -> Any:
    app = postgres_world(pg_url, clock)
    yield app
    app.close()


def a_filed_record_exported(cli: Any, world: Ledger, tmp_path: Path) -> tuple[UUID, Path]:
    """A record filed, and the auditor's bundle of it written to a file."""
    rid = world.file_record(filing(1), DEPT).record_id
    bundle = tmp_path / "bundle.json"
    cli("export", "--record", rid, "-o", bundle)
    return rid, bundle


def test_an_auditor_exports_a_record_verifies_it_offline_and_against_a_later_head(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    rid = world.file_record(filing(1), DEPT).record_id
    world.file_record(filing(2), DEPT)
    published_key = cli("public-key").output.strip()
    bundle = tmp_path / "bundle.json"

    cli("export", "--record", rid, "-o", bundle)
    verified = cli("verify", bundle, "--public-key", published_key)

    assert "OK: 3 events are in the signed log" in verified.output
    assert f"record {rid}: in_force, published (3 events); open: explanation due 2026-05-26" \
        in verified.output
    size = json.loads(bundle.read_text())["tree_head"]["size"]
    world.file_record(filing(3), DEPT)
    newer = tmp_path / "newer.json"
    cli("head", "--since", str(size), "-o", newer)
    later = cli("verify", bundle, "--head", newer, "--public-key", published_key)
    assert "newer head: size" in later.output and "OK" in later.output


def test_a_bundle_with_one_flipped_byte_fails_verification(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    _, bundle = a_filed_record_exported(cli, world, tmp_path)
    document = json.loads(bundle.read_text())
    state = bytearray(base64.b64decode(document["events"][1]["state"]))
    state[-3] ^= 0x01
    document["events"][1]["state"] = base64.b64encode(bytes(state)).decode()
    bundle.write_text(json.dumps(document))

    result = cli("verify", bundle, ok=False)

    assert result.exit_code == 1
    assert "the inclusion proof does not lead to the signed root" in result.output


def test_a_subjects_bundle_holds_the_subject_and_all_its_records(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    first = world.file_record(filing(1), DEPT).record_id
    second = world.file_record(filing(2), DEPT).record_id
    bundle = tmp_path / "subject.json"

    cli("export", "--subject", BODY_CODE, "-o", bundle)

    ids = {e["id"] for e in json.loads(bundle.read_text())["events"]}
    assert {str(first), str(second)} <= ids and len(ids) == 3
    assert "OK" in cli("verify", bundle).output


def test_a_days_bundle_holds_every_leaf_of_that_day(
    cli: Any, world: Ledger, clock: FakeClock, tmp_path: Path
) -> None:
    world.file_record(filing(1), DEPT)
    clock.advance(days=1)
    world.file_record(filing(2), DEPT)
    bundle = tmp_path / "day.json"

    cli("export", "--from", "2026-05-07", "--to", "2026-05-08", "-o", bundle)

    document = json.loads(bundle.read_text())
    assert [e["timestamp"][:10] for e in document["events"]] == ["2026-05-07"] * 4
    assert "OK: 4 events" in cli("verify", bundle).output


def test_inclusion_and_consistency_proofs_from_the_command_line_verify(
    cli: Any, world: Ledger
) -> None:
    rid = world.file_record(filing(1), DEPT).record_id
    old = json.loads(cli("head").output)["tree_head"]
    world.file_record(filing(2), DEPT)
    new = json.loads(cli("head").output)["tree_head"]

    inclusion = json.loads(cli("prove", "--record", rid, "--version", "3").output)
    consistency = json.loads(cli("prove", "--first", str(old["size"])).output)

    assert inclusion["tree_size"] == new["size"]
    assert verify_inclusion(unb64(inclusion["leaf_hash"]), inclusion["leaf_index"], new["size"],
                            [unb64(p) for p in inclusion["proof"]], unb64(new["root"]))
    assert verify_consistency(old["size"], new["size"], unb64(old["root"]),
                              unb64(new["root"]), [unb64(p) for p in consistency["proof"]])
    assert cli("prove", "--position", "9999", ok=False).exit_code == 1


def test_the_check_command_finds_an_untouched_log_consistent_with_every_head(
    cli: Any, world: Ledger
) -> None:
    world.file_record(filing(1), DEPT)
    cli("seal")
    world.file_record(filing(2), DEPT)
    cli("head")

    result = cli("check")

    assert "2 heads" in result.output and "OK: every signed head matches the log" in result.output


def test_the_sealers_health_check_fails_while_it_refuses_a_rewritten_log(
    cli: Any, world: Ledger, pg_url: str
) -> None:
    world.file_record(filing(1), DEPT)
    cli("head")
    healthy = cli("sealer-status")
    with psycopg.connect(pg_url) as conn:  # one event edited, the tree and its heads dropped
        conn.execute("UPDATE ledger_events SET state = convert_to(replace(convert_from(state, "
                     "'UTF8'), '01:30:00', '01:31:00'), 'UTF8') WHERE notification_id = ("
                     "SELECT max(notification_id) FROM ledger_events)")
        conn.execute("DROP SCHEMA proofs CASCADE")

    refused = cli("head", ok=False)
    status = cli("sealer-status", ok=False)

    assert "OK: the sealer signs" in healthy.output
    assert refused.exit_code == 1 and "the log was rewritten" in refused.output
    assert status.exit_code == 1 and "REFUSING to sign" in status.output


def test_an_auditor_who_pins_no_key_cannot_pass_a_bundle(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    _, bundle = a_filed_record_exported(cli, world, tmp_path)

    offline = cli("verify", bundle, ok=False, LEDGER_SIGNING_KEY="", LEDGER_PUBLIC_KEY="")

    assert offline.exit_code == 1 and "a key inside the bundle proves nothing" in offline.output


def test_a_bundle_signed_with_another_key_fails_against_the_published_key(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    published = cli("public-key").output.strip()
    _, bundle = a_filed_record_exported(cli, world, tmp_path)
    forger = Ed25519PrivateKey.generate()
    forged = json.loads(bundle.read_text())
    head = forged["tree_head"]
    head["signature"] = base64.b64encode(forger.sign(tree_head_signing_bytes(TreeHead(
        head["size"], unb64(head["root"]), head["timestamp_ms"])))).decode()
    forged["public_key"] = base64.b64encode(forger.public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode()
    bundle.write_text(json.dumps(forged))

    pinned = cli("verify", bundle, "--trusted-key", published, ok=False)
    configured = cli("verify", bundle, ok=False, LEDGER_SIGNING_KEY="",
                     LEDGER_PUBLIC_KEY=published)

    for result in (pinned, configured):
        assert result.exit_code == 1
        assert "FAIL the bundle names a key other than the trusted one" in result.output
        assert "does not verify with the trusted key" in result.output


def test_a_bundle_with_the_records_last_event_dropped_fails_verification(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    rid, bundle = a_filed_record_exported(cli, world, tmp_path)
    document = json.loads(bundle.read_text())
    dropped = document["events"].pop()  # the record's latest fact, left out
    bundle.write_text(json.dumps(document))

    result = cli("verify", bundle, ok=False)

    assert result.exit_code == 1 and dropped["version"] == 3
    assert (f"FAIL {rid}: the head records version 3 (leaf {dropped['leaf_index']}) as its "
            "latest, the bundle ends at version 2: events are missing") in result.output


def test_an_auditor_requiring_a_witness_rejects_a_head_no_witness_cosigned(
    cli: Any, world: Ledger, tmp_path: Path
) -> None:
    _, bundle = a_filed_record_exported(cli, world, tmp_path)
    witness = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw,
                                                                     PublicFormat.Raw)

    alone = cli("verify", bundle)
    required = cli("verify", bundle, "--witness",
                   verifier_key("audit.example/w1", witness, COSIGNATURE_V1), ok=False)

    assert "checkpoint" in json.loads(bundle.read_text())
    assert "OK" in alone.output
    assert "FAIL 0 of the 1 witnesses required cosigned the head" in required.output
