"""The sealer: follows the log in order and seals every event into an RFC 9162 Merkle tree.

The log's notification ids are in commit order (the default insert path locks the table) but
not gapless: an insert that is rolled back, such as a duplicate registration, still consumes
ids. So the leaf index is the count of events sealed before, and each leaf keeps its event's
notification id (its ``position``, committed inside the leaf).

Storage (schema ``proofs``), written in one transaction per batch with the sealer's position:

* ``leaves``: leaf index, position, event time, leaf hash (level 0 of the tree);
* ``nodes``: every complete, power-of-two-aligned subtree ``(level, idx)`` over leaves
  ``[idx * 2**level, (idx + 1) * 2**level)``, written as soon as its last leaf arrives. Those
  nodes never change, so any node of any past tree is a fold of at most log2(n) stored ones;
* ``tree_heads``: signed tree heads (Ed25519).

One sealer is active at a time (a session advisory lock; another copy waits as a standby), and
each batch also takes a transaction lock, so an on-demand seal from the CLI cannot interleave.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.clock import Clock, system_clock
from ledger.config import Config, current
from ledger.proof.cosignatures import SCHEMA as COSIGNATURE_SCHEMA
from ledger.proof.note import Checkpoint, check_key_name, public_key_from_text, sign_text
from ledger.proof.pin import CheckpointPin, RewrittenLogError, state_folder
from ledger.proof.record_index import SCHEMA as INDEX_SCHEMA
from ledger.proof.record_index import update_index
from ledger.proof.verify import (
    EMPTY_ROOT,
    Node,
    TreeHead,
    consistency_proof,
    leaf_hash,
    node_hash,
    tree_head_signing_bytes,
    verify_consistency,
)
from ledger.proof.verify_bundle import SignedTreeHead, stored_event_leaf
from ledger.store.follow import Following, LogTable, Work, read_page
from ledger.store.keys import public_key_bytes, signing_key

ACTIVE_LOCK = 0x5EA1_0001  # held for a whole session by the one active sealer
BATCH_LOCK = 0x5EA1_0002  # held by each sealing or signing transaction
SCHEMA = """
CREATE SCHEMA IF NOT EXISTS proofs;
CREATE TABLE IF NOT EXISTS proofs.sealer (
    log text PRIMARY KEY, position bigint NOT NULL, size bigint NOT NULL);
CREATE TABLE IF NOT EXISTS proofs.leaves (
    leaf_index bigint PRIMARY KEY, position bigint NOT NULL UNIQUE,
    at timestamptz, leaf_hash bytea NOT NULL);
