"""Queries over the commitment and lead views, for the API and the pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row

from ledger.errors import LedgerError
from ledger.regions import RegionTable, fujian
from projections.leads import OUTCOMES
from projections.queries import Conn

LIMIT = 500


def _rows(conn: Conn, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return list(cur.fetchall())


_COMMITMENTS_WHERE = """
    WHERE (%(department)s::text IS NULL OR department_code = %(department)s)
      AND (%(maker)s::text IS NULL OR maker_code = %(maker)s)
      AND (%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text])
      AND (%(state)s::text IS NULL OR state = %(state)s)
      AND (%(kind)s::text IS NULL OR kind = %(kind)s)
      AND (NOT %(public_only)s OR public)"""


def commitments(conn: Conn, *, department: str | None = None, maker: str | None = None,
                region: str | None = None, state: str | None = None, kind: str | None = None,
                public_only: bool = False, limit: int = LIMIT, offset: int = 0) -> (
    list[dict[str, Any]]
):
    """Commitments, due soonest first; filtered by department, maker, region (and the regions
    under it), state, kind, or to the public ones."""
    return _rows(conn, f"""
        SELECT * FROM views.commitments {_COMMITMENTS_WHERE}
        ORDER BY due NULLS LAST, made_on, commitment_id
        LIMIT %(limit)s OFFSET %(offset)s""",
        {"department": department, "maker": maker, "region": region, "state": state,
         "kind": kind, "public_only": public_only, "limit": limit, "offset": offset})


def breach_proposals(conn: Conn, *, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Breaches proposed by departments and awaiting a reviewer, oldest first."""
    return _rows(conn, """
        SELECT * FROM views.commitments WHERE proposed_on IS NOT NULL
        ORDER BY proposed_on, commitment_id LIMIT %(limit)s""", {"limit": limit})


def count_commitments(conn: Conn, *, department: str | None = None, maker: str | None = None,
                      region: str | None = None, state: str | None = None,
                      kind: str | None = None, public_only: bool = False) -> int:
    """How many commitments ``commitments`` would list with no limit."""
    found = _rows(conn, f"SELECT count(*) AS n FROM views.commitments {_COMMITMENTS_WHERE}",
                  {"department": department, "maker": maker, "region": region,
                   "state": state, "kind": kind, "public_only": public_only})
    return int(found[0]["n"])


def commitment(conn: Conn, commitment_id: UUID) -> dict[str, Any] | None:
    found = _rows(conn, "SELECT * FROM views.commitments WHERE commitment_id = %(id)s",
                  {"id": commitment_id})
    return found[0] if found else None


_LEADS_WHERE = """
    WHERE (%(department)s::text IS NULL OR department_code = %(department)s)
      AND (%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text])
      AND (%(origin)s::text IS NULL OR origin = %(origin)s)
      AND (NOT %(open_only)s OR outcome IS NULL)"""


def leads(conn: Conn, *, department: str | None = None, region: str | None = None,
          open_only: bool = False, origin: str | None = None, limit: int = LIMIT,
          offset: int = 0) -> list[dict[str, Any]]:
    """Leads, open ones due soonest first, then the answered ones latest first."""
    return _rows(conn, f"""
        SELECT * FROM views.leads {_LEADS_WHERE}
        ORDER BY outcome IS NOT NULL, due NULLS LAST, answered_on DESC, lead_id
        LIMIT %(limit)s OFFSET %(offset)s""",
        {"department": department, "region": region, "origin": origin,
         "open_only": open_only, "limit": limit, "offset": offset})


def count_leads(conn: Conn, *, department: str | None = None, region: str | None = None,
                open_only: bool = False, origin: str | None = None) -> int:
    """How many leads ``leads`` would list with no limit."""
    found = _rows(conn, f"SELECT count(*) AS n FROM views.leads {_LEADS_WHERE}",
                  {"department": department, "region": region, "origin": origin,
                   "open_only": open_only})
    return int(found[0]["n"])


def lead(conn: Conn, lead_id: UUID) -> dict[str, Any] | None:
    found = _rows(conn, "SELECT * FROM views.leads WHERE lead_id = %(id)s", {"id": lead_id})
    return found[0] if found else None


def disclosed(conn: Conn, record_ids: list[UUID], today: date) -> set[UUID]:
    """Which of these records the public may see today (the condition of
    ``queries.disclosed_record``): a breach record is linked from a public commitment only
    then."""
    if not record_ids:
        return set()
    found = _rows(conn, """
        SELECT record_id FROM views.public_disclosure WHERE published
          AND publicity_starts <= %(today)s AND %(today)s <= publicity_max_end
          AND record_id = ANY(%(ids)s)""", {"today": today, "ids": record_ids})
    return {row["record_id"] for row in found}


def public_commitments(conn: Conn, rows: list[dict[str, Any]], fields: tuple[str, ...],
                       today: date) -> list[dict[str, Any]]:
    """Public commitments as the public sees them: these fields, and the breach record only
    where that record is itself disclosed today."""
    shown = disclosed(conn, [r["record_id"] for r in rows if r.get("record_id")], today)
    return [{k: (None if k == "record_id" and r[k] not in shown else r[k]) for k in fields}
            for r in rows]


def origin_of_record(conn: Conn, record_id: UUID) -> dict[str, Any] | None:
    """The lead or commitment a record was filed on, if any (the link back from the record)."""
    found = _rows(conn, """
        SELECT 'lead' AS kind, lead_id AS id, reference FROM views.leads
        WHERE record_id = %(id)s
        UNION ALL SELECT 'commitment', commitment_id, reference FROM views.commitments
        WHERE record_id = %(id)s""", {"id": record_id})
    return found[0] if found else None


def lead_responses(conn: Conn, *, by: str = "department", region: str | None = None,
                   regions: RegionTable | None = None) -> list[dict[str, Any]]:
    """Response counts, rates and mean days per department, or per region rolled up the
    reporting tree; ``region`` keeps the departments or regions under it."""
    table = regions or fujian()
    rows = _rows(conn, "SELECT * FROM views.lead_responses", {})
    names = {r["department_code"]: r["department_name"] for r in _rows(
        conn, "SELECT DISTINCT ON (department_code) department_code, department_name "
        "FROM views.leads ORDER BY department_code, position DESC", {})}
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        chain = table.reporting_chain(row["region_code"])
        if region is not None and region not in chain:
            continue
        keys = [row["department_code"]] if by == "department" else (
            chain[:chain.index(region) + 1] if region is not None else chain)
        for key in keys:
            into = groups.setdefault(key, {"code": key, "received": 0, "answered": 0,
                                           "answered_in_time": 0, "overdue": 0,
                                           "days_total": 0, **dict.fromkeys(OUTCOMES, 0)})
            for name in into:
                if name != "code":
                    into[name] += row[name]
    found = []
    for key, into in sorted(groups.items()):
        answered = into["answered"]
        found.append({**into, "name": names.get(key) if by == "department"
                      else _region_name(table, key),
                      "answer_share": round(answered / into["received"], 4)
                      if into["received"] else None,
                      "in_time_share": round(into["answered_in_time"] / answered, 4)
                      if answered else None,
                      "mean_days": round(into["days_total"] / answered, 1) if answered else None})
    return found


def _region_name(table: RegionTable, code: str) -> str | None:
    try:
        return table.get(code).name
    except LedgerError:
        return None
