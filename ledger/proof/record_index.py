"""The record index kept by the sealer: each aggregate's latest version, updated per head.

Storage (schema ``proofs``), written in the same transaction as the head it belongs to:

* ``index_entries``: per aggregate, its latest version and that event's leaf index, and its
  bucket (the first 16 bits of its id);
* ``index_nodes``: the dense top of the tree, ``(depth, prefix)`` for depths 0 … 16, only
  where it differs from an empty subtree; depth 16 holds the root of each bucket;
* ``sealer.indexed``: the tree size the index is at (that of the newest head).

A new head indexes only the leaves since the last one, rebuilds the buckets they touch and the
16 nodes above each. Hashing is ``ledger.proof.verify_index``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ledger.proof.verify_index import (
    DEFAULTS,
    TOP,
    Entry,
    _node,
    index_leaf_hash,
    subtree_path,
    subtree_root,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS proofs.index_entries (
    id uuid PRIMARY KEY, bucket integer NOT NULL, version bigint NOT NULL,
    leaf_index bigint NOT NULL);
CREATE INDEX IF NOT EXISTS index_entries_bucket ON proofs.index_entries (bucket);
CREATE TABLE IF NOT EXISTS proofs.index_nodes (
    depth smallint NOT NULL, prefix integer NOT NULL, hash bytea NOT NULL,
    PRIMARY KEY (depth, prefix));
ALTER TABLE proofs.sealer ADD COLUMN IF NOT EXISTS indexed bigint NOT NULL DEFAULT 0;
"""


def bucket_of(aggregate: UUID) -> int:
    return aggregate.int >> (128 - TOP)


def update_index(conn: psycopg.Connection[Any], log: Any, size: int) -> bytes:
    """Bring the index to the tree of ``size`` leaves (inside the caller's transaction) and
    return its root. ``log`` is the sealer's ``LogTable``."""
    row = conn.execute("SELECT indexed FROM proofs.sealer WHERE log = %s",
                       (log.name,)).fetchone()
    indexed = int(row[0]) if row else 0
    if indexed == 0 or indexed > size:  # a first index, or the tree was reset under it
        conn.execute("TRUNCATE proofs.index_entries, proofs.index_nodes")
        indexed = 0
    latest: dict[UUID, tuple[int, int]] = {}
    for leaf_index, aggregate, version in conn.execute(sql.SQL(
            "SELECT l.leaf_index, e.originator_id, e.originator_version FROM proofs.leaves l "
            "JOIN {} e ON e.notification_id = l.position WHERE l.leaf_index >= %s "
            "AND l.leaf_index < %s").format(log.identifier), (indexed, size)):
        if latest.get(aggregate, (0, -1))[1] < leaf_index:
            latest[aggregate] = (int(version), int(leaf_index))
    if latest:
        _store_entries(conn, latest)
        _rebuild(conn, {bucket_of(a) for a in latest})
    conn.execute("UPDATE proofs.sealer SET indexed = %s WHERE log = %s", (size, log.name))
    return _top(conn, [(0, 0)])[0, 0]


def _store_entries(conn: psycopg.Connection[Any], latest: dict[UUID, tuple[int, int]]) -> None:
    conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS index_batch (id uuid, bucket integer, "
                 "version bigint, leaf_index bigint) ON COMMIT DELETE ROWS")
    with conn.cursor().copy("COPY index_batch (id, bucket, version, leaf_index) FROM STDIN") as (
        copy
    ):
        for aggregate, (version, leaf_index) in latest.items():
            copy.write_row((aggregate, bucket_of(aggregate), version, leaf_index))
    conn.execute("INSERT INTO proofs.index_entries SELECT * FROM index_batch ON CONFLICT (id) "
                 "DO UPDATE SET version = EXCLUDED.version, leaf_index = EXCLUDED.leaf_index")
    conn.execute("DELETE FROM index_batch")


def _bucket_entries(conn: psycopg.Connection[Any], buckets: Iterable[int]) -> (
    dict[int, list[Entry]]
):
    found: dict[int, list[Entry]] = {}
    for aggregate, bucket, version, leaf_index in conn.execute(
            "SELECT id, bucket, version, leaf_index FROM proofs.index_entries "
            "WHERE bucket = ANY(%s)", (list(buckets),)):
        found.setdefault(int(bucket), []).append(
            (aggregate.int, index_leaf_hash(aggregate, int(version), int(leaf_index))))
    return found


def _top(conn: psycopg.Connection[Any], keys: Iterable[tuple[int, int]]) -> (
    dict[tuple[int, int], bytes]
):
    """Stored nodes of the dense top, empty-subtree hashes for the ones never stored."""
    wanted = set(keys)
    rows = conn.execute(
        "SELECT n.depth, n.prefix, n.hash FROM proofs.index_nodes n JOIN unnest("
        "%s::smallint[], %s::integer[]) AS k(depth, prefix) USING (depth, prefix)",
        ([k[0] for k in wanted], [k[1] for k in wanted])).fetchall()
    found = {(int(d), int(p)): bytes(h) for d, p, h in rows}
    return {k: found.get(k, DEFAULTS[k[0]]) for k in wanted}


def _rebuild(conn: psycopg.Connection[Any], buckets: set[int]) -> None:
    entries = _bucket_entries(conn, buckets)
    changed = {(TOP, b): subtree_root(entries.get(b, []), TOP) for b in buckets}
    level = set(buckets)
    for depth in range(TOP - 1, -1, -1):
        parents = {p >> 1 for p in level}
        children = {(depth + 1, 2 * p + side) for p in parents for side in (0, 1)}
        known = _top(conn, children - changed.keys()) | changed
        for p in parents:
            changed[depth, p] = _node(known[depth + 1, 2 * p], known[depth + 1, 2 * p + 1])
        level = parents
    conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS index_node_batch (depth smallint, "
                 "prefix integer, hash bytea) ON COMMIT DELETE ROWS")
    with conn.cursor().copy("COPY index_node_batch (depth, prefix, hash) FROM STDIN") as copy:
        for (depth, prefix), digest in changed.items():
            copy.write_row((depth, prefix, digest))
    conn.execute("INSERT INTO proofs.index_nodes SELECT * FROM index_node_batch "
                 "ON CONFLICT (depth, prefix) DO UPDATE SET hash = EXCLUDED.hash")
    conn.execute("DELETE FROM index_node_batch")


def index_proof(conn: psycopg.Connection[Any], aggregate: UUID) -> dict[str, Any] | None:
    """The index entry of ``aggregate`` and its proof (siblings, leaf first), or None."""
    row = conn.execute("SELECT version, leaf_index FROM proofs.index_entries WHERE id = %s",
                       (aggregate,)).fetchone()
    if row is None:
        return None
    bucket = bucket_of(aggregate)
    below = subtree_path(_bucket_entries(conn, [bucket])[bucket], aggregate.int, TOP)
    siblings = [(depth, (bucket >> (TOP - depth)) ^ 1) for depth in range(TOP, 0, -1)]
    above = _top(conn, siblings)
    return {"version": int(row[0]), "leaf_index": int(row[1]),
            "proof": [*below, *(above[k] for k in siblings)]}
