"""Finding records among a million disclosed ones: by part of a name or document number, and
by region, category and severity.

Chinese searches are often two characters (a district, "财政"), too short for trigram indexes
alone, so each disclosure row keeps every character and every run of two and of three adjacent
characters of the body's name and the document number, as numbers ("grams"), under a GIN index.
A search looks up its threes (its pair or its character if it is shorter): a row can contain
the text only if it holds them all. The text itself (``strpos`` of the lower-cased texts, as
``ILIKE`` compares) then decides, so the grams only have to be a necessary condition: a number
shared by two grams, or a gram left out, costs time, never a wrong answer.

Grams that many rows hold ("政府", "2024") make the index slow and the planner's guesses wrong
(it takes the grams of one text as independent, and they are not), so a search looks up the
grams the table's statistics do not call common and only the few rarest of those they do.

The same array holds a tag for each region the record reports to, its category and its
severity, so a search with filters is one intersection in one index, and the planner's
estimates for the filters come from the same statistics; and a tag for the quarter of the
decision date, so a search can count and page its newest matches without fetching all of them
(``recent_quarters``, used by ``projections.disclosure``).
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from datetime import date
from typing import Any

import psycopg

from ledger.values import Category, Severity

_CODES = _ABOVE = 0x110000  # code points lie below
_SPREAD = 2**31 - 1 - _ABOVE
COMMON = 0.01
"""A gram in more than this share of the rows narrows a search too little to look up."""
FEW = 3
_STATS_SECONDS = 300.0
_stats: dict[tuple[str, str], tuple[float, dict[int, float]]] = {}
_stats_lock = threading.Lock()


def _gram(text: str) -> int:
    """A character is its code point; two or three are hashed above every code point."""
    codes = [ord(char) for char in text]
    if len(codes) == 1:
        return codes[0]
    pair = codes[0] * _CODES + codes[1]
    return _ABOVE + (pair if len(codes) == 2 else pair * _CODES + codes[2]) % _SPREAD


def _runs(text: str) -> list[str]:
    """The text case-folded as ``ILIKE`` compares it, cut where a character folds to more
    than one (those are left out of the grams rather than guessed)."""
    runs, run = [], ""
    for char in text:
        folded = char.lower()
        if len(folded) == 1:
            run += folded
        elif run:
            runs.append(run)
            run = ""
    return [*runs, run] if run else runs


def row_grams(*texts: str) -> list[int]:
    """Every character, and every two and three adjacent characters, of the texts (as
    ``_gram`` makes them, a run at a time)."""
    grams: set[int] = set()
    for text in texts:
        for run in _runs(text):
            codes = [ord(char) for char in run]
            pairs = [a * _CODES + b for a, b in itertools.pairwise(codes)]
            grams.update(codes)
            grams.update(_ABOVE + pair % _SPREAD for pair in pairs)
            grams.update(_ABOVE + (pair * _CODES + c) % _SPREAD
                         for pair, c in zip(pairs, codes[2:], strict=False))
    return sorted(grams)


def region_tag(code: str) -> int:
    """A region as a key: its six-digit code, negated, so that no gram is ever one."""
    return -int(code)


def value_tag(kind: str, value: str) -> int | None:
    """A category or severity as a key, below every region's; ``None`` for an unknown value."""
    return _VALUE_TAGS.get((kind, value))


def _value_tags() -> dict[tuple[str, str], int]:
    tags = {(kind, v.value): -10**6 - zlib.crc32(f"{kind}:{v.value}".encode()) % 2**30
            for kind, values in (("category", Category), ("severity", Severity))
            for v in values}
    if len(set(tags.values())) != len(tags):
        raise RuntimeError("two filter values share a search tag; change the tag function")
    return tags


_VALUE_TAGS = _value_tags()


_QUARTERS = -1_100_000_000
"""Quarter tags lie below every value tag (``value_tag`` stays above -1,074,741,824)."""


def _quarter(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_tag(day: date) -> int:
    """The quarter of a decision date as a key."""
    return _QUARTERS - _quarter(day)


def recent_quarters(today: date, ahead: int = 4) -> list[list[int]]:
    """Spans of 1, 2, 4, 8 and 16 quarters up to today's, as tags (each also holding the next
    ``ahead`` quarters, so a decision dated ahead of today is never left out of a span)."""
    now = _quarter(today)
    return [[_QUARTERS - q for q in range(now - span + 1, now + ahead + 1)]
            for span in (1, 2, 4, 8, 16)]


def row_keys(name: str, document: str, chain: list[str], category: str, severity: str,
             decided: date) -> list[int]:
    """What a disclosure row can be found by: its texts' grams, its filters' tags and the
    quarter of its decision."""
    tags = {region_tag(c) for c in chain} | {quarter_tag(decided)} | {
        t for t in (value_tag("category", category), value_tag("severity", severity))
        if t is not None}
    return sorted(tags.union(row_grams(name, document)))


def query_grams(text: str) -> list[int]:
    """The grams a row must hold to contain ``text``: its threes, or its pair, or its
    character (for each run of it that folds one character to one)."""
    grams: set[int] = set()
    for run in _runs(text):
        n = min(3, len(run))
        grams |= {_gram(run[i:i + n]) for i in range(len(run) - n + 1)}
    return sorted(grams)


def lookup(conn: psycopg.Connection[Any], schema: str, text: str) -> list[int]:
    """The grams of ``text`` worth looking up in ``schema.public_disclosure``: those the
    statistics do not call common, and the ``FEW`` rarest of those they do."""
    grams = query_grams(text)
    common = _common_grams(conn, schema)
    rare = [g for g in grams if g not in common]
    return rare + sorted((g for g in grams if g in common), key=lambda g: common[g])[:FEW]


def _common_grams(conn: psycopg.Connection[Any], schema: str) -> dict[int, float]:
    """Grams in more than ``COMMON`` of the rows, with their share, as of the last ANALYZE."""
    key = (conn.info.dsn, schema)
    now = time.monotonic()
    with _stats_lock:
        held = _stats.get(key)
    if held is not None and held[0] > now:
        return held[1]
    row = conn.execute(
        "SELECT most_common_elems::text::integer[], most_common_elem_freqs FROM pg_stats "
        "WHERE schemaname = %s AND tablename = 'public_disclosure' "
        "AND attname = 'search_keys'", (schema,)).fetchone()
    # The frequencies end with three summary numbers (minimum, maximum, nulls' share); the
    # filters' tags are negative.
    found = {} if row is None or row[0] is None else {
        g: f for g, f in zip(row[0], row[1], strict=False) if f > COMMON and g >= 0}
    with _stats_lock:
        _stats[key] = (now + _STATS_SECONDS, found)
    return found
