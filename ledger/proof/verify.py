"""Offline verification of the ledger's log: Merkle proofs, signed tree heads, event leaves.

An auditor holding a signed tree head (STH) can check, with nothing but this file:

* that an event is in the log at a given position (inclusion proof), and
* that a later tree extends an earlier one without rewriting it (consistency proof),
* that the head was signed by the ledger's Ed25519 key.

The tree is the one of RFC 9162 §2.1 (the same as RFC 6962), with SHA-256:
``leaf_hash(d) = SHA256(0x00 || d)``, ``node_hash(l, r) = SHA256(0x01 || l || r)``, the root of
the empty tree is ``SHA256("")``, and a tree over n > 1 leaves is split at k, the largest power
of two smaller than n. Verification follows the RFC's iterative algorithms (§2.1.3.2, §2.1.4.2)
step by step; a verifier returns False, and never raises, for any malformed input. Take a size
and its root from the same signed head: a proof is only as strong as that pairing.

Proofs are generated from a callable ``node(start, end)`` giving the hash of the subtree over
leaves [start, end), so a store need not hold all leaves in memory. Every range asked for is
either a complete subtree ``[j * 2**h, (j + 1) * 2**h)`` or a right-edge subtree that ends at the
tree size (``size`` for inclusion, ``second`` for consistency).

Signed tree head, bytes signed (``tree_head_signing_bytes``)::

    b"credit-ledger-sth-v1\\x00" || u64(size) || u64(timestamp_ms) || root (32 bytes)
    b"credit-ledger-sth-v2\\x00" || u64(size) || u64(timestamp_ms) || root || index_root

v2 heads also commit to the record index of ``ledger.proof.verify_index`` (each aggregate's latest
version as of the head); a head with an ``index_root`` is signed as v2, one without as v1.

Event leaf, the data whose ``leaf_hash`` is the leaf at ``position`` (``event_leaf_bytes``)::

    b"credit-ledger-event-v1\\x00"
    || u64(position) || text(originator_id) || u64(originator_version)
    || text(topic) || text(timestamp) || blob(state)
    || 0x00                                  when there is no plaintext digest
       0x01 || blob(plaintext_digest)        when there is one

``u64(n)`` is n as 8 bytes big-endian unsigned; ``blob(b)`` is len(b) as 4 bytes big-endian
unsigned followed by b; ``text(s)`` is ``blob`` of the UTF-8 bytes of s, exactly as stored
(no normalisation). Every field is fixed-size or length-prefixed, so the encoding is
unambiguous: two different events never produce the same bytes.
``state`` is the event as stored (possibly encrypted); ``plaintext_digest`` commits to a salted
hash of the canonical plaintext, so an auditor shown the plaintext can check it even after the
key that encrypted ``state`` has been destroyed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
STH_TAG = b"credit-ledger-sth-v1\x00"
STH_V2_TAG = b"credit-ledger-sth-v2\x00"
EVENT_TAG = b"credit-ledger-event-v1\x00"

Node = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 hash of a leaf: SHA256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: SHA256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    if end - start == 1:
        return hashes[start]
    k = _split(end - start)
    return node_hash(_mth(hashes, start, start + k), _mth(hashes, start + k, end))


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes."""
    return _mth(hashes, 0, len(hashes)) if hashes else EMPTY_ROOT


def subtree_node_from_leaves(leaf_hashes: Sequence[bytes]) -> Node:
    """A ``node(start, end)`` callable over leaf hashes held in memory, memoised."""
    hashes = list(leaf_hashes)
    cache: dict[tuple[int, int], bytes] = {}

    def node(start: int, end: int) -> bytes:
        if not 0 <= start < end <= len(hashes):
            raise ValueError(f"no subtree [{start}, {end}) in a tree of {len(hashes)} leaves")
        if end - start == 1:
            return hashes[start]
        if (start, end) not in cache:
            k = _split(end - start)
            cache[start, end] = node_hash(node(start, start + k), node(start + k, end))
        return cache[start, end]

    return node


