"""The server is wired with the settings it was started with: what it publishes and how long a
token works follow its ``Config``, even when the environment around it says otherwise."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Account
from api.limits import Limits
from api.server import build_services
from ledger.config import Config
from ledger.events import Role


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def test_the_api_publishes_the_key_and_gives_tokens_the_lifetime_it_was_started_with(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started_with, elsewhere = _public(Ed25519PrivateKey.generate()), _public(
        Ed25519PrivateKey.generate())
    config = Config.from_environ({
        "LEDGER_DATABASE_URL": pg_url, "LEDGER_HOME": str(tmp_path),
        "LEDGER_MASTER_KEY": base64.b64encode(b"m" * 32).decode(),
        "LEDGER_PUBLIC_KEY": started_with, "LEDGER_TOKEN_DAYS": "7",
        "LEDGER_LOG_ORIGIN": "credit.example.gov.cn/ledger"})
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", elsewhere)
    monkeypatch.setenv("LEDGER_TOKEN_DAYS", "90")
    services = build_services(config)
    try:
        client = TestClient(create_app(services, Limits.from_config(config)))

        before = datetime.now(UTC)
        published = client.get("/api/v1/audit/public-key").json()
        services.tokens.create(Account("clerk", Role.OPERATOR, None, "clerk"))
        issued = services.tokens.issued()[0]
    finally:
        services.ledger.close()

    assert published["public_key"] == started_with
    assert published["origin"] == "credit.example.gov.cn/ledger"
    assert timedelta(days=6, hours=23) < issued.expires_at - before <= timedelta(days=7, minutes=1)
