"""A witness: follows the ledger's public checkpoints and cosigns each one that extends the last.

Anyone can run one (``credit-ledger audit witness``). It trusts only the log's public key and
its own records: for each new checkpoint it checks the log's signature, rebuilds the old root
and a consistency proof from the public tiles (c2sp.org/tlog-tiles) of the new tree, and only
then cosigns (c2sp.org/tlog-cosignature, Ed25519) and moves its record forward. A checkpoint
that does not extend the last one it cosigned is a split view or a rewrite: it is kept as
evidence beside the record and never cosigned.

The record is one file per log, ``<state>/<origin with / as _>.checkpoint``: the last
checkpoint it verified, as the log signed it.
"""

from __future__ import annotations

import contextlib
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from ledger.proof.note import (
    Checkpoint,
    NoteError,
    NoteSignature,
    cosign,
    split_note,
    verify_checkpoint,
)
from ledger.proof.tiles import TILE_HEIGHT, TILE_WIDTH, tile_path
from ledger.proof.verify import consistency_proof, node_hash, verify_consistency

Fetch = Callable[[str], bytes]


class SplitViewError(Exception):
    """The log showed a checkpoint that does not extend the one this witness cosigned last."""

    def __init__(self, reason: str, evidence: Path | None = None) -> None:
        super().__init__(reason)
        self.reason, self.evidence = reason, evidence


def http_fetch(prefix: str, timeout: float = 10.0) -> Fetch:
    """GET ``<prefix>/<path>`` (a log's tiles and checkpoint)."""
    base = prefix.rstrip("/")

    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(f"{base}/{path}", timeout=timeout) as response:
            data: bytes = response.read()
            return data

    return fetch


def tree_from_tiles(fetch: Fetch, size: int) -> Callable[[int, int], bytes]:
    """``node(start, end)`` of the tree of ``size`` leaves, from its tiles (fetched once)."""

    @cache
    def tile(level: int, index: int) -> bytes:
        have = size >> (TILE_HEIGHT * level)
        width = min(TILE_WIDTH, have - index * TILE_WIDTH)
        data = fetch(tile_path(level, index, width))
        if len(data) != 32 * width:
            raise ValueError(f"tile {level}/{index} has {len(data)} bytes, not {32 * width}")
        return data

    @cache
    def node(start: int, end: int) -> bytes:
        width = end - start
        height = width.bit_length() - 1
        if width == 1 << height and start % width == 0 and height % TILE_HEIGHT == 0:
            at = start >> height
            data = tile(height // TILE_HEIGHT, at // TILE_WIDTH)
            return data[32 * (at % TILE_WIDTH):32 * (at % TILE_WIDTH + 1)]
        split = 1 << ((width - 1).bit_length() - 1)
        return node_hash(node(start, start + split), node(start + split, end))

    return node


@dataclass
class Observation:
    """What the witness did with one checkpoint."""

    checkpoint: Checkpoint
    note: str
    cosignature: NoteSignature | None  # None: nothing new to cosign


class Witness:
    """One witness key following one log."""

    def __init__(self, name: str, key: Any, origin: str, log_key: bytes, state: Path) -> None:
        self.name, self.key, self.origin, self.log_key = name, key, origin, log_key
        self.record = state / (origin.replace("/", "_") + ".checkpoint")

    def last(self) -> Checkpoint | None:
        try:
            note = self.record.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return verify_checkpoint(note, self.origin, self.log_key)

    def observe(self, note: str, fetch: Fetch, now: int | None = None) -> Observation:
        """Verify ``note`` against the last checkpoint cosigned, from the tiles; cosign it.

        Raises ``NoteError`` for a note the log's key did not sign, ``SplitViewError`` for one
        that does not extend the last one cosigned.
        """
        checkpoint = verify_checkpoint(note, self.origin, self.log_key)
        last = self.last()
        if last is not None and (last.size, last.root) == (checkpoint.size, checkpoint.root):
            return Observation(checkpoint, note, None)
        if last is not None:
            self._check_extends(last, checkpoint, note, fetch)
        text = split_note(note)[0]
        signature = cosign(text, self.name, self.key, int(time.time()) if now is None else now)
        self._save(self.record, note)
        return Observation(checkpoint, note, signature)

    def _check_extends(self, last: Checkpoint, new: Checkpoint, note: str, fetch: Fetch) -> None:
        if new.size < last.size:
            self._split(f"the log shrank from {last.size} to {new.size} leaves", note)
        if new.size == last.size:
            self._split(f"two roots for {new.size} leaves: {last.root.hex()} cosigned, "
                        f"{new.root.hex()} now", note)
        node = tree_from_tiles(fetch, new.size)
        try:
            proof = consistency_proof(last.size, new.size, node)
            rebuilt = node(0, new.size)
        except (ValueError, OSError) as error:
            raise SplitViewError(f"the tiles of the tree of {new.size} could not be read: "
                                 f"{error}") from None
        if rebuilt != new.root:
            self._split(f"the tiles do not hash to the root of the checkpoint of {new.size}",
                        note)
        if not verify_consistency(last.size, new.size, last.root, new.root, proof):
            self._split(f"the tree of {new.size} leaves does not extend the checkpoint of "
                        f"{last.size} leaves cosigned before (root {last.root.hex()})", note)

    def _split(self, reason: str, note: str) -> NoReturn:
        evidence = self.record.with_name(f"{self.record.stem}.split-{int(time.time() * 1000)}")
        self._save(evidence, note)
        raise SplitViewError(reason, evidence)

    @staticmethod
    def _save(path: Path, note: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.draft")
        draft.write_text(note, encoding="utf-8")
        draft.replace(path)


def follow(witness: Witness, fetch: Fetch, submit: Callable[[str], None] | None,
           report: Callable[[str], None], *, every: float = 10.0, rounds: int | None = None,
           ) -> None:
    """Observe the log's checkpoint every ``every`` seconds (``rounds`` times, or for ever),
    sending each new cosigned note to ``submit``. Stops at the first split view."""
    done = 0
    while rounds is None or done < rounds:
        if done:
            time.sleep(every)
        done += 1
        try:
            seen = witness.observe(fetch("checkpoint").decode("utf-8"), fetch)
        except (NoteError, OSError, UnicodeDecodeError) as error:
            report(f"skipped: {error}")
            continue
        if seen.cosignature is None:
            continue
        report(f"cosigned {seen.checkpoint.origin} at size {seen.checkpoint.size}")
        if submit is not None:
            with contextlib.suppress(OSError):
                submit(seen.note + seen.cosignature.line())