CREATE INDEX IF NOT EXISTS leaves_at ON proofs.leaves (at);
CREATE TABLE IF NOT EXISTS proofs.nodes (
    level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL,
    PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS proofs.tree_heads (
    id bigserial PRIMARY KEY, size bigint NOT NULL, timestamp_ms bigint NOT NULL,
    root bytea NOT NULL, signature bytea NOT NULL, public_key bytea NOT NULL);
ALTER TABLE proofs.tree_heads ADD COLUMN IF NOT EXISTS origin text,
    ADD COLUMN IF NOT EXISTS note_signature bytea, ADD COLUMN IF NOT EXISTS index_root bytea;
CREATE TABLE IF NOT EXISTS proofs.alarms (
    log text PRIMARY KEY, since timestamptz NOT NULL DEFAULT now(), reason text NOT NULL);
"""
DEFAULT_ORIGIN = "localhost/credit-ledger"


# -- the signing key --------------------------------------------------------------------------


def log_origin(config: Config | None = None) -> str:
    """The checkpoint origin naming this log: ``LEDGER_LOG_ORIGIN``, a schema-less URL."""
    return check_key_name((config or current()).log_origin or DEFAULT_ORIGIN)


def trusted_public_key(config: Config | None = None) -> bytes | None:
    """The key verifiers here trust: ``LEDGER_PUBLIC_KEY`` (base64, or a note verifier key);
    else the public half of a configured signing key; else None. Never a key read from the
    database or from a bundle."""
    config = config or current()
    if config.public_key:
        return public_key_from_text(config.public_key)
    home = config.home  # looked at, never created
    embedded = not config.database_url  # the only case with a key file
    if config.signing_key or (embedded and (home / "signing.key").exists()):
        return public_key_bytes(signing_key(config))
    return None


# -- the tree's right edge --------------------------------------------------------------------


class Frontier:
    """The right edge of a tree of ``size`` leaves: one complete subtree per set bit of size."""

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        if len(peaks) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} peaks")
        self.size = size
        self.peaks = list(peaks)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.peaks)

    def append(self, leaf: bytes, nodes: list[tuple[int, int, bytes]]) -> None:
        """Add a leaf hash; every subtree it completes goes to ``nodes`` as (level, idx, hash)."""
        index, level, h, peaks = self.size, 0, leaf, self.peaks
        while index >> level & 1:
            h = node_hash(peaks.pop(), h)
            level += 1
            nodes.append((level, index >> level, h))
        peaks.append(h)
        self.size = index + 1

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        h = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            h = node_hash(peak, h)
        return h


def peak_keys(size: int) -> list[tuple[int, int]]:
    """The (level, idx) of the peaks of a tree of ``size`` leaves, left to right."""
    keys, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def fetch_nodes(conn: psycopg.Connection[Any], keys: Iterable[tuple[int, int]]) -> (
    dict[tuple[int, int], bytes]
):
    """Stored hashes of complete subtrees, level 0 being the leaves; one round trip."""
    wanted = set(keys)
    leaves = [i for level, i in wanted if level == 0]
    inner = [(level, i) for level, i in wanted if level > 0]
    rows = conn.execute(
        "SELECT 0, leaf_index, leaf_hash FROM proofs.leaves WHERE leaf_index = ANY(%s) "
        "UNION ALL SELECT n.level, n.idx, n.hash FROM proofs.nodes n "
        "JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx) USING (level, idx)",
        (leaves, [k[0] for k in inner], [k[1] for k in inner]),
    ).fetchall()
    found = {(int(level), int(i)): bytes(h) for level, i, h in rows}
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"the proofs store lacks tree nodes {sorted(missing)[:5]}")
    return found


def stored_node(lookup: Callable[[int, int], bytes]) -> Node:
    """``node(start, end)`` from aligned subtrees: a right edge folds its complete parts."""

    def node(start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            level = width.bit_length() - 1
            return lookup(level, start >> level)
        split = 1 << ((width - 1).bit_length() - 1)
        return node_hash(node(start, start + split), node(start + split, end))

    return node


def batch_proofs(conn: psycopg.Connection[Any], make: Callable[[Node], Any]) -> Any:
    """Run ``make(node)`` twice: once to learn which stored nodes it reads, then for real."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, idx: int) -> bytes:
        wanted.add((level, idx))
        return bytes(32)

    make(stored_node(record))
    found = fetch_nodes(conn, wanted)
    return make(stored_node(lambda level, idx: found[level, idx]))


# -- the sealer -------------------------------------------------------------------------------


def create_proof_tables(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (BATCH_LOCK,))
        conn.execute(SCHEMA)
        conn.execute(INDEX_SCHEMA)
        conn.execute(COSIGNATURE_SCHEMA)


def ensure_proof_tables(conn: psycopg.Connection[Any]) -> None:
    """For readers: the proof tables, made only if no sealer (nor migration) made them yet,
    since a reader's database role may not alter the sealer's tables."""
    found = conn.execute("SELECT to_regclass('proofs.cosignatures')").fetchone()
    if found is None or found[0] is None:
        create_proof_tables(conn)


class Sealer:
    """Seals the log into the Merkle tree and signs tree heads."""

    def __init__(
        self,
        url: str,
        log: LogTable | None = None,
        *,
        key: Ed25519PrivateKey | None = None,
        clock: Clock = system_clock,
        batch_size: int = 2000,
        origin: str | None = None,
        pin: CheckpointPin | None = None,
        config: Config | None = None,
    ) -> None:
        self.url, self.log, self.clock, self.batch_size = url, log or LogTable(), clock, batch_size
        self.key = key or signing_key(config)
        self.public_key = public_key_bytes(self.key)
        self.origin = check_key_name(origin) if origin else log_origin(config)
        self.pin = pin or CheckpointPin.for_key(self.public_key, state_folder(config))
        self._conn: psycopg.Connection[Any] | None = None
        self._frontier = Frontier()

    def connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
            create_proof_tables(self._conn)
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()

    def _state(self, conn: psycopg.Connection[Any]) -> tuple[int, int]:
        row = conn.execute("SELECT position, size FROM proofs.sealer WHERE log = %s FOR UPDATE",
                           (self.log.name,)).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def _frontier_at(self, conn: psycopg.Connection[Any], size: int) -> Frontier:
        if self._frontier.size != size:  # another sealer moved on, or first use: reload
            nodes = fetch_nodes(conn, peak_keys(size))
            self._frontier = Frontier(size, [nodes[k] for k in peak_keys(size)])
        return self._frontier.copy()

    def seal_batch(self) -> int:
        """Seal up to ``batch_size`` events after the sealer's position; how many were sealed."""
        conn = self.connection()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (BATCH_LOCK,))
            position, size = self._state(conn)
            rows = read_page(conn.cursor(), self.log, position, self.batch_size)
            if not rows:
                return 0
            frontier = self._frontier_at(conn, size)
            leaves, nodes = build_leaves(rows, frontier)
            with conn.cursor().copy(
                "COPY proofs.leaves (leaf_index, position, at, leaf_hash) FROM STDIN"
            ) as copy:
                for leaf in leaves:
                    copy.write_row(leaf)
            with conn.cursor().copy("COPY proofs.nodes (level, idx, hash) FROM STDIN") as copy:
                for node in nodes:
                    copy.write_row(node)
            conn.execute(
                "INSERT INTO proofs.sealer (log, position, size) VALUES (%s, %s, %s) "
                "ON CONFLICT (log) DO UPDATE SET position = EXCLUDED.position, "
                "size = EXCLUDED.size", (self.log.name, rows[-1][0], frontier.size),
            )
        self._frontier = frontier
        return len(rows)

    def seal_pending(self) -> int:
        """Seal everything committed so far; how many events were sealed."""
        total = 0
        while sealed := self.seal_batch():
            total += sealed
        return total

    def sealed_size(self) -> int:
        conn = self.connection()
        with conn.transaction():
            return self._state(conn)[1]

    def issue_head(self, *, only_if_grown: bool = False) -> SignedTreeHead:
        """Sign a head for everything sealed; with ``only_if_grown``, reuse an equal-size one.

        Nothing is signed unless the tree extends the last checkpoint this sealer signed
        (``RewrittenLogError``; the alarm stays raised until a head can be signed again).
        """
        try:
            signed = self._issue_head(only_if_grown)
        except RewrittenLogError as error:
            self._alarm(error.reason)
            raise
        self._alarm(None)
        return signed

    def refusal(self) -> str | None:
        """Why this sealer refuses to sign (its alarm), or None."""
        return self.pin.refusal()

    def _alarm(self, reason: str | None) -> None:
        if reason is None:
            if self.pin.refusal() is None:
                return
            self.pin.clear_alarm()
        else:
            self.pin.raise_alarm(reason)
        conn = self.connection()
        if reason is None:
            conn.execute("DELETE FROM proofs.alarms WHERE log = %s", (self.log.name,))
        else:
            conn.execute("INSERT INTO proofs.alarms (log, reason) VALUES (%s, %s) "
                         "ON CONFLICT (log) DO UPDATE SET reason = EXCLUDED.reason",
                         (self.log.name, reason))

    def _check_extends_pin(self, conn: psycopg.Connection[Any], size: int, root: bytes) -> None:
        pinned = self.pin.load() or self._newest_own_head(conn)
        if pinned is None:
            return
        if size < pinned.size:
            raise RewrittenLogError(
                f"the log holds {size} leaves, fewer than the {pinned.size} of the checkpoint "
                "signed last", field="checkpoint")
        try:
            proof = batch_proofs(conn, lambda node: consistency_proof(pinned.size, size, node))
        except LookupError:
            proof = None
        if proof is None or not verify_consistency(pinned.size, size, pinned.root, root, proof):
            raise RewrittenLogError(
                f"the tree of {size} leaves does not extend the checkpoint of {pinned.size} "
                f"leaves signed last (root {pinned.root.hex()}): the log was rewritten",
                field="checkpoint")

    def _newest_own_head(self, conn: psycopg.Connection[Any]) -> Checkpoint | None:
        """With no pinned file yet: the newest head in the database that this key signed."""
        for head in reversed(stored_heads(conn)):
            if head.verify(self.public_key):
                return Checkpoint(self.origin, head.head.size, head.head.root)
        return None

    def _issue_head(self, only_if_grown: bool) -> SignedTreeHead:
        conn = self.connection()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (BATCH_LOCK,))
            size = self._state(conn)[1]
            latest = latest_head(conn)
            if (latest is not None and only_if_grown and latest.head.size == size
                    and self._is_checkpointed(conn)):
                return latest
            root = self._frontier_at(conn, size).root()
            index_root = update_index(conn, self.log, size)
            self._check_extends_pin(conn, size, root)
            now_ms = int(self.clock().timestamp() * 1000)
            # A head never predates the one before it, even if the clock steps back.
            stamp = max(now_ms, latest.head.timestamp_ms) if latest else now_ms
            head = TreeHead(size, root, stamp, index_root)
            signed = SignedTreeHead(head, self.key.sign(tree_head_signing_bytes(head)))
            checkpoint = Checkpoint(self.origin, size, root)
            note = sign_text(checkpoint.text(), self.origin, self.key)
            self.pin.save(f"{checkpoint.text()}\n{note.line()}")
            conn.execute(
                "INSERT INTO proofs.tree_heads (size, timestamp_ms, root, signature, public_key, "
                "origin, note_signature, index_root) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (size, stamp, root, signed.signature, self.public_key, self.origin,
                 note.signature, index_root),
            )
        return signed

    def _is_checkpointed(self, conn: psycopg.Connection[Any]) -> bool:
        """The latest head also carries this sealer's checkpoint signature (under its origin)."""
        row = conn.execute("SELECT origin, public_key, note_signature IS NOT NULL "
                           "AND index_root IS NOT NULL FROM proofs.tree_heads "
                           "ORDER BY id DESC LIMIT 1").fetchone()
        return (row is not None and row[0] == self.origin and bytes(row[1]) == self.public_key
                and bool(row[2]))

    def run(self, stop: threading.Event, *, head_every: float = 5.0, poll: float = 1.0) -> None:
        """Follow the log until ``stop`` is set: seal as events arrive, sign heads as it grows.

        It runs in ``ledger.store.follow``'s loop: woken by the recorder's NOTIFY and polling every
        ``poll`` seconds (a lost NOTIFY must not stall it); one sealer is active, another copy
        stands by.
        """
        following = Following(self.url, self.log, ACTIVE_LOCK, name="sealer",
                              poll_interval=min(poll, head_every), standby_interval=poll)
        following.run(_Sealing(self, head_every), stop)

    def _issue_or_wait(self) -> None:
        # A refusal is not a crash: the alarm is raised, and the next round checks again.
        with contextlib.suppress(RewrittenLogError):
            self.issue_head(only_if_grown=True)


