"""Every list page exports to CSV and xlsx: the same rows, the same column titles.

Cells come from filings, so they are the filer's text, and a spreadsheet program must never
run them. Text that a spreadsheet would read as a formula (OWASP's "CSV injection": a leading
``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with a single quote, and xlsx
text is written as text cells, never formulas. Numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it and never evaluates it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    return neutralised(str(value))


def _xlsx_line(sheet: WriteOnlyWorksheet, line: Sequence[Any]) -> list[Cell]:
    cells = []
    for value in line:
        if isinstance(value, str):
            # XML cannot carry control characters; one in a filing must not break the export.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
        else:
            cell = WriteOnlyCell(sheet, value=value)
        cells.append(cell)
    return cells


def export(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
           name: str) -> Response:
    """``columns`` are (key, title) pairs; ``fmt`` is csv or xlsx."""
    titles = [_cell(title) for _, title in columns]
    values = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        for line in [titles, *values]:
            sheet.append(_xlsx_line(sheet, line))
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
