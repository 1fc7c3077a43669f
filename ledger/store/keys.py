"""The ledger's keys: the master key that wraps personal-data keys, the key that signs tree heads,
and the table of wrapped personal-data keys, apart from the log.

A key comes from its variable (base64 of 32 bytes) or, for the embedded database only, from a
file under the ledger home, made once.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.config import Config, current
from ledger.store.storage import connection, create_tables, ledger_home


class MissingKeyError(RuntimeError):
    """A process on a database named by ``LEDGER_DATABASE_URL`` was started without a key.

    Not a ``LedgerError``: nothing a caller sent is wrong, the deployment is.
    """


def secret_key(variable: str, filename: str, config: Config | None = None) -> bytes:
    """A 32-byte key: ``variable`` (base64) if set, else a file under the ledger home, made once.

    The file is written whole under a temporary name and linked into place, so processes that
    start together agree on one key and none reads a half-written file. A key is made only for
    the embedded database: on a database named by ``LEDGER_DATABASE_URL`` the processes may run
    on other machines, or in containers with a volume of their own, and a key made by one of
    them would not be the ledger's (a second signing key, personal data no one can read).
    """
    config = config or current()
    configured = config.secret(variable)
    if configured:
        key = base64.b64decode(configured)
    else:
        path = ledger_home(config) / filename
        if config.database_url:
            raise _missing(variable, path)
        if not path.exists():
            draft = path.with_name(f".{filename}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(base64.b64encode(os.urandom(32)))
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        key = base64.b64decode(path.read_bytes())
    if len(key) != 32:
        raise ValueError(f"{variable} must be 32 bytes, base64-encoded")
    return key


def _missing(variable: str, path: Path) -> MissingKeyError:
    found = f" The key this ledger made before it had one is in {path}." if path.exists() else ""
    return MissingKeyError(
        f"{variable} is not set. With LEDGER_DATABASE_URL no key is made up: give every process "
        f"that needs it the ledger's key, base64 of 32 bytes (a new ledger's from "
        f"'openssl rand -base64 32').{found}")


def master_key(config: Config | None = None) -> bytes:
    """The key that wraps personal-data keys: ``LEDGER_MASTER_KEY`` or ``master.key``."""
    return secret_key("LEDGER_MASTER_KEY", "master.key", config)


class PostgresKeyStore:
    """Wrapped personal-data keys in their own table, apart from the log; erasable."""

    def __init__(self, url: str) -> None:
        self.url = url
        create_tables(url, "CREATE TABLE IF NOT EXISTS ledger_person_keys ("
                           "key_id text PRIMARY KEY, wrapped bytea, destroyed_at timestamptz)")

    def get(self, key_id: str) -> bytes | None:
        with connection(self.url) as conn:
            row = conn.execute(
                "SELECT wrapped FROM ledger_person_keys WHERE key_id = %s", (key_id,)
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def add(self, key_id: str, wrapped: bytes) -> bytes:
        with connection(self.url) as conn:
            conn.execute(
                "INSERT INTO ledger_person_keys (key_id, wrapped) VALUES (%s, %s) "
                "ON CONFLICT (key_id) DO NOTHING", (key_id, wrapped),
            )
        kept = self.get(key_id)
        if kept is None:
            from ledger.personal import PersonalDataErasedError

            raise PersonalDataErasedError("the person's data key was destroyed", field="key_id")
        return kept

    def destroy(self, key_id: str) -> None:
        with connection(self.url) as conn:
            conn.execute(
                "UPDATE ledger_person_keys SET wrapped = NULL, destroyed_at = now() "
                "WHERE key_id = %s", (key_id,),
            )


def signing_key(config: Config | None = None) -> Ed25519PrivateKey:
    """``LEDGER_SIGNING_KEY`` (base64 raw 32 bytes), else ``signing.key`` under the ledger home."""
    return Ed25519PrivateKey.from_private_bytes(
        secret_key("LEDGER_SIGNING_KEY", "signing.key", config))


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    """The raw 32-byte Ed25519 public key that verifies the ledger's tree heads."""
    return (key or signing_key()).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(key: Ed25519PrivateKey | None = None) -> str:
    """The published form of the public key: base64 of the raw 32 bytes."""
    return base64.b64encode(public_key_bytes(key)).decode("ascii")
