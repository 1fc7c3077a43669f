"""Keys made on first start: processes starting together agree on one, settings override it."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ledger.store.keys import master_key, public_key_bytes, signing_key


def test_services_starting_together_make_one_master_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)  # keys are made for this one only
    monkeypatch.delenv("LEDGER_MASTER_KEY", raising=False)
    barrier = threading.Barrier(16)

    def start() -> bytes:
        barrier.wait()
        return master_key()

    with ThreadPoolExecutor(16) as pool:
        keys = set(pool.map(lambda _: start(), range(16)))

    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]
    assert (tmp_path / "master.key").stat().st_mode & 0o077 == 0


def test_a_configured_signing_key_is_used_instead_of_a_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGER_SIGNING_KEY", base64.b64encode(bytes(range(32))).decode())

    assert public_key_bytes(signing_key()) == public_key_bytes(signing_key())
    assert not (tmp_path / "signing.key").exists()


def test_a_configured_key_of_the_wrong_length_is_refused_by_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_MASTER_KEY", base64.b64encode(b"short").decode())

    with pytest.raises(ValueError, match="LEDGER_MASTER_KEY must be 32 bytes"):
        master_key()
