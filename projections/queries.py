"""What every view's queries share: the connection type, one way to run a query on the
``views`` schema, the business date, the region a filter means and the page limits.

Each view's own queries live next to the code that writes the view (``projections.records``,
``deadlines``, ``disclosure``, ``subjects``, ``rollup``, ``commitments``, ``leads`` …). They
take an open psycopg connection and read only the ``views`` schema. Rules that depend on
today's date (the publicity window, sanctions in force, working days left) are applied there,
with ``today`` defaulting to the business date in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ledger.clock import business_date, system_clock
from ledger.errors import ValidationError
from ledger.regions import RegionTable, fujian
from projections.view import VIEWS_SCHEMA

MAX_PER_PAGE = 100
LIMIT = 500
"""How many rows a register list returns at most (commitments, leads)."""
Conn = psycopg.Connection[Any]


def or_today(day: date | None) -> date:
    """``day``, or today's business date if none is given."""
    return day or business_date(system_clock())


def fetch(conn: Conn, query: str, params: Sequence[Any] | dict[str, Any] = (), *,
          prepare: bool | None = None) -> list[dict[str, Any]]:
    """The rows of ``query``, where ``{v}`` names the views' schema."""
    statement = sql.SQL(query).format(v=sql.Identifier(VIEWS_SCHEMA))
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(statement, params, prepare=prepare)
        return cursor.fetchall()


def current_region(code: str, regions: RegionTable | None) -> str:
    """The code a region filter matches: the current code, since chains hold current codes."""
    return (regions or fujian()).current(code, field="region").code


def check_page(page: int, per_page: int) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page must be ≥ 1 and per_page 1–{MAX_PER_PAGE}", field="page")
