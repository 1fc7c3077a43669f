"""The plan's inputs to the evaluation (version 3 of the formula on), read from the views:
commitments kept and broken (``commitments``), leads verified and how they ended and the
deputies' suggestions and CPPCC proposals among them (``leads``, ``lead_responses``), and
third-party ratings (``third_party_ratings``).

A body answers for the commitments it made, the leads about it found true, and the leads it had
to verify as the department responsible; a region for all of those within it (rolled up along
the reporting chain, like the records). A rating counts with the latest period each source rated
the body or region for; the rating of a body or region is the mean of its sources' scores out
of 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ledger.formulas import PLAN_METRICS
from ledger.lead_events import LeadOrigin
from ledger.regions import RegionTable
from projections.view import VIEWS_SCHEMA

SUGGESTIONS = [LeadOrigin.NPC_SUGGESTION.value, LeadOrigin.CPPCC_PROPOSAL.value]
RATING = "third_party_score"
"""The key of the mean rating (out of 100) beside the metrics in a row."""

_COMMITMENTS = (
    "SELECT {by} AS code, count(*) FILTER (WHERE state = 'fulfilled')::int "
    "AS commitments_fulfilled, count(*) FILTER (WHERE state = 'breached')::int "
    "AS commitments_breached, count(*) FILTER (WHERE state = 'overdue')::int "
    "AS commitments_overdue FROM {v}.commitments GROUP BY 1"
)
_RESPONSES = (
    "SELECT {by} AS code, sum(received)::int AS leads_received, sum(answered)::int "
    "AS leads_answered, sum(answered_in_time)::int AS leads_answered_in_time, "
    "sum(overdue)::int AS leads_overdue FROM {v}.lead_responses GROUP BY 1"
)
_FOUNDED = (
    "SELECT {by} AS code, count(*)::int AS leads_founded FROM {v}.leads "
    "WHERE outcome IN ('record_filed', 'commitment_breach') GROUP BY 1"
)
_SUGGESTIONS = (
    "SELECT {by} AS code, count(*)::int AS suggestions_received, "
    "count(*) FILTER (WHERE outcome IS NOT NULL)::int AS suggestions_answered, "
    "count(*) FILTER (WHERE outcome IS NOT NULL AND NOT overdue)::int "
    "AS suggestions_answered_in_time, count(*) FILTER (WHERE overdue)::int "
    "AS suggestions_overdue FROM {v}.leads WHERE origin = ANY(%(suggestions)s) GROUP BY 1"
)
_RATINGS = (
    "SELECT subject_code AS code, count(*)::int AS third_party_ratings, "
    "round(avg(out_of_100), 2) AS third_party_score FROM ("
    "SELECT DISTINCT ON (subject_code, source) subject_code, out_of_100 "
    "FROM {v}.third_party_ratings WHERE subject_kind = %(kind)s "
    "ORDER BY subject_code, source, period_end DESC) latest GROUP BY subject_code"
)


def _read(conn: psycopg.Connection[Any], query: str, by: str, schema: str,
          **params: Any) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(sql.SQL(query).format(v=sql.Identifier(schema), by=sql.Identifier(by)),
                       {"suggestions": SUGGESTIONS, **params})
        return cursor.fetchall()


def empty() -> dict[str, Any]:
    return {**dict.fromkeys(PLAN_METRICS, 0), RATING: None}


def body_inputs(conn: psycopg.Connection[Any], schema: str = VIEWS_SCHEMA) -> (
    dict[str, dict[str, Any]]
):
    """Every body's plan inputs by credit code (bodies with none are left out)."""
    found: dict[str, dict[str, Any]] = {}
    for query, by in ((_COMMITMENTS, "maker_code"), (_RESPONSES, "department_code"),
                      (_FOUNDED, "body_code"), (_SUGGESTIONS, "department_code")):
        for row in _read(conn, query, by, schema):
            found.setdefault(row.pop("code"), empty()).update(row)
    for row in _read(conn, _RATINGS, "subject_code", schema, kind="body"):
        found.setdefault(row.pop("code"), empty()).update(row)
    return found


def region_inputs(conn: psycopg.Connection[Any], codes: Iterable[str], table: RegionTable,
                  schema: str = VIEWS_SCHEMA) -> dict[str, dict[str, Any]]:
    """Each region's plan inputs: those within it rolled up, and its own ratings."""
    wanted = set(codes)
    found = {code: empty() for code in wanted}
    chains: dict[str, list[str]] = {}
    for query, by in ((_COMMITMENTS, "region_code"), (_RESPONSES, "region_code"),
                      (_FOUNDED, "region_code"), (_SUGGESTIONS, "region_code")):
        for row in _read(conn, query, by, schema):
            code = row.pop("code")
            if code not in chains:
                chains[code] = table.reporting_chain(code)
            for up in wanted.intersection(chains[code]):
                for name, value in row.items():
                    found[up][name] += value
    for row in _read(conn, _RATINGS, "subject_code", schema, kind="region"):
        code = table.current(row.pop("code")).code
        if code in found:
            found[code].update(row)
    return found


def rating_of(row: dict[str, Any]) -> Decimal | None:
    value = row.get(RATING)
    return None if value is None else Decimal(value)
