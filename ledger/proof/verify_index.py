"""The record index: each aggregate's latest version as of a signed head, provably.

A Merkle tree proves what is in the log, not what is missing from a record's history: an event
left out of a bundle leaves the others' proofs intact. So every signed head (format v2, see
``ledger.proof.verify``) also commits to an index root: a sparse Merkle tree keyed by the 128 bits
of each aggregate's id that maps the id to the version of its latest event in the tree, and that
event's leaf index. A bundle carries, for each aggregate it shows, the index entry and its
proof; the verifier checks the proof against the signed index root and that the bundle holds
exactly versions 1 … that version, the last at that leaf. Stored events and their leaves are
untouched: the index is built beside the tree, from it.

Hashes (SHA-256), with the bits of the id read from the most significant, depth 0 at the root::

    leaf(id, version, leaf_index) = H(0x00 || "credit-ledger-index-v1" 0x00 || id (16 bytes)
                                      || u64(version) || u64(leaf_index))
    node(left, right)             = H(0x01 || left || right)
    EMPTY                         = 32 zero bytes

A subtree at depth 16 or deeper that holds one id is that id's leaf, and one that holds none
is EMPTY; above depth 16 every subtree is a node (its empty subtrees fold to fixed hashes), so
the sealer stores the top as 2**17 fixed positions and rebuilds only the changed buckets of
ids below them. A proof is the list of siblings from the leaf up to the root. A root fixes one
value per id: the same path cannot end in a leaf in one proof and pass through a node in
another, since leaf and node hashes are domain-separated.

Like ``ledger.proof.verify``, this module needs only the standard library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

INDEX_TAG = b"credit-ledger-index-v1\x00"
EMPTY = bytes(32)
TOP = 16  # depths above this are never short-cut
KEY_BITS = 128

Entry = tuple[int, bytes]  # (id as a 128-bit integer, its leaf hash)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _defaults() -> list[bytes]:
    found = [EMPTY] * (TOP + 1)
    for depth in range(TOP - 1, -1, -1):
        found[depth] = _node(found[depth + 1], found[depth + 1])
    return found


DEFAULTS = _defaults()  # the hash of a subtree holding no id, by depth (0 … TOP)


def index_leaf_hash(aggregate: UUID, version: int, leaf_index: int) -> bytes:
    """The leaf of one aggregate: its id, latest version and that event's leaf index."""
    if not (0 <= version < 1 << 64 and 0 <= leaf_index < 1 << 64):
        raise ValueError("version and leaf index are unsigned 64-bit integers")
    return hashlib.sha256(b"\x00" + INDEX_TAG + aggregate.bytes + version.to_bytes(8, "big")
                          + leaf_index.to_bytes(8, "big")).digest()


def bit(key: int, depth: int) -> int:
    """The bit of ``key`` that chooses the child at ``depth`` (0: left, 1: right)."""
    return key >> (KEY_BITS - 1 - depth) & 1


def subtree_root(entries: Sequence[Entry], depth: int = 0) -> bytes:
    """The hash of the subtree at ``depth`` holding ``entries`` (ids sharing its prefix)."""
    if not entries:
        return DEFAULTS[min(depth, TOP)]
    if len(entries) == 1 and depth >= TOP:
        return entries[0][1]
    if depth >= KEY_BITS:
        raise ValueError("two entries with the same id")
    left = [e for e in entries if not bit(e[0], depth)]
    right = [e for e in entries if bit(e[0], depth)]
    return _node(subtree_root(left, depth + 1), subtree_root(right, depth + 1))


def subtree_path(entries: Sequence[Entry], key: int, depth: int = 0) -> list[bytes]:
    """The siblings from ``key``'s leaf up to ``depth``, within the subtree of ``entries``."""
    if len(entries) == 1 and depth >= TOP:
        if entries[0][0] != key:
            raise KeyError("the id is not in the index")
        return []
    if depth >= KEY_BITS or not entries:
        raise KeyError("the id is not in the index")
    side = bit(key, depth)
    same = [e for e in entries if bit(e[0], depth) == side]
    other = [e for e in entries if bit(e[0], depth) != side]
    return [*subtree_path(same, key, depth + 1), subtree_root(other, depth + 1)]


def index_root(latest: dict[UUID, tuple[int, int]]) -> bytes:
    """The index root of ``{id: (latest version, leaf index)}``, computed whole."""
    return subtree_root(sorted((k.int, index_leaf_hash(k, *v)) for k, v in latest.items()))


def verify_index_proof(
    aggregate: UUID, version: int, leaf_index: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows that, under ``root``, the latest event of ``aggregate`` is its
    ``version``, at ``leaf_index``."""
    if not (len(proof) <= KEY_BITS and all(isinstance(p, bytes) and len(p) == 32
                                           for p in [*proof, root])):
        return False
    try:
        h = index_leaf_hash(aggregate, version, leaf_index)
    except ValueError:
        return False
    for i, sibling in enumerate(proof):
        depth = len(proof) - 1 - i
        h = _node(sibling, h) if bit(aggregate.int, depth) else _node(h, sibling)
    return h == root
