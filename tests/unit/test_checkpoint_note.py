"""Checkpoints and tile paths in the C2SP formats, checked against what other logs publish.

The Go checksum database (sum.golang.org) signs its checkpoints as C2SP signed notes; one of
them and Go's published verifier key are the vectors here, so a note this ledger's code reads
is one that another implementation wrote.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.proof.note import (
    Checkpoint,
    NoteError,
    cosign,
    key_id,
    parse_checkpoint,
    parse_verifier_key,
    public_key_from_text,
    sign_text,
    split_note,
    verifier_key,
    verify_checkpoint,
    verify_cosignature,
    verify_note,
)
from ledger.proof.tiles import TilePathError, index_path, parse_tile_path, tile_path

GO_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
GO_NOTE = ("go.sum database tree\n65664258\nWVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=\n\n"
           "\u2014 sum.golang.org Az3grligJmgX7KGyGPKybykNTh3VgsbLvUuvOwrM5zLVlulmFp2wdvbxOw74/gcN"
           "xURShXEpb7RXcs3+BYflYN+w0gQ=\n")
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
ORIGIN = "credit.example.gov.cn/fujian"


def test_a_checkpoint_signed_by_the_go_checksum_database_verifies_with_its_published_key() -> (
    None
):
    name, _, key = parse_verifier_key(GO_KEY)

    checkpoint = parse_checkpoint(verify_note(GO_NOTE, name, key))

    assert (checkpoint.origin, checkpoint.size) == ("go.sum database tree", 65664258)
    assert verifier_key(name, key) == GO_KEY  # the key ID is computed as Go computes it


@pytest.mark.parametrize("bent", [GO_NOTE.replace("65664258", "65664259"),
                                  GO_NOTE.replace("WVVN", "WVVM")])
def test_one_changed_character_of_a_signed_checkpoint_fails(bent: str) -> None:
    name, _, key = parse_verifier_key(GO_KEY)

    with pytest.raises(NoteError, match="does not verify"):
        verify_note(bent, name, key)


def test_a_verifier_key_whose_id_is_not_its_keys_is_refused() -> None:
    with pytest.raises(NoteError, match="does not match"):
        parse_verifier_key(GO_KEY.replace("033de0ae", "033de0af"))


def test_the_ledgers_checkpoint_carries_the_key_id_the_specification_defines() -> None:
    text = Checkpoint(ORIGIN, 12, bytes(range(32))).text()
    note = f"{text}\n{sign_text(text, ORIGIN, KEY).line()}"

    _, [signature] = split_note(note)

    assert text == f"{ORIGIN}\n12\n{base64.b64encode(bytes(range(32))).decode()}\n"
    assert signature.key_id == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + PUBLIC).digest()[:4]
    assert verify_checkpoint(note, ORIGIN, PUBLIC).size == 12
    assert public_key_from_text(verifier_key(ORIGIN, PUBLIC)) == PUBLIC


def test_signatures_by_unknown_keys_are_ignored_but_a_note_needs_one_trusted_signature() -> None:
    text = Checkpoint(ORIGIN, 3, bytes(32)).text()
    stranger = Ed25519PrivateKey.generate()
    note = f"{text}\n{sign_text(text, 'witness.example', stranger).line()}"

    with pytest.raises(NoteError, match="no signature by"):
        verify_checkpoint(note, ORIGIN, PUBLIC)
    signed = note + sign_text(text, ORIGIN, KEY).line()
    assert verify_checkpoint(signed, ORIGIN, PUBLIC).size == 3


@pytest.mark.parametrize("text", [
    "origin\n12\n", "origin\n012\n" + base64.b64encode(bytes(32)).decode() + "\n",
    "origin\n12\nAAAA\n", "origin\n12\n" + base64.b64encode(bytes(32)).decode(),
    "origin\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n",
    "\n12\n" + base64.b64encode(bytes(32)).decode() + "\n",
])
def test_a_malformed_checkpoint_is_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


def test_a_witness_cosignature_signs_the_header_the_time_and_the_checkpoint() -> None:
    witness = Ed25519PrivateKey.generate()
    public = witness.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    text = Checkpoint(ORIGIN, 7, bytes(32)).text()

    line = cosign(text, "witness.example/w1", witness, 1679315147)
    message = f"cosignature/v1\ntime 1679315147\n{text}".encode()

    assert line.key_id == hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    assert line.signature[:8] == (1679315147).to_bytes(8, "big")
    witness.public_key().verify(line.signature[8:], message)
    assert verify_cosignature(text, line, "witness.example/w1", public) == 1679315147
    assert verify_cosignature(text.replace("7", "8"), line, "witness.example/w1", public) is None
    assert key_id("witness.example/w1", public) != line.key_id  # another type, another ID


def test_tile_indexes_are_written_as_the_specification_shows() -> None:
    assert index_path(1234067) == "x001/x234/067"
    assert tile_path(0, 0) == "tile/0/000"
    assert tile_path(2, 1000, 17) == "tile/2/x001/000.p/17"
    assert parse_tile_path("1", "x001/x234/067.p/5") == (1, 1234067, 5)


@pytest.mark.parametrize("level,rest", [("0", "0"), ("00", "000"), ("0", "x000/001"),
                                        ("64", "000"), ("0", "000.p/256"), ("0", "000.p/0"),
                                        ("0", "000.p/007"), ("0", "x1/000"), ("0", "0000"),
                                        ("-1", "000"), ("0", "x001/"), ("0", "٠٠٠")])
def test_a_tile_path_in_any_other_form_is_refused(level: str, rest: str) -> None:
    with pytest.raises(TilePathError):
        parse_tile_path(level, rest)
