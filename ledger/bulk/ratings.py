"""Importing third-party ratings from a CSV or xlsx file (the workbook checks of
``ledger.bulk``): one rating per row, columns ``source``, ``subject_kind`` (body or region),
``subject_code``, ``period``, ``score``, ``scale`` (optional, 100 by default) and
``document``. A rating imported before changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.bulk.records import RowResult, take_rows
from ledger.events import Actor
from ledger.ratings import ImportRating, Ratings

COLUMNS = ("source", "subject_kind", "subject_code", "period", "score", "scale", "document")
_TEXT = ("period", "subject_code", "source", "document")


def import_ratings(ledger: Ratings, path: Path, actor: Actor) -> Iterator[RowResult]:
    """Import every row's rating; one result per row (``filed`` for a new rating)."""

    def take(fields: dict[str, Any]) -> tuple[UUID, bool]:
        done = ledger.import_rating(ImportRating.model_validate({
            # A spreadsheet reads a year (2026) or a region code as a number.
            k: str(v) if k in _TEXT and isinstance(v, int) else v
            for k, v in fields.items() if k in COLUMNS and v not in (None, "")}), actor)
        return done.id, done.created

    return take_rows(path, take)
