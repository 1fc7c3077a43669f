"""Offline verification: RFC 9162 Merkle proofs, signed tree heads and the event leaf encoding.

Each test takes the auditor's side: given what the ledger hands over (a leaf, a proof, a signed
head), the auditor must accept exactly the genuine material and reject every alteration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from ledger.proof.verify import (
    EMPTY_ROOT,
    TreeHead,
    consistency_proof,
    event_leaf_bytes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    subtree_node_from_leaves,
    tree_head_signing_bytes,
    verify_consistency,
    verify_inclusion,
    verify_tree_head_signature,
)

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "rfc9162.json").read_text())
REFERENCE_LEAVES = [leaf_hash(bytes.fromhex(leaf)) for leaf in VECTORS["leaves_hex"]]

# The inclusion paths published with the Certificate Transparency reference implementation for
# the same eight leaves (leaf index, tree size, path); the vectors file carries no inclusion proofs.
PUBLISHED_INCLUSION_PATHS = [
    (0, 1, []),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

N = 256  # exhaustive tests cover every tree size 1..N
LOG = [leaf_hash(i.to_bytes(2, "big")) for i in range(N + 1)]
NODE = subtree_node_from_leaves(LOG)
ROOTS = [EMPTY_ROOT, *(NODE(0, size) for size in range(1, N + 2))]  # ROOTS[size]


def unhex(hashes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


def rfc_mth(hashes: Sequence[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, written as the RFC states it, to check the module against."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(rfc_mth(hashes[:k]), rfc_mth(hashes[k:]))


def rfc_path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, written as the RFC states it."""
    if len(hashes) == 1:
        return []
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if m < k:
        return [*rfc_path(m, hashes[:k]), rfc_mth(hashes[k:])]
    return [*rfc_path(m - k, hashes[k:]), rfc_mth(hashes[:k])]


def flipped(proof: list[bytes], element: int, byte: int) -> list[bytes]:
    tampered = bytearray(proof[element])
    tampered[byte % len(tampered)] ^= 0x01
    return [*proof[:element], bytes(tampered), *proof[element + 1 :]]


def tampered_proofs(proof: list[bytes], seed: int) -> Iterator[tuple[str, list[bytes]]]:
    """Every way a proof is mangled in transit: a flipped byte, a dropped or an extra element."""
    for i in range(len(proof)):
        yield f"byte flipped in element {i}", flipped(proof, i, seed + i)
        yield f"element {i} dropped", proof[:i] + proof[i + 1 :]
        yield f"element {i} repeated", [*proof[: i + 1], proof[i], *proof[i + 1 :]]
    yield "element appended", [*proof, LOG[seed % len(LOG)]]
    if len(proof) > 1:
        yield "elements reversed", proof[::-1]


def consistency_pairs() -> Iterator[tuple[int, int]]:
    for second in range(1, N + 1):
        for first in range(1, second + 1):
            yield first, second


# --- the published reference vectors --------------------------------------------------------


def test_the_empty_tree_has_the_published_root() -> None:
    assert EMPTY_ROOT.hex() == VECTORS["empty_root"]
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


def test_an_auditor_recomputes_every_published_root() -> None:
    for size, root in enumerate(VECTORS["roots"], start=1):
        assert root_from_leaf_hashes(REFERENCE_LEAVES[:size]).hex() == root, size


def test_the_published_consistency_proofs_are_produced_and_accepted() -> None:
    node = subtree_node_from_leaves(REFERENCE_LEAVES)
    roots = [EMPTY_ROOT, *unhex(VECTORS["roots"])]
    for vector in VECTORS["consistency"]:
        first, second, proof = vector["first"], vector["second"], unhex(vector["proof"])
        assert consistency_proof(first, second, node) == proof
        assert verify_consistency(first, second, roots[first], roots[second], proof)


@pytest.mark.parametrize(("index", "size", "path"), PUBLISHED_INCLUSION_PATHS)
def test_the_published_inclusion_paths_are_produced_and_accepted(
    index: int, size: int, path: list[str]
) -> None:
    node = subtree_node_from_leaves(REFERENCE_LEAVES)
    root = bytes.fromhex(VECTORS["roots"][size - 1])
    assert inclusion_proof(index, size, node) == unhex(path)
    assert verify_inclusion(REFERENCE_LEAVES[index], index, size, unhex(path), root)


