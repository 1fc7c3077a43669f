"""``third_party_ratings``: every third-party rating imported, with its source, subject, period
and the score read out of 100 — what the evaluation weighs (``projections.plan_inputs``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ledger.events import DomainEvent
from ledger.ratings import ThirdPartyRating
from projections.log import Entry
from projections.tables import Table
from projections.view import VIEWS_SCHEMA, RowView

RATINGS = Table(
    name="third_party_ratings",
    columns=(
        ("rating_id", "uuid"),
        ("source", "text NOT NULL"),
        ("subject_kind", "text NOT NULL"),
        ("subject_code", "text NOT NULL"),
        ("subject_name", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("region_chain", "text[] NOT NULL"),
        ("period", "text NOT NULL"),
        ("period_end", "date NOT NULL"),
        ("score", "numeric NOT NULL"),
        ("scale", "numeric NOT NULL"),
        ("out_of_100", "numeric NOT NULL"),
        ("document", "text NOT NULL"),
        ("imported_on", "date NOT NULL"),
        ("position", "bigint NOT NULL"),
    ),
    key=("rating_id",),
    indexes=("(subject_kind, subject_code)", "USING gin (region_chain)"),
)


class ThirdPartyRatings(RowView):
    """Every third-party rating, by subject and region."""

    name = "third_party_ratings"
    tables = (RATINGS,)
    handles = frozenset({ThirdPartyRating.Imported})

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.rows.start_page()  # a rating is one event: every row of a page is new

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        assert isinstance(event, ThirdPartyRating.Imported)
        self.rows.put({
            "rating_id": event.originator_id, "source": event.source,
            "subject_kind": event.subject_kind, "subject_code": event.subject_code,
            "subject_name": event.subject_name, "region_code": event.region_code,
            "region_chain": self.regions.reporting_chain(event.region_code),
            "period": event.period, "period_end": event.period_end, "score": event.score,
            "scale": event.scale,
            "out_of_100": (event.score * 100 / event.scale).quantize(Decimal("0.01")),
            "document": event.document, "imported_on": event.imported_on,
            "position": position,
        })


def ratings(conn: psycopg.Connection[Any], *, region: str | None = None,
            subject: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Ratings within a region (those of the region itself and of bodies and regions below
    it) or of one subject, latest period first."""
    query = sql.SQL(
        "SELECT rating_id, source, subject_kind, subject_code, subject_name, region_code, "
        "period, period_end, score, scale, out_of_100, document, imported_on FROM {} "
        "WHERE (%(region)s::text IS NULL OR %(region)s = ANY(region_chain)) "
        "AND (%(subject)s::text IS NULL OR subject_code = %(subject)s) "
        "ORDER BY period_end DESC, subject_code, source LIMIT %(limit)s"
    ).format(RATINGS.ident(VIEWS_SCHEMA))
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(query, {"region": region, "subject": subject, "limit": limit})
        return cursor.fetchall()