def inclusion_proof(index: int, size: int, node: Node) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, ordered from the leaf's sibling upwards."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            siblings.append(node(mid, end))
            end = mid
        else:
            siblings.append(node(start, mid))
            start = mid
    return siblings[::-1]


def consistency_proof(first: int, second: int, node: Node) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1; empty when first is 0 or equals second."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    return _subproof(first, 0, second, True, node)


def _subproof(m: int, start: int, end: int, whole_first_tree: bool, node: Node) -> list[bytes]:
    # SUBPROOF(m, D[start:end], b): m counts the first tree's leaves inside [start, end).
    if m == end - start:
        return [] if whole_first_tree else [node(start, end)]
    mid = start + _split(end - start)
    if start + m <= mid:
        return [*_subproof(m, start, mid, whole_first_tree, node), node(mid, end)]
    return [*_subproof(start + m - mid, mid, end, False, node), node(start, mid)]


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows the leaf at ``index`` in the tree of ``size`` with ``root``."""
    if not (0 <= index < size and all(map(_is_hash, [leaf_hash, root, *proof]))):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows the tree (first, first_root) is a prefix of (second, second_root).

    The empty tree is a prefix of every tree: with ``first == 0`` the proof must be empty and
    ``first_root`` must be ``EMPTY_ROOT``. With ``first == second`` the proof must be empty and
    the roots equal.
    """
    if not (0 <= first <= second and all(map(_is_hash, [first_root, second_root, *proof]))):
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT and (second > 0 or second_root == EMPTY_ROOT)
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # first is a power of two: its root is a node of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


@dataclass(frozen=True)
class TreeHead:
    """The state of the log that the ledger signs: how many leaves, their root, and when."""

    size: int
    root: bytes
    timestamp_ms: int
    index_root: bytes | None = None


def _u64(value: int) -> bytes:
    if not 0 <= value < 1 << 64:
        raise ValueError(f"{value} does not fit in an unsigned 64-bit integer")
    return value.to_bytes(8, "big")


def _sized(value: bytes) -> bytes:
    if len(value) >= 1 << 32:
        raise ValueError("a field of 4 GiB or more cannot be length-prefixed")
    return len(value).to_bytes(4, "big") + value


def tree_head_signing_bytes(head: TreeHead) -> bytes:
    """The exact bytes the ledger signs for a tree head (see the module docstring)."""
    if not _is_hash(head.root):
        raise ValueError("a tree head's root must be 32 bytes")
    if head.index_root is None:
        return STH_TAG + _u64(head.size) + _u64(head.timestamp_ms) + head.root
    if not _is_hash(head.index_root):
        raise ValueError("a tree head's index root must be 32 bytes")
    return STH_V2_TAG + _u64(head.size) + _u64(head.timestamp_ms) + head.root + head.index_root


def verify_tree_head_signature(head: TreeHead, signature: bytes, public_key_raw: bytes) -> bool:
    """True if ``signature`` is the Ed25519 signature of ``head`` by the raw 32-byte key."""
    # Imported here so that everything else in this module needs only the standard library.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(public_key_raw)
        key.verify(signature, tree_head_signing_bytes(head))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def event_leaf_bytes(
    position: int,
    originator_id: str,
    originator_version: int,
    topic: str,
    timestamp: str,
    state: bytes,
    plaintext_digest: bytes | None = None,
) -> bytes:
    """The leaf data committed for one stored event (layout in the module docstring)."""
    digest = b"\x00" if plaintext_digest is None else b"\x01" + _sized(plaintext_digest)
    identity = _u64(position) + _sized(originator_id.encode()) + _u64(originator_version)
    metadata = _sized(topic.encode()) + _sized(timestamp.encode())
    return EVENT_TAG + identity + metadata + _sized(state) + digest