# --- hashing --------------------------------------------------------------------------------


def test_a_leaf_cannot_pass_for_an_interior_node() -> None:
    left, right = LOG[0], LOG[1]
    assert leaf_hash(left + right) != node_hash(left, right)
    assert leaf_hash(b"entry") == hashlib.sha256(b"\x00entry").digest()
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_every_root_matches_the_rfc_definition_for_every_size_up_to_256() -> None:
    for size in range(1, N + 1):
        expected = rfc_mth(LOG[:size])
        assert root_from_leaf_hashes(LOG[:size]) == expected, size
        assert ROOTS[size] == expected, size


# --- inclusion ------------------------------------------------------------------------------


def test_every_inclusion_proof_matches_the_rfc_path_for_trees_up_to_64() -> None:
    for size in range(1, 65):
        for index in range(size):
            assert inclusion_proof(index, size, NODE) == rfc_path(index, LOG[:size]), (index, size)


def test_every_inclusion_proof_in_every_tree_up_to_256_verifies() -> None:
    for size in range(1, N + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, NODE)
            assert verify_inclusion(LOG[index], index, size, proof, ROOTS[size]), (index, size)


def test_an_auditor_detects_a_flipped_dropped_or_added_element_in_an_inclusion_proof() -> None:
    for size in range(1, N + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, NODE)
            for how, bad in tampered_proofs(proof, index):
                assert not verify_inclusion(LOG[index], index, size, bad, ROOTS[size]), (
                    index,
                    size,
                    how,
                )


def test_an_auditor_detects_an_inclusion_proof_presented_for_the_wrong_position() -> None:
    for size in range(1, N + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, NODE)
            root = ROOTS[size]
            assert not verify_inclusion(LOG[index], index - 1, size, proof, root), (index, size)
            assert not verify_inclusion(LOG[index], index + 1, size, proof, root), (index, size)
            assert not verify_inclusion(LOG[index + 1], index, size, proof, root), (index, size)


def test_an_auditor_detects_an_inclusion_proof_checked_against_a_head_of_another_size() -> None:
    for size in range(1, N + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, NODE)
            for other in (size - 1, size + 1):
                assert not verify_inclusion(LOG[index], index, other, proof, ROOTS[other]), (
                    index,
                    size,
                    other,
                )


def test_an_auditor_rejects_an_inclusion_proof_too_short_for_the_size_claimed() -> None:
    # The same root under a larger size: the hashes still chain, only the step count tells.
    for size in range(1, 65):
        for index in range(size):
            proof = inclusion_proof(index, size, NODE)
            for claimed in range(size + 1, 2 * size + 2):
                if len(inclusion_proof(index, claimed, NODE)) != len(proof):
                    assert not verify_inclusion(LOG[index], index, claimed, proof, ROOTS[size])


