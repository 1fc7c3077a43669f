"""Witness cosignatures the ledger collects and serves with its checkpoints.

Witnesses (``LEDGER_WITNESSES``: their verifier keys, type 0x04, separated by spaces or
newlines) send back each checkpoint they cosigned. The ledger keeps a cosignature only if the
checkpoint is one its own key signed and the cosignature verifies with a configured witness
key; it serves them after its own signature on ``/checkpoint`` and puts them in bundles.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ledger.config import Config, current
from ledger.errors import PermissionDeniedError, ValidationError
from ledger.proof.note import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    NoteSignature,
    parse_checkpoint,
    parse_verifier_key,
    split_note,
    verify_checkpoint,
    verify_cosignature,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS proofs.cosignatures (
    origin text NOT NULL, size bigint NOT NULL, root bytea NOT NULL, name text NOT NULL,
    key_id bytea NOT NULL, signature bytea NOT NULL, received timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin, size, root, name, key_id));
"""

Witnesses = dict[str, bytes]  # name → Ed25519 public key


def configured_witnesses(config: Config | None = None) -> Witnesses:
    """The witnesses whose cosignatures the ledger keeps (``LEDGER_WITNESSES``)."""
    return parse_witnesses(list((config or current()).witnesses))


def parse_witnesses(keys: list[str]) -> Witnesses:
    found = {}
    for text in keys:
        name, kind, key = parse_verifier_key(text)
        if kind != COSIGNATURE_V1:
            raise NoteError(f"{name}: a witness key is a cosignature key (type 0x04)")
        found[name] = key
    return found


def accept(conn: psycopg.Connection[Any], note: str, log_key: bytes, witnesses: Witnesses) -> (
    list[str]
):
    """Keep the valid cosignatures of ``note`` (a checkpoint the ledger signed); their names."""
    try:
        checkpoint = parse_checkpoint(split_note(note)[0])
        verify_checkpoint(note, checkpoint.origin, log_key)
    except NoteError as error:
        raise ValidationError(f"not a checkpoint signed by this ledger: {error}",
                              field="checkpoint") from None
    text, signatures = split_note(note)
    kept = []
    for signature in signatures:
        key = witnesses.get(signature.name)
        if key is None or verify_cosignature(text, signature, signature.name, key) is None:
            continue
        conn.execute(
            "INSERT INTO proofs.cosignatures (origin, size, root, name, key_id, signature) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (origin, size, root, name, key_id) "
            "DO UPDATE SET signature = EXCLUDED.signature",
            (checkpoint.origin, checkpoint.size, checkpoint.root, signature.name,
             signature.key_id, signature.signature))
        kept.append(signature.name)
    if not kept:
        raise PermissionDeniedError("no cosignature by a witness this ledger knows verifies",
                                    field="cosignature")
    return kept


def cosignatures_of(conn: psycopg.Connection[Any], checkpoint: Checkpoint) -> (
    tuple[NoteSignature, ...]
):
    exists = conn.execute("SELECT to_regclass('proofs.cosignatures')").fetchone()
    if exists is None or exists[0] is None:  # a sealer older than this table
        return ()
    rows = conn.execute(
        "SELECT name, key_id, signature FROM proofs.cosignatures WHERE origin = %s AND "
        "size = %s AND root = %s ORDER BY name", (checkpoint.origin, checkpoint.size,
                                                   checkpoint.root)).fetchall()
    return tuple(NoteSignature(str(n), bytes(k), bytes(s)) for n, k, s in rows)
