"""Write ``tests/data/old_log.json``: a small sealed log, as the ledger stored it, for the test
that a log written by an older layout of the code still verifies and dispatches.

Run once, on the code whose stored log should be kept (``.venv/bin/python tools/old_log.py``);
the file records the commit it was written by. The log: the test world (two bodies and a civil
servant, whose name is encrypted), records filed against a body and the civil servant and taken
through explanation, objection, withdrawal, a commitment and a lead; the whole log sealed and
signed with a fixed key, which the file carries (test data, not a secret).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger import commands as c  # noqa: E402
from ledger import register_commands as rc  # noqa: E402
from ledger.proof.sealer import Sealer  # noqa: E402
from ledger.store.follow import LogTable  # noqa: E402
from ledger.store.keys import public_key_text  # noqa: E402
from ledger.store.storage import create_database, scratch_postgres  # noqa: E402
from tests.support import world  # noqa: E402
from workflows.dispatcher import TOPICS  # noqa: E402

OUT = ROOT / "tests" / "data" / "old_log.json"
SIGNING_SEED = bytes(range(32))  # a fixed key: the file is test data, not a secret


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_log(url: str, clock: world.FakeClock) -> None:
    app = world.postgres_world(url, clock)
    body = app.file_record(world.filing(1), world.DEPT).record_id
    person = app.file_record(world.filing(2, subject_type="civil_servant", subject_code=None,
                                          subject_citizen_id=world.PERSON_ID), world.DEPT).record_id
    withdrawn = app.file_record(world.filing(3), world.DEPT).record_id
    clock.advance(days=1)
    app.execute(c.SubmitExplanation(record_id=body, text="情况说明"), world.official())
    number = app.execute(c.FileObjection(record_id=body, grounds="金额有误"), world.official())
    app.execute(c.MarkObjection(record_id=body, number=number), world.REVIEWER)
    clock.advance(days=1)
    app.execute(c.WithdrawRecord(record_id=withdrawn, reasons="文书错误，予以撤销"), world.DEPT)
    made = app.execute(rc.MakeCommitment.model_validate({
        "department": {"name": "福建省纪委监委", "code": world.SOURCE_CODE},
        "reference": "闽承诺〔2026〕1号", "maker_code": world.BODY_CODE, "kind": "payment",
        "content": "2026年6月30日前付清中标企业货款。", "source_document": "鼓自然〔2026〕8号",
        "made_to": "福州某建设有限公司", "made_on": date(2026, 5, 6), "due": date(2026, 6, 30),
        "public": True}), world.DEPT)
    clock.advance(days=1)
    app.execute(rc.FulfilCommitment(commitment_id=made.id, evidence="付款凭证"), world.DEPT)
    assert person
    app.close()


def export(url: str, key: Ed25519PrivateKey, clock: world.FakeClock) -> dict[str, object]:
    sealer = Sealer(url, LogTable("public", "ledger_events"), key=key, clock=clock)
    sealer.seal_pending()
    head = sealer.issue_head()
    sealer.close()
    with psycopg.connect(url) as conn:
        events = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM ledger_events ORDER BY notification_id").fetchall()
        keys = conn.execute("SELECT key_id, wrapped FROM ledger_person_keys "
                            "ORDER BY key_id").fetchall()
        heads = conn.execute("SELECT size, timestamp_ms, root, signature, public_key, origin, "
                             "note_signature, index_root FROM proofs.tree_heads "
                             "ORDER BY id").fetchall()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    columns = ("size", "timestamp_ms", "root", "signature", "public_key", "origin",
               "note_signature", "index_root")
    return {
        "written_by": commit,
        "master_key": b64(b"k" * 32),
        "public_key": public_key_text(key),
        "signing_key": b64(SIGNING_SEED),
        "head": head.to_json(),
        "tree_heads": [{name: b64(v) if isinstance(v, bytes) else v
                        for name, v in zip(columns, row, strict=True)} for row in heads],
        "person_keys": [{"key_id": k, "wrapped": b64(bytes(w))} for k, w in keys],
        "events": [{"position": p, "id": str(i), "version": v, "topic": t,
                    "state": b64(bytes(s)), "dispatched": t in TOPICS}
                   for p, i, v, t, s in events],
    }


def main() -> None:
    url = create_database(scratch_postgres("olpg"), f"old_{uuid.uuid4().hex[:12]}")
    clock = world.FakeClock()
    write_log(url, clock)
    data = export(url, Ed25519PrivateKey.from_private_bytes(SIGNING_SEED), clock)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['events'])} events")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
