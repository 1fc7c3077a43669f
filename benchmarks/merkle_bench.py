"""Benchmark of the proofs for auditors (outside the test suite).

    python benchmarks/merkle_bench.py                      # small defaults, a few seconds
    python benchmarks/merkle_bench.py --leaves 1000000 --db-events 1000000 --log-events 1000000

Reports, with the goals of issue 5:

* sealing leaves/s (goal ≥ 50k): the tree building alone (leaf encoding, hashing, subtrees)
  and the whole seal on PostgreSQL, with the part spent reading the log measured apart;
* proof generation from the stored tree on PostgreSQL and in memory, and verification
  (goal ≤ 20 µs per inclusion proof) at ``--leaves`` leaves;
* offline verification of a whole log of ``--log-events`` events from its bundle file
  (goal ≤ 60 s for 1M).

PostgreSQL is ``--database-url``, else ``LEDGER_DATABASE_URL``, else an embedded server in a
temporary folder; a fresh database is created for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.proof.pin import CheckpointPin
from ledger.proof.sealer import Frontier, Sealer, batch_proofs, build_leaves, peak_keys, stored_node
from ledger.proof.verify import (
    TreeHead,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_head_signing_bytes,
    verify_consistency,
    verify_inclusion,
)
from ledger.proof.verify_bundle import BUNDLE_FORMAT, b64, stored_event_leaf, verify_bundle
from ledger.store.follow import LogTable
from ledger.store.keys import public_key_bytes
from ledger.store.storage import create_database, scratch_postgres

SEALING_GOAL, VERIFY_GOAL_US, LOG_GOAL_S = 50_000, 20.0, 60.0
TOPIC = "ledger.record_events:ExplanationRequested"


def event_state(n: int) -> bytes:
    """A realistic stored event (~400 bytes); one in ten carries a sealed personal field."""
    state: dict[str, Any] = {
        "actor": {"id": "dept-fj-discipline", "role": "source_department",
                  "subject": "11350000MB01234008"},
        "closes": [],
        "starts": {"calendar_version": "chinesecalendar-1.11.0", "due": "2026-05-26",
                   "escalated": False, "key": "explanation", "kind": "explanation",
                   "overdue": False, "party": "11350102MB0000100H",
                   "rule_set_id": "ndrc-order-36", "starts_on": "2026-05-06", "urged": False},
        "timestamp": f"2026-05-06T01:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000000:06d}Z",
    }
    if n % 10 == 0:
        state["name"] = {"key_id": str(n), "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy" * 4,
                         "digest": f"{n:064x}"}
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()


def log_rows(count: int) -> Iterator[tuple[int, uuid.UUID, int, str, bytes]]:
    ids = [uuid.uuid4() for _ in range(max(1, count // 8))]
    for n in range(count):
        yield n + 1, ids[n % len(ids)], n // len(ids) + 1, TOPIC, event_state(n)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def per_call_us(action: Callable[[int], Any], samples: list[int]) -> float:
    start = time.perf_counter()
    for sample in samples:
        action(sample)
    return (time.perf_counter() - start) / len(samples) * 1e6


def line(label: str, value: str, goal: str = "") -> None:
    print(f"  {label:<52} {value:>16}  {goal}")


# -- tree building and proofs in memory --------------------------------------------------------


def bench_memory(leaves: int, proofs: int) -> None:
    print(f"\ntree building and proofs in memory, {leaves:,} leaves")
    rows = list(log_rows(leaves))
    frontier = Frontier()
    seconds, (leaf_rows, nodes) = timed(lambda: build_leaves(rows, frontier))
    rate = leaves / seconds
    line("sealing, tree building only (leaves/s)", f"{rate:,.0f}",
         f"goal ≥ {SEALING_GOAL:,} → {rate / SEALING_GOAL:.1f}×")
    store = {(0, r[0]): r[3] for r in leaf_rows} | {(lv, i): h for lv, i, h in nodes}
    node = stored_node(lambda level, idx: store[level, idx])
    root = frontier.root()
    rnd = random.Random(5)
    indexes = [rnd.randrange(leaves) for _ in range(proofs)]
    making = per_call_us(lambda i: inclusion_proof(i, leaves, node), indexes)
    line("inclusion proof generation (µs)", f"{making:.1f}")
    firsts = [rnd.randrange(1, leaves) for _ in range(proofs)]
    making = per_call_us(lambda m: consistency_proof(m, leaves, node), firsts)
    line("consistency proof generation (µs)", f"{making:.1f}")
    made = {i: inclusion_proof(i, leaves, node) for i in indexes}
    hashes = {r[0]: r[3] for r in leaf_rows}
    verify_us = per_call_us(lambda i: verify_inclusion(hashes[i], i, leaves, made[i], root),
                            indexes)
    line("inclusion proof verification (µs)", f"{verify_us:.1f}",
         f"goal ≤ {VERIFY_GOAL_US:.0f} µs → {VERIFY_GOAL_US / verify_us:.1f}× under")
    assert all(verify_inclusion(hashes[i], i, leaves, made[i], root) for i in indexes[:50])
    m_roots = {m: _root_of(store, m) for m in firsts[:200]}
    c_proofs = {m: consistency_proof(m, leaves, node) for m in m_roots}
    checking = per_call_us(
        lambda m: verify_consistency(m, leaves, m_roots[m], root, c_proofs[m]), list(m_roots))
    line("consistency proof verification (µs)", f"{checking:.1f}")


def _root_of(store: dict[tuple[int, int], bytes], size: int) -> bytes:
    peaks = [store[k] for k in peak_keys(size)]
    return Frontier(size, peaks).root()


# -- sealing and proofs on PostgreSQL ----------------------------------------------------------


def database(url: str | None) -> str:
    admin = url or os.environ.get("LEDGER_DATABASE_URL")
    if not admin:
        admin = scratch_postgres("clbn")
    return create_database(admin, f"bench_{uuid.uuid4().hex[:8]}")


def bench_database(url: str, events: int, proofs: int) -> None:
    print(f"\nsealing and proofs on PostgreSQL, {events:,} events")
    log = LogTable("public", "bench_events")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_events (originator_id uuid NOT NULL, "
                     "originator_version bigint NOT NULL, topic text, state bytea, "
                     "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
        conn.execute("CREATE UNIQUE INDEX ON bench_events (notification_id)")
        with conn.cursor().copy("COPY bench_events (notification_id, originator_id, "
                                "originator_version, topic, state) FROM STDIN") as copy:
            for row in log_rows(events):
                copy.write_row(row)
        conn.execute("VACUUM ANALYZE bench_events")
    key = Ed25519PrivateKey.generate()
    pin = CheckpointPin.for_key(public_key_bytes(key), Path(tempfile.mkdtemp(prefix="pin")))
    sealer = Sealer(url, log, key=key, batch_size=5000, pin=pin)
    reading = _read_all(sealer, events)
    seconds, sealed = timed(sealer.seal_pending)
    assert sealed == events
    line("sealing, whole (read + build + write) leaves/s", f"{events / seconds:,.0f}",
         f"goal ≥ {SEALING_GOAL:,} → {events / seconds / SEALING_GOAL:.1f}×")
    line("  of which reading the log (s)", f"{reading:.2f}", f"of {seconds:.2f} s")
    head = sealer.issue_head().head
    rnd = random.Random(6)
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = [rnd.randrange(events) for _ in range(proofs)]
        making = per_call_us(
            lambda i: batch_proofs(conn, lambda node: inclusion_proof(i, events, node)), indexes)
        line("inclusion proof from the stored tree (µs, 1 query)", f"{making:.0f}")
        firsts = [rnd.randrange(1, events) for _ in range(proofs)]
        making = per_call_us(
            lambda m: batch_proofs(conn, lambda node: consistency_proof(m, events, node)), firsts)
        line("consistency proof from the stored tree (µs, 1 query)", f"{making:.0f}")
        index = indexes[0]
        leaf = conn.execute("SELECT leaf_hash FROM proofs.leaves WHERE leaf_index = %s",
                            (index,)).fetchone()
        proof = batch_proofs(conn, lambda node: inclusion_proof(index, events, node))
        assert leaf and verify_inclusion(bytes(leaf[0]), index, events, proof, head.root)
    sealer.close()


def _read_all(sealer: Sealer, events: int) -> float:
    query = f"SELECT notification_id, originator_id, originator_version, topic, state FROM " \
            f"{sealer.log.name} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    with psycopg.connect(sealer.url) as conn:
        start, position = time.perf_counter(), 0
        while rows := conn.execute(query, (position, sealer.batch_size)).fetchall():
            position = rows[-1][0]
        return time.perf_counter() - start


# -- offline verification of a whole log -------------------------------------------------------


def bench_offline_log(events: int) -> None:
    print(f"\noffline verification of a whole log, {events:,} events")
    key = Ed25519PrivateKey.generate()
    frontier, entries = Frontier(), []
    for position, originator, version, topic, state in log_rows(events):
        data, stamp = stored_event_leaf(position, str(originator), version, topic, state)
        frontier.append(leaf_hash(data), [])
        entries.append({"leaf_index": position - 1, "position": position, "id": str(originator),
                        "version": version, "topic": topic, "timestamp": stamp,
                        "state": b64(state)})
    head = TreeHead(events, frontier.root(), int(time.time() * 1000))
    bundle = {
        "format": BUNDLE_FORMAT, "selection": {"from": "2026-01-01", "to": "2027-01-01"},
        "public_key": b64(public_key_bytes(key)),
        "tree_head": {"size": head.size, "root": b64(head.root),
                      "timestamp_ms": head.timestamp_ms,
                      "signature": b64(key.sign(tree_head_signing_bytes(head)))},
        "complete_log": True, "events": entries,
        "rule_sets": {"ndrc-order-36": {}}, "calendar_versions": ["chinesecalendar-1.11.0"],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.json"
        path.write_text(json.dumps(bundle))
        del bundle, entries
        size_mb = path.stat().st_size / 1e6
        loading, document = timed(lambda: json.loads(path.read_text()))
        checking, report = timed(lambda: verify_bundle(
            document, trusted_key=public_key_bytes(key)))
    assert report.ok, report.problems[:3]
    total = loading + checking
    line(f"bundle file ({size_mb:,.0f} MB): reading JSON (s)", f"{loading:.1f}")
    line("checking signature, every leaf, the root (s)", f"{checking:.1f}")
    line("offline verification in all (s)", f"{total:.1f}",
         f"goal ≤ {LOG_GOAL_S:.0f} s"
         f"{'' if events >= 1_000_000 else f' for 1M → ~{total * 1e6 / events:.0f} s scaled'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=100_000, help="in-memory tree size")
    parser.add_argument("--db-events", type=int, default=20_000, help="events sealed in PG")
    parser.add_argument("--log-events", type=int, default=100_000, help="offline log size")
    parser.add_argument("--proofs", type=int, default=2_000, help="proofs timed per kind")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_memory(args.leaves, args.proofs)
    if args.db_events:
        bench_database(database(args.database_url), args.db_events, min(args.proofs, 500))
    if args.log_events:
        bench_offline_log(args.log_events)


if __name__ == "__main__":
    main()
