"""Personal data of civil servants: encrypted at rest, one key per person.

Names and citizen IDs are sealed with AES-GCM under a data key of their own person; the data
keys are kept wrapped by the ledger's master key in a key store apart from the event log.
Destroying a person's key makes their sealed fields unreadable while every stored event, and so
every Merkle proof, stays intact. Each sealed field also carries a salted SHA-256 digest of its
plaintext, so an auditor shown the plaintext and salt can check it against the signed log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.errors import LedgerError
from ledger.events import Immutable

_SALT_BYTES = 16


class PersonalDataErasedError(LedgerError):
    """The person's data key was destroyed; their sealed fields can no longer be read."""


class SealedText(Immutable):
    key_id: str
    nonce: str
    ciphertext: str
    digest: str


class KeyStore(Protocol):
    def get(self, key_id: str) -> bytes | None: ...
    def add(self, key_id: str, wrapped: bytes) -> bytes: ...
    def destroy(self, key_id: str) -> None: ...


class MemoryKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, bytes | None] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id)

    def add(self, key_id: str, wrapped: bytes) -> bytes:
        """Store a wrapped key unless one exists; return the one that is kept."""
        with self._lock:
            kept = self._keys.setdefault(key_id, wrapped)
        if kept is None:
            raise PersonalDataErasedError("the person's data key was destroyed", field="key_id")
        return kept

    def destroy(self, key_id: str) -> None:
        self._keys[key_id] = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def plaintext_digest(salt: bytes, text: str) -> str:
    return hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


class Vault:
    """Seals and opens personal data; derives stable, non-reversible person ids."""

    def __init__(self, master_key: bytes, keys: KeyStore) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master = AESGCM(master_key)
        self._id_key = hmac.new(master_key, b"credit-ledger person id", "sha256").digest()
        self._keys = keys

    def person_id(self, citizen_id: str) -> UUID:
        """A person's subject id: keyed, so it cannot be reversed by trying every citizen ID."""
        digest = hmac.new(self._id_key, citizen_id.encode("ascii"), "sha256").digest()
        return UUID(bytes=digest[:16], version=5)

    def _data_key(self, key_id: str, create: bool) -> AESGCM:
        wrapped = self._keys.get(key_id)
        if wrapped is None and create:
            nonce = os.urandom(12)
            fresh = nonce + self._master.encrypt(nonce, AESGCM.generate_key(256), key_id.encode())
            wrapped = self._keys.add(key_id, fresh)
        if wrapped is None:
            raise PersonalDataErasedError(
                "the person's data key was destroyed or never existed", field="key_id"
            )
        return AESGCM(self._master.decrypt(wrapped[:12], wrapped[12:], key_id.encode()))

    def seal(self, key_id: str, text: str) -> SealedText:
        salt = os.urandom(_SALT_BYTES)
        nonce = os.urandom(12)
        ciphertext = self._data_key(key_id, create=True).encrypt(
            nonce, salt + text.encode("utf-8"), key_id.encode()
        )
        return SealedText(
            key_id=key_id,
            nonce=_b64(nonce),
            ciphertext=_b64(ciphertext),
            digest=plaintext_digest(salt, text),
        )

    def open_with_salt(self, sealed: SealedText) -> tuple[str, bytes]:
        """The plaintext and its salt (an auditor checks ``digest`` with both)."""
        plain = self._data_key(sealed.key_id, create=False).decrypt(
            base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
            sealed.key_id.encode(),
        )
        return plain[_SALT_BYTES:].decode("utf-8"), plain[:_SALT_BYTES]

    def open(self, sealed: SealedText) -> str:
        return self.open_with_salt(sealed)[0]

    def erase(self, key_id: str) -> None:
        self._keys.destroy(key_id)
