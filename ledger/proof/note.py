"""Checkpoints as C2SP signed notes: what witnesses and tlog clients read.

Formats (c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature)::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n      the note text (a checkpoint)
    \\n
    — <key name> base64(key ID (4 bytes) || signature)\\n          one line per signature

* The ledger signs the note text with Ed25519 under the key name ``origin``; its key ID is
  ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``.
* A witness cosignature (type 0x04) signs ``"cosignature/v1\\ntime <T>\\n" || note text``; its
  signature is ``u64(T) || Ed25519 signature`` and its key ID uses the byte 0x04.
* A verifier key is written ``<name>+<key ID, 8 hex digits>+base64(type || public key)``.

Like ``ledger.proof.verify``, this module needs only the standard library (``cryptography`` is
imported where an Ed25519 signature is made or checked), so an auditor can read it alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014 "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, checkpoint or verifier key is malformed, or no trusted signature verifies."""


def key_id(name: str, public_key: bytes, kind: int = ED25519) -> bytes:
    """The 4-byte key ID that prefixes every signature of this key."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


def check_key_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


def verifier_key(name: str, public_key: bytes, kind: int = ED25519) -> str:
    """The key as one line: ``name+keyid+base64(type || key)``."""
    encoded = base64.b64encode(bytes([kind]) + public_key).decode()
    return f"{check_key_name(name)}+{key_id(name, public_key, kind).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, int, bytes]:
    """(name, type, raw public key) of a verifier key; its key ID must match."""
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        data = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError("a verifier key is name+keyid+base64") from None
    if len(data) != 33 or data[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04) are supported")
    if key_id(check_key_name(name), data[1:], data[0]).hex() != hex_id.lower():
        raise NoteError("the verifier key's ID does not match its name and key")
    return name, data[0], data[1:]


def public_key_from_text(text: str) -> bytes:
    """A raw 32-byte Ed25519 key from base64 or from a verifier key line."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) == 32:
        return raw
    if text.count("+") < 2:
        raise NoteError("a public key is base64 of 32 bytes, or a verifier key")
    return parse_verifier_key(text)[2]


# -- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The note text of a checkpoint: origin, tree size, root hash (and extension lines)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(),
                 *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint in a note text, checked line by line against the specification."""
    if not text.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint has at least three non-empty lines")
    origin, size, root = lines[:3]
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError("the tree size is a decimal number without leading zeroes")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("the root hash is not base64") from None
    if len(digest) != 32:
        raise NoteError("the root hash is 32 bytes")
    return Checkpoint(origin, int(size), digest, tuple(lines[3:]))


# -- notes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """The text (with its final newline) and the signature lines of a signed note."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note holds no control characters but newline")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a note is text, a blank line, then signature lines")
    text, lines = note[:cut + 1], note[cut + 2:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(DASH) or line.count(" ") != 2:
            raise NoteError(f"not a signature line: {line[:80]!r}")
        name, encoded = line[len(DASH):].split(" ")
        try:
            data = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("a signature is not base64") from None
        if len(data) < 5:
            raise NoteError("a signature is a key ID and at least one byte")
        signatures.append(NoteSignature(check_key_name(name), data[:4], data[4:]))
    return text, signatures


def sign_text(text: str, name: str, private_key: Any) -> NoteSignature:
    """The Ed25519 note signature of ``text`` by ``private_key`` (an ``Ed25519PrivateKey``)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return NoteSignature(name, key_id(name, public), private_key.sign(text.encode()))


def ed25519_verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_note(note: str, name: str, public_key: bytes) -> str:
    """The note's text, if the Ed25519 key (``name``, ``public_key``) signed it; else NoteError.

    Signatures by other keys are ignored, as the specification requires.
    """
    text, signatures = split_note(note)
    wanted = key_id(name, public_key)
    mine = [s for s in signatures if s.name == name and s.key_id == wanted]
    if not mine:
        raise NoteError(f"the note carries no signature by {name}")
    if not all(ed25519_verifies(public_key, s.signature, text.encode()) for s in mine):
        raise NoteError(f"the signature by {name} does not verify")
    return text


def verify_checkpoint(note: str, origin: str, public_key: bytes) -> Checkpoint:
    """The checkpoint of a note signed by the log's key under its origin, for that origin."""
    checkpoint = parse_checkpoint(verify_note(note, origin, public_key))
    if checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for {checkpoint.origin}, not {origin}")
    return checkpoint


# -- cosignatures (c2sp.org/tlog-cosignature, Ed25519 type 0x04) ------------------------------


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(text: str, name: str, private_key: Any, timestamp: int) -> NoteSignature:
    """A witness's cosignature of a checkpoint's note text at ``timestamp`` (POSIX seconds)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if not 0 <= timestamp < 1 << 63:
        raise NoteError("a cosignature's timestamp is below 2**63")
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = private_key.sign(cosigned_message(text, timestamp))
    return NoteSignature(name, key_id(name, public, COSIGNATURE_V1),
                         timestamp.to_bytes(8, "big") + signature)


def verify_cosignature(text: str, signature: NoteSignature, name: str, public_key: bytes) -> (
    int | None
):
    """The timestamp of a valid cosignature by (name, key) of ``text``, else None."""
    if signature.name != name or signature.key_id != key_id(name, public_key, COSIGNATURE_V1):
        return None
    if len(signature.signature) != 8 + 64:
        return None
    timestamp = int.from_bytes(signature.signature[:8], "big")
    if timestamp >= 1 << 63:
        return None
    message = cosigned_message(text, timestamp)
    return timestamp if ed25519_verifies(public_key, signature.signature[8:], message) else None
