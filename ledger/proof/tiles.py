"""The sealed tree as C2SP tlog-tiles (c2sp.org/tlog-tiles), and the latest signed checkpoint.

A tile at level L, index N, holds the hashes of the complete subtrees of height 8L over leaves
``[(N*256 + i) * 256**L, (N*256 + i + 1) * 256**L)`` for i = 0 … width-1: the sealer stores
exactly those subtrees (``proofs.nodes`` at level 8L, or ``proofs.leaves`` for L = 0), so a tile
is one range read. Tiles are served only within the latest checkpoint signed by the trusted key,
so a client never sees a hash that no checkpoint vouches for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ledger.proof.note import Checkpoint, NoteSignature, key_id, verify_note
from ledger.proof.verify import TreeHead
from ledger.proof.verify_bundle import SignedTreeHead, stored_event_leaf

TILE_WIDTH = 256
TILE_HEIGHT = 8
MAX_LEVEL = 63


class TilePathError(ValueError):
    """A tile path that the specification does not allow (or not in canonical form)."""


def index_path(index: int) -> str:
    """N as zero-padded 3-digit path elements, all but the last prefixed with ``x``."""
    if index < 0:
        raise TilePathError("a tile index is not negative")
    parts = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        parts.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (``L`` may be ``entries``)."""
    partial = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{index_path(index)}{partial}"


def _decimal(text: str, low: int, high: int) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        raise TilePathError(f"not a decimal without leading zeroes: {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise TilePathError(f"{value} is not between {low} and {high}")
    return value


def parse_tile_path(level: str, rest: str) -> tuple[int, int, int]:
    """(level, index, width) of ``tile/<level>/<rest>``; only the canonical form is accepted."""
    number = _decimal(level, 0, MAX_LEVEL)
    width = TILE_WIDTH
    if ".p/" in rest:
        rest, _, wide = rest.partition(".p/")
        width = _decimal(wide, 1, TILE_WIDTH - 1)
    parts = rest.split("/")
    if not all(len(p) == 4 and p[0] == "x" for p in parts[:-1]) or len(parts[-1]) != 3:
        raise TilePathError(f"not a tile index path: {rest!r}")
    digits = "".join(p.removeprefix("x") for p in parts)
    if not digits.isascii() or not digits.isdigit():
        raise TilePathError(f"not a tile index path: {rest!r}")
    index = int(digits)
    if index_path(index) != rest:
        raise TilePathError(f"not the canonical path of tile {index}: {rest!r}")
    return number, index, width


def tile_end(level: int, index: int, width: int) -> int:
    """The number of leaves a tree needs for this tile (of this width) to exist."""
    return (index * TILE_WIDTH + width) << (TILE_HEIGHT * level)


def read_tile(conn: psycopg.Connection[Any], level: int, index: int, width: int) -> bytes | None:
    """The tile's bytes (``width`` hashes of 32 bytes), or None if the store lacks any of them."""
    first, last = index * TILE_WIDTH, index * TILE_WIDTH + width - 1
    if level == 0:
        rows = conn.execute("SELECT leaf_hash FROM proofs.leaves WHERE leaf_index "
                            "BETWEEN %s AND %s ORDER BY leaf_index", (first, last)).fetchall()
    else:
        rows = conn.execute("SELECT hash FROM proofs.nodes WHERE level = %s AND idx "
                            "BETWEEN %s AND %s ORDER BY idx",
                            (TILE_HEIGHT * level, first, last)).fetchall()
    if len(rows) != width:
        return None
    return b"".join(bytes(row[0]) for row in rows)


# -- the latest checkpoint --------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCheckpoint:
    """A signed head as the ledger publishes it: the JSON head and the checkpoint note."""

    id: int
    head: SignedTreeHead
    checkpoint: Checkpoint
    signature: NoteSignature

    def note(self, cosignatures: tuple[NoteSignature, ...] = ()) -> str:
        lines = "".join(s.line() for s in (self.signature, *cosignatures))
        return f"{self.checkpoint.text()}\n{lines}"


def latest_checkpoint(conn: psycopg.Connection[Any], public_key: bytes, scan: int = 20) -> (
    SignedCheckpoint | None
):
    """The newest head whose JSON and checkpoint signatures both verify with ``public_key``.

    A head that does not verify (written into the database by someone without the key) is
    skipped, so the log seems to stop growing rather than show an unverifiable head.
    """
    rows = conn.execute(
        "SELECT id, size, root, timestamp_ms, signature, origin, note_signature, index_root "
        "FROM proofs.tree_heads WHERE note_signature IS NOT NULL AND public_key = %s "
        "ORDER BY id DESC LIMIT %s", (public_key, scan),
    ).fetchall()
    for head_id, size, root, stamp, signature, origin, note_signature, index_root in rows:
        tree = TreeHead(int(size), bytes(root), int(stamp), bytes(index_root) if index_root
                        else None)
        head = SignedTreeHead(tree, bytes(signature))
        checkpoint = Checkpoint(str(origin), int(size), bytes(root))
        note = NoteSignature(str(origin), key_id(str(origin), public_key),
                             bytes(note_signature))
        found = SignedCheckpoint(int(head_id), head, checkpoint, note)
        if head.verify(public_key) and _note_verifies(found, public_key):
            return found
    return None


def _note_verifies(found: SignedCheckpoint, public_key: bytes) -> bool:
    try:
        verify_note(found.note(), found.checkpoint.origin, public_key)
    except ValueError:
        return False
    return True


# -- entry bundles ----------------------------------------------------------------------------


def read_entry_bundle(conn: psycopg.Connection[Any], log: Any, index: int, width: int,
                      shown: Callable[[UUID, str, bytes], bool]) -> bytes | None:
    """Entries ``[index*256, index*256 + width)`` as a C2SP entry bundle: each a big-endian
    uint16 length and the entry. An entry is the event's leaf data (its SHA-256 with the 0x00
    prefix is the level-0 hash) when ``shown(id, topic, state)`` allows the public to see it;
    otherwise it is the 32-byte leaf hash itself, so nothing of a non-public record or of a
    person's data leaves the ledger. None if the store lacks any of them."""
    first, last = index * TILE_WIDTH, index * TILE_WIDTH + width - 1
    rows = conn.execute(sql.SQL(
        "SELECT l.leaf_hash, e.notification_id, e.originator_id, e.originator_version, "
        "e.topic, e.state FROM proofs.leaves l JOIN {} e ON e.notification_id = l.position "
        "WHERE l.leaf_index BETWEEN %s AND %s ORDER BY l.leaf_index").format(
            log.identifier), (first, last)).fetchall()
    if len(rows) != width:
        return None
    out = bytearray()
    for digest, position, originator, version, topic, state in rows:
        entry = bytes(digest)
        if shown(originator, str(topic), bytes(state)):
            data, _ = stored_event_leaf(position, str(originator), version, str(topic),
                                        bytes(state))
            entry = data if len(data) <= 0xFFFF else entry
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)
