"""A file uploaded through a page's form or the API, saved to a temporary folder first: the
importers read a path, and an xlsx file must be checked before it is opened."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from ledger.bulk.records import RowResult

CSV_XLSX = (".csv", ".xlsx")


def suffix_of(file: UploadFile | None, suffixes: tuple[str, ...]) -> str | None:
    """The upload's lower-case suffix when it is one of ``suffixes``; None when no file was
    chosen or it is of another kind."""
    if file is None:
        return None
    suffix = Path(file.filename or "").suffix.lower()
    return suffix if suffix in suffixes else None


@contextmanager
def saved(file: UploadFile, suffix: str, prefix: str) -> Iterator[Path]:
    """The upload written to a temporary file with ``suffix``, removed on leaving."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            while chunk := file.file.read(1024 * 1024):
                out.write(chunk)
        yield path


def rows_report(results: list[RowResult], shown: int = 0) -> dict[str, Any]:
    """What an import page reports: the rows taken, counted by what became of them, every
    refused row, and up to ``shown`` of the others."""
    counts = {status: sum(1 for r in results if r.status == status)
              for status in ("filed", "unchanged", "error")}
    others = [r for r in results if r.status != "error"]
    return {"counts": counts, "rows": len(results),
            "errors": [r for r in results if r.status == "error"],
            "others": others[:shown], "more": max(0, len(others) - shown)}