class _Sealing(Work):
    """The sealer's work while active: seal what arrived, sign a head every ``head_every``."""

    def __init__(self, sealer: Sealer, head_every: float) -> None:
        self.sealer, self.head_every = sealer, head_every
        self._last_head = 0.0

    def activate(self) -> None:
        self._last_head = 0.0

    def catch_up(self) -> int:
        sealed = self.sealer.seal_pending()
        if time.monotonic() - self._last_head >= self.head_every:
            self.sealer._issue_or_wait()
            self._last_head = time.monotonic()
        return sealed

    def finish(self) -> None:
        self.sealer.seal_pending()
        self.sealer._issue_or_wait()

    def lost(self) -> None:
        self.sealer.close()


def build_leaves(
    rows: Sequence[Sequence[Any]], frontier: Frontier
) -> tuple[list[tuple[int, int, datetime | None, bytes]], list[tuple[int, int, bytes]]]:
    """Leaf rows and completed subtree nodes for log rows (position, id, version, topic, state).

    This is the whole of the tree building; it mutates ``frontier``.
    """
    leaves: list[tuple[int, int, datetime | None, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    for position, originator_id, version, topic, state in rows:
        data, stamp = stored_event_leaf(position, str(originator_id), version, topic,
                                        bytes(state))
        h = leaf_hash(data)
        leaves.append((frontier.size, position, _instant(stamp), h))
        frontier.append(h, nodes)
    return leaves, nodes


def _instant(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def latest_head(conn: psycopg.Connection[Any]) -> SignedTreeHead | None:
    heads = stored_heads(conn, latest_only=True)
    return heads[0] if heads else None


def stored_heads(conn: psycopg.Connection[Any], *, latest_only: bool = False) -> (
    list[SignedTreeHead]
):
    """The signed tree heads, oldest first (or only the latest)."""
    order = "DESC LIMIT 1" if latest_only else "ASC"
    rows = conn.execute(
        "SELECT size, root, timestamp_ms, signature, index_root FROM proofs.tree_heads "
        f"ORDER BY id {order}"
    ).fetchall()
    return [SignedTreeHead(TreeHead(int(s), bytes(r), int(t), bytes(i) if i else None),
                           bytes(sig)) for s, r, t, sig, i in rows]
