"""The record index: a proof shows an aggregate's latest version under a signed index root."""

from __future__ import annotations

import random
from uuid import UUID

import pytest

from ledger.proof.verify_index import (
    DEFAULTS,
    EMPTY,
    index_leaf_hash,
    index_root,
    subtree_path,
    subtree_root,
    verify_index_proof,
)


def ids(count: int, seed: int = 7) -> list[UUID]:
    """Random ids, a third of them sharing their first 16 bits (one bucket) with another."""
    rnd = random.Random(seed)
    found = [UUID(int=rnd.getrandbits(128)) for _ in range(count)]
    return found + [UUID(int=(u.int & ~((1 << 112) - 1)) | rnd.getrandbits(112))
                    for u in found[: count // 2]]


def test_every_aggregate_proves_its_latest_version_and_nothing_else() -> None:
    latest = {u: (n % 9 + 1, 1000 + n) for n, u in enumerate(ids(200))}
    root = index_root(latest)
    entries = sorted((u.int, index_leaf_hash(u, *v)) for u, v in latest.items())

    for aggregate, (version, leaf) in latest.items():
        proof = subtree_path(entries, aggregate.int)
        assert verify_index_proof(aggregate, version, leaf, proof, root)
        assert not verify_index_proof(aggregate, version - 1, leaf, proof, root)
        assert not verify_index_proof(aggregate, version, leaf - 1, proof, root)
        assert not verify_index_proof(UUID(int=aggregate.int ^ 1), version, leaf, proof, root)


def test_a_proof_cut_short_or_padded_does_not_verify() -> None:
    latest = {u: (2, n) for n, u in enumerate(ids(50))}
    entries = sorted((u.int, index_leaf_hash(u, *v)) for u, v in latest.items())
    root = index_root(latest)
    aggregate = next(iter(latest))
    proof = subtree_path(entries, aggregate.int)

    assert len(proof) >= 16
    assert not verify_index_proof(aggregate, 2, 0, proof[1:], root)
    assert not verify_index_proof(aggregate, 2, 0, [EMPTY, *proof], root)
    assert not verify_index_proof(aggregate, 2, 0, [*proof[:-1], b"short"], root)


def test_the_root_depends_on_every_entry_but_not_on_their_order() -> None:
    latest = {u: (1, n) for n, u in enumerate(ids(40))}
    shuffled = dict(reversed(list(latest.items())))
    grown = {**latest, next(iter(latest)): (2, 99)}

    assert index_root(latest) == index_root(shuffled) != index_root(grown)
    assert index_root({}) == DEFAULTS[0] == subtree_root([])


def test_an_aggregate_not_in_the_index_has_no_proof() -> None:
    latest = {u: (1, n) for n, u in enumerate(ids(10))}
    entries = sorted((u.int, index_leaf_hash(u, *v)) for u, v in latest.items())

    with pytest.raises(KeyError):
        subtree_path(entries, UUID(int=12345).int)
