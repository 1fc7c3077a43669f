"""Keys are never made up in production: on a database named by ``LEDGER_DATABASE_URL`` a process
missing its key stops with a message naming it, and the processes that handle no personal data
run without the master key.

On the code before, ``credit-ledger audit head`` run where the signing key was not configured
(``docker compose run api ...``) made a second signing key in its ledger home and signed a tree
head with it, and a process missing the master key made a new one, under which personal data
already sealed could not be read and citizen IDs mapped to other subject ids. These tests failed
there.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import commands as c
from ledger.bootstrap import NoPersonalDataError, open_ledger
from ledger.store.keys import MissingKeyError, master_key, signing_key
from tests.support.world import ADMIN, BODY_CODE, PERSON_ID

CLI = str(Path(sys.executable).parent / "credit-ledger")
SOMEWHERE = "postgresql://ledger@db.example:5432/ledger"


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configured database and no keys, as in a container given the wrong service's
    environment; the ledger home (a shared volume) is ``tmp_path``."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", SOMEWHERE)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.delenv("LEDGER_MASTER_KEY", raising=False)
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    return tmp_path


def test_without_a_signing_key_a_process_stops_instead_of_making_one(production: Path) -> None:
    with pytest.raises(MissingKeyError, match="LEDGER_SIGNING_KEY is not set"):
        signing_key()

    assert list(production.iterdir()) == []


def test_without_a_master_key_a_process_stops_instead_of_making_one(production: Path) -> None:
    with pytest.raises(MissingKeyError, match="LEDGER_MASTER_KEY is not set"):
        master_key()

    assert list(production.iterdir()) == []


def test_a_key_the_ledger_made_before_it_was_configured_is_pointed_to_not_used(
    production: Path,
) -> None:
    (production / "master.key").write_bytes(base64.b64encode(b"k" * 32))

    with pytest.raises(MissingKeyError, match=str(production / "master.key")):
        master_key()


def test_audit_head_in_a_container_without_the_signing_key_stops_and_says_why(
    pg_url: str, tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEDGER_MASTER_KEY", "LEDGER_SIGNING_KEY")}
    env |= {"LEDGER_DATABASE_URL": pg_url, "LEDGER_HOME": str(tmp_path)}

    done = subprocess.run([CLI, "audit", "head"], env=env, capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: LEDGER_SIGNING_KEY is not set")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "signing.key").exists()


def test_a_process_opened_without_the_master_key_runs_but_handles_no_personal_data(
    pg_url: str, production: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deadline worker, the followers and the sealer are given no master key: they open
    the ledger all the same, and cannot seal or identify a person."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", pg_url)
    keyless = open_ledger(pg_url, pool_size=1, personal_data=False)
    try:
        keyless.register_body(c.RegisterBody(credit_code=BODY_CODE, name="某县财政局",
                                             region_code="350102"), ADMIN)
        with pytest.raises(NoPersonalDataError, match="without LEDGER_MASTER_KEY"):
            keyless.register_civil_servant(c.RegisterCivilServant(
                citizen_id=PERSON_ID, name="张三", body_code=BODY_CODE, position="科员"), ADMIN)
    finally:
        keyless.close()
    assert list(production.iterdir()) == []
