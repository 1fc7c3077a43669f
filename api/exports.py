"""Every list page exports to CSV and xlsx: the same rows, the same column titles."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def export(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
           name: str) -> Response:
    """``columns`` are (key, title) pairs; ``fmt`` is csv or xlsx."""
    titles = [title for _, title in columns]
    values = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(titles)
        for line in values:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(buffer.getvalue(), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(titles)
    writer.writerows(values)
    # A BOM so spreadsheet programs read the Chinese text as UTF-8.
    return Response("\ufeff" + text.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})
