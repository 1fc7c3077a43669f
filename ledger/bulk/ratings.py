"""Importing third-party ratings from a CSV or xlsx file (the workbook checks of
``ledger.bulk``): one rating per row, columns ``source``, ``subject_kind`` (body or region),
``subject_code``, ``period``, ``score``, ``scale`` (optional, 100 by default) and
``document``. A rating imported before changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pydantic

from ledger.bulk.records import RowResult, UnreadableRow, explain, read_rows
from ledger.errors import LedgerError
from ledger.events import Actor
from ledger.ratings import ImportRating, Ratings

COLUMNS = ("source", "subject_kind", "subject_code", "period", "score", "scale", "document")
_TEXT = ("period", "subject_code", "source", "document")


def import_ratings(ledger: Ratings, path: Path, actor: Actor) -> Iterator[RowResult]:
    """Import every row's rating; one result per row (``filed`` for a new rating)."""
    for line, fields in read_rows(path):
        if isinstance(fields, UnreadableRow):
            yield RowResult(line, "error", field=fields.field, reason=fields.reason)
            continue
        try:
            cmd = ImportRating.model_validate({
                # A spreadsheet reads a year (2026) or a region code as a number.
                k: str(v) if k in _TEXT and isinstance(v, int) else v
                for k, v in fields.items() if k in COLUMNS and v not in (None, "")})
            done = ledger.import_rating(cmd, actor)
        except pydantic.ValidationError as error:
            field, reason = explain(error)
            yield RowResult(line, "error", field=field, reason=reason)
        except LedgerError as error:
            yield RowResult(line, "error", field=error.field, reason=error.reason)
        else:
            yield RowResult(line, "filed" if done.created else "unchanged", record_id=done.id)