def test_an_auditor_rejects_an_inclusion_claim_outside_the_tree() -> None:
    root = ROOTS[4]
    assert not verify_inclusion(LOG[4], 4, 4, [], root)
    assert not verify_inclusion(LOG[0], -1, 4, [], root)
    assert not verify_inclusion(LOG[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(4, 4, NODE)


# --- consistency ----------------------------------------------------------------------------


def rfc_consistency(first: int, hashes: Sequence[bytes], whole: bool = True) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1, written as the RFC states it."""
    if first == len(hashes):
        return [] if whole else [rfc_mth(hashes)]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if first <= k:
        return [*rfc_consistency(first, hashes[:k], whole), rfc_mth(hashes[k:])]
    return [*rfc_consistency(first - k, hashes[k:], False), rfc_mth(hashes[:k])]


def test_every_consistency_proof_matches_the_rfc_subproof_for_trees_up_to_64() -> None:
    for second in range(1, 65):
        for first in range(1, second):
            expected = rfc_consistency(first, LOG[:second])
            assert consistency_proof(first, second, NODE) == expected, (first, second)


def test_every_consistency_proof_between_trees_up_to_256_verifies() -> None:
    for second in range(1, N + 1):
        for first in range(1, second + 1):
            proof = consistency_proof(first, second, NODE)
            assert verify_consistency(first, second, ROOTS[first], ROOTS[second], proof), (
                first,
                second,
            )


def test_an_auditor_detects_a_flipped_dropped_or_added_element_in_a_consistency_proof() -> None:
    for first, second in consistency_pairs():
        proof = consistency_proof(first, second, NODE)
        for how, bad in tampered_proofs(proof, first + second):
            assert not verify_consistency(first, second, ROOTS[first], ROOTS[second], bad), (
                first,
                second,
                how,
            )


def test_an_auditor_detects_a_consistency_proof_checked_against_heads_of_other_sizes() -> None:
    for first, second in consistency_pairs():
        proof = consistency_proof(first, second, NODE)
        wrong_heads = [(first + 1, second), (first, second + 1), (first, second - 1)]
        if first > 1:
            wrong_heads.append((first - 1, second))
        for a, b in wrong_heads:
            assert not verify_consistency(a, b, ROOTS[a], ROOTS[b], proof), (first, second, a, b)


def test_an_auditor_rejects_a_consistency_proof_too_short_for_the_size_claimed() -> None:
    # The same roots under a larger second size: only the step count tells.
    for second in range(1, 65):
        for first in range(1, second):
            proof = consistency_proof(first, second, NODE)
            for claimed in range(second + 1, 2 * second + 2):
                if len(consistency_proof(first, claimed, NODE)) != len(proof):
                    assert not verify_consistency(
                        first, claimed, ROOTS[first], ROOTS[second], proof
                    ), (first, second, claimed)


def test_an_auditor_detects_swapped_or_foreign_roots_in_a_consistency_check() -> None:
    for first, second in consistency_pairs():
        proof = consistency_proof(first, second, NODE)
        foreign = leaf_hash(b"not a root")
        assert not verify_consistency(first, second, foreign, ROOTS[second], proof)
        assert not verify_consistency(first, second, ROOTS[first], foreign, proof)
        if first != second:
            assert not verify_consistency(first, second, ROOTS[second], ROOTS[first], proof)


def test_an_auditor_detects_a_rewritten_entry_between_two_signed_heads() -> None:
    genuine = LOG[:5]
    rewritten = [*LOG[:2], leaf_hash(b"a quietly edited record"), *LOG[3:9]]
    proof = consistency_proof(5, 9, subtree_node_from_leaves(rewritten))
    assert not verify_consistency(5, 9, root_from_leaf_hashes(genuine), rfc_mth(rewritten), proof)


def test_a_tree_is_consistent_with_itself_only_by_an_empty_proof_and_equal_roots() -> None:
    assert consistency_proof(7, 7, NODE) == []
    assert verify_consistency(7, 7, ROOTS[7], ROOTS[7], [])
    assert not verify_consistency(7, 7, ROOTS[7], ROOTS[8], [])
    assert not verify_consistency(7, 7, ROOTS[7], ROOTS[7], [ROOTS[7]])


def test_the_empty_tree_is_a_prefix_of_every_tree_but_only_with_the_empty_root() -> None:
    assert consistency_proof(0, 9, NODE) == []
    assert verify_consistency(0, 9, EMPTY_ROOT, ROOTS[9], [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, ROOTS[1], [])
    assert not verify_consistency(0, 9, ROOTS[1], ROOTS[9], [])
    assert not verify_consistency(0, 9, EMPTY_ROOT, ROOTS[9], [ROOTS[9]])


def test_an_auditor_rejects_a_shrinking_log() -> None:
    assert not verify_consistency(9, 5, ROOTS[9], ROOTS[5], consistency_proof(5, 9, NODE))
    assert not verify_consistency(-1, 5, EMPTY_ROOT, ROOTS[5], [])
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof(9, 5, NODE)


def test_proofs_ask_the_store_only_for_complete_subtrees_or_the_right_edge() -> None:
    asked: list[tuple[int, int]] = []

    def recording(start: int, end: int) -> bytes:
        asked.append((start, end))
        return NODE(start, end)

    def allowed(start: int, end: int, edge: int) -> bool:
        width = end - start
        complete = width & (width - 1) == 0 and start % width == 0
        return 0 <= start < end <= edge and (complete or end == edge)

    for second in range(1, 65):
        for first in range(second + 1):
            asked.clear()
            consistency_proof(first, second, recording)
            assert all(allowed(s, e, second) for s, e in asked), (first, second, asked)
        for index in range(second):
            asked.clear()
            inclusion_proof(index, second, recording)
            assert all(allowed(s, e, second) for s, e in asked), (index, second, asked)


def test_the_in_memory_store_refuses_ranges_outside_its_leaves() -> None:
    node = subtree_node_from_leaves(LOG[:4])
    for start, end in [(0, 5), (-1, 2), (2, 2), (3, 1)]:
        with pytest.raises(ValueError, match="no subtree"):
            node(start, end)


hashes = st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=40))


@given(st.integers(-3, 300), st.integers(-3, 300), st.lists(hashes, max_size=12), hashes, hashes)
def test_a_malformed_inclusion_proof_is_rejected_without_an_exception(
    index: int, size: int, proof: list[bytes], leaf: bytes, root: bytes
) -> None:
    one_leaf_tree = (index, size, proof) == (0, 1, []) and len(leaf) == 32 and leaf == root
    assert verify_inclusion(leaf, index, size, proof, root) is one_leaf_tree


@given(st.integers(-3, 300), st.integers(-3, 300), st.lists(hashes, max_size=12), hashes, hashes)
def test_a_malformed_consistency_proof_is_rejected_without_an_exception(
    first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes
) -> None:
    accepted = verify_consistency(first, second, first_root, second_root, proof)
    assert isinstance(accepted, bool)
    if proof or not 0 <= first <= second or len(first_root) != 32:
        assert not accepted


def test_proof_elements_of_the_wrong_length_are_rejected() -> None:
    proof = inclusion_proof(3, 8, NODE)
    assert not verify_inclusion(LOG[3], 3, 8, [*proof[:2], proof[2] + b"\x00"], ROOTS[8])
    assert not verify_inclusion(LOG[3], 3, 8, [p.hex().encode() for p in proof], ROOTS[8])
    assert not verify_inclusion(LOG[3][:31], 3, 8, proof, ROOTS[8])


def test_a_proof_read_as_text_instead_of_bytes_is_rejected_without_an_exception() -> None:
    as_text = [p.hex() for p in inclusion_proof(3, 8, NODE)]
    assert not verify_inclusion(LOG[3], 3, 8, as_text, ROOTS[8])  # type: ignore[arg-type]
    as_text = [p.hex() for p in consistency_proof(3, 8, NODE)]
    assert not verify_consistency(3, 8, ROOTS[3], ROOTS[8], as_text)  # type: ignore[arg-type]
    assert not verify_consistency(3, 8, ROOTS[3].hex(), ROOTS[8], [])  # type: ignore[arg-type]


# --- signed tree heads ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


HEAD = TreeHead(size=9, root=ROOTS[9], timestamp_ms=1_767_225_600_000)


def test_tree_head_signing_bytes_follow_the_documented_layout() -> None:
    expected = (
        b"credit-ledger-sth-v1\x00"
        + bytes.fromhex("0000000000000009")
        + bytes.fromhex("0000019b76daa800")
        + ROOTS[9]
    )
    assert tree_head_signing_bytes(HEAD) == expected


def test_an_auditor_accepts_a_head_signed_by_the_ledger_key(ledger_key: Ed25519PrivateKey) -> None:
    signature = ledger_key.sign(tree_head_signing_bytes(HEAD))
    assert verify_tree_head_signature(HEAD, signature, raw_public(ledger_key))


@pytest.mark.parametrize(
    "tampered",
    [
        TreeHead(size=10, root=HEAD.root, timestamp_ms=HEAD.timestamp_ms),
        TreeHead(size=HEAD.size, root=ROOTS[8], timestamp_ms=HEAD.timestamp_ms),
        TreeHead(size=HEAD.size, root=HEAD.root, timestamp_ms=HEAD.timestamp_ms + 1),
        TreeHead(size=HEAD.size, root=HEAD.root[:31], timestamp_ms=HEAD.timestamp_ms),
        TreeHead(size=-1, root=HEAD.root, timestamp_ms=HEAD.timestamp_ms),
    ],
    ids=["size", "root", "timestamp", "short-root", "negative-size"],
)
def test_an_auditor_rejects_a_tampered_head(
    ledger_key: Ed25519PrivateKey, tampered: TreeHead
) -> None:
    signature = ledger_key.sign(tree_head_signing_bytes(HEAD))
    assert not verify_tree_head_signature(tampered, signature, raw_public(ledger_key))


def test_an_auditor_rejects_a_head_signed_by_another_key_or_with_garbage(
    ledger_key: Ed25519PrivateKey,
) -> None:
    signature = ledger_key.sign(tree_head_signing_bytes(HEAD))
    impostor = Ed25519PrivateKey.generate()
    assert not verify_tree_head_signature(HEAD, signature, raw_public(impostor))
    assert not verify_tree_head_signature(HEAD, signature, raw_public(ledger_key)[:31])
    assert not verify_tree_head_signature(HEAD, signature[:63], raw_public(ledger_key))
    assert not verify_tree_head_signature(HEAD, bytes(64), raw_public(ledger_key))


# --- event leaves ---------------------------------------------------------------------------

EVENT: dict[str, object] = {
    "position": 7,
    "originator_id": "3f1c",
    "originator_version": 2,
    "topic": "t:É",
    "timestamp": "2026-01-01T00:00:00+00:00",
    "state": b"\x01\x02",
}


def event(**changes: object) -> bytes:
    fields = {**EVENT, **changes}
    return event_leaf_bytes(**fields)  # type: ignore[arg-type]


def test_the_event_leaf_encoding_is_the_documented_byte_layout() -> None:
    expected = b"".join(
        [
            b"credit-ledger-event-v1\x00",
            bytes.fromhex("0000000000000007"),
            bytes.fromhex("00000004") + b"3f1c",
            bytes.fromhex("0000000000000002"),
            bytes.fromhex("00000004") + b"t:\xc3\x89",
            bytes.fromhex("00000019") + b"2026-01-01T00:00:00+00:00",
            bytes.fromhex("00000002") + b"\x01\x02",
            b"\x00",
        ]
    )
    assert event() == expected
    digest = hashlib.sha256(b"salt" + b"plaintext").digest()
    assert event(plaintext_digest=digest) == expected[:-1] + b"\x01\x00\x00\x00\x20" + digest


@pytest.mark.parametrize(
    "other",
    [
        {"position": 8},
        {"originator_version": 3},
        {"topic": "t:", "timestamp": "É2026-01-01T00:00:00+00:00"},
        {"originator_id": "3f1ct:É", "topic": ""},
        {"state": b"\x01\x02\x00"},
        {"plaintext_digest": b""},
    ],
    ids=["position", "version", "topic-timestamp-boundary", "id-topic-boundary", "state", "digest"],
)
def test_an_auditor_can_tell_apart_events_that_differ_in_any_field(
    other: dict[str, object],
) -> None:
    assert event(**other) != event()


@pytest.mark.parametrize(
    "bad", [{"position": -1}, {"originator_version": 1 << 64}], ids=["negative", "too-large"]
)
def test_an_event_with_an_unencodable_integer_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="64-bit"):
        event(**bad)


def test_an_event_leaf_proves_its_inclusion_like_any_other_leaf() -> None:
    leaves = [leaf_hash(event(position=i)) for i in range(6)]
    node: Callable[[int, int], bytes] = subtree_node_from_leaves(leaves)
    proof = inclusion_proof(4, 6, node)
    assert verify_inclusion(leaf_hash(event(position=4)), 4, 6, proof, rfc_mth(leaves))
    assert not verify_inclusion(leaf_hash(event(position=4, state=b"")), 4, 6, proof, node(0, 6))
