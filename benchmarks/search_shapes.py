"""The searches the public runs on the disclosure pages, timed in-process and over HTTP.

Each shape draws its values (a city, a county, a body's name, a document number …) from the
populated table or the region table, so consecutive searches differ as they do in use. Shapes
are run round-robin, each search once through ``disclosure.public_disclosure`` on a connection of
its own and once over HTTP through ``GET /api/v1/public/records`` (and, for some, the page
``/``), so every figure comes from the same mix.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from benchmarks.disclosure_data import DEPARTMENTS
from ledger.regions import fujian
from ledger.values import Category, Severity
from projections import disclosure

Params = dict[str, Any]


@dataclass
class Shape:
    name: str
    make: Callable[[random.Random], Params]
    page: bool = False
    """Also time the public page ``/`` (20 a page)."""
    sql: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    html: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


def shapes(conn: psycopg.Connection[Any]) -> list[Shape]:
    rows = conn.execute(
        "SELECT subject_code, subject_name, document_number, region_code "
        "FROM views.public_disclosure TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 500"
    ).fetchall()
    table = fujian()
    cities = [r.code for r in table.all() if r.level == "city"]
    counties = [r for r in table.all() if r.level == "county" and not r.retired]
    categories = [c.value for c in Category]

    def pick(column: int) -> Callable[[random.Random], str]:
        return lambda rnd: str(rnd.choice(rows)[column])

    code, name, document = pick(0), pick(1), pick(2)
    return [
        Shape("no filter", lambda rnd: {}, page=True),
        Shape("city", lambda rnd: {"region": rnd.choice(cities)}),
        Shape("county", lambda rnd: {"region": rnd.choice(counties).code}),
        Shape("category", lambda rnd: {"category": rnd.choice(categories)}),
        Shape("city + category", lambda rnd: {"region": rnd.choice(cities),
                                              "category": rnd.choice(categories)}, page=True),
        Shape("severity", lambda rnd: {"severity": rnd.choice(list(Severity)).value}),
        Shape("county + category + severity", lambda rnd: {
            "region": rnd.choice(counties).code, "category": rnd.choice(categories),
            "severity": rnd.choice(list(Severity)).value}),
        Shape("q: 2 characters (a district)",
              lambda rnd: {"q": rnd.choice(counties).name[:2]}, page=True),
        Shape("q: a kind of body (自然资源局)", lambda rnd: {"q": rnd.choice(DEPARTMENTS)}),
        Shape("q: a body's full name", lambda rnd: {"q": name(rnd)}, page=True),
        Shape("q: part of a name", lambda rnd: {"q": name(rnd)[3:]}),
        Shape("q: credit code", lambda rnd: {"q": rnd.choice([str.lower, str.upper])(code(rnd))}),
        Shape("q: document number", lambda rnd: {"q": document(rnd)}),
        Shape("q: part of a document number",
              lambda rnd: {"q": (d := document(rnd))[d.index("〔"):]}),
        Shape("q: no match", lambda rnd: {"q": f"不存在的单位{rnd.randint(1, 10**6)}"}),
        Shape("q + city + category", lambda rnd: {
            "q": rnd.choice(DEPARTMENTS), "region": rnd.choice(cities),
            "category": rnd.choice(categories)}),
        Shape("page 10", lambda rnd: {"page": 10}),
        Shape("page 50 (the deepest)", lambda rnd: {"page": 50}, page=True),
        Shape("city, page 50", lambda rnd: {"region": rnd.choice(cities), "page": 50}),
        Shape("q: a kind of body, page 50",
              lambda rnd: {"q": rnd.choice(DEPARTMENTS), "page": 50}),
    ]


def run(conn: psycopg.Connection[Any], base: str, every: list[Shape], rounds: int,
        seed: int = 3) -> None:
    """Time every shape ``rounds`` times, round-robin, after one round of warm-up."""
    rnd = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as http:
        for n in range(rounds + 1):
            for shape in every:
                params = shape.make(rnd)
                timed = n > 0
                started = time.perf_counter()
                found = disclosure.public_disclosure(conn, **params)
                if timed:
                    shape.sql.append(time.perf_counter() - started)
                    shape.totals.append(found.total)
                _get(http, "/api/v1/public/records", params, shape.api if timed else None)
                if shape.page:
                    _get(http, "/", params, shape.html if timed else None)


def _get(http: httpx.Client, path: str, params: Params, into: list[float] | None) -> None:
    started = time.perf_counter()
    response = http.get(path, params=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text[:200]}")
    if into is not None:
        into.append(elapsed)


def p99(values: list[float]) -> float:
    """The nearest-rank 99th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def _ms(values: list[float]) -> str:
    if not values:
        return f"{'—':>8} {'—':>8}"
    return f"{statistics.median(values) * 1000:8.1f} {p99(values) * 1000:8.1f}"


def report(every: list[Shape], goal_ms: float) -> float:
    """Print p50/p99 per shape; return the worst p99 of the in-process and API timings."""
    print(f"{'shape':<32} {'matches':>8}  {'function (ms)':>17}  {'GET /api/v1/…':>17}  "
          f"{'page / (ms)':>17}")
    print(f"{'':<32} {'(median)':>8}  {'p50':>8} {'p99':>8}  {'p50':>8} {'p99':>8}  "
          f"{'p50':>8} {'p99':>8}")
    for shape in every:
        total = int(statistics.median(shape.totals))
        shown = f"{total:,}+" if total >= disclosure.TOTAL_CAP else f"{total:,}"
        print(f"{shape.name:<32} {shown:>8}  {_ms(shape.sql)}  {_ms(shape.api)}  "
              f"{_ms(shape.html)}")
    worst = max(p99(v) for s in every for v in (s.sql, s.api) if v) * 1000
    print(f"worst p99 (function or API): {worst:.1f} ms  (goal ≤ {goal_ms:.0f} ms: "
          f"{'met' if worst <= goal_ms else 'NOT met'})")
    return worst
