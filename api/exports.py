"""Every list page exports to CSV and xlsx: the same rows, the same column titles, as a person
reads them.

Codes are shown by their labels in the page's language (``administrative_penalty`` → 行政处罚,
``True`` → 是), instants in Beijing time. In xlsx, dates, numbers and amounts are real
spreadsheet values (a ``*_yuan`` column as money, a ``*_share`` column as a percentage), the
header row stays in view, and columns are as wide as their text. A list longer than the page
exports has a last row saying so.

Cells come from filings, so they are the filer's text, and a spreadsheet program must never
run them. Text that a spreadsheet would read as a formula (OWASP's "CSV injection": a leading
``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with a single quote, and xlsx
text is written as text cells, never formulas. Numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from api.i18n import FIELDS, TEXTS
from api.readable import cell as readable_cell
from api.readable import label

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CAP = 10_000
"""The most rows one export holds; a longer list says so in its last row."""
MAX_WIDTH = 60


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it and never evaluates it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any, lang: str = "zh") -> Any:
    value = readable_cell(value, lang)
    if value is None:
        return None
    if isinstance(value, int | float | Decimal | date):  # datetimes are dates too
        return value
    return neutralised(str(value))


def _title(key: str, title: str, lang: str) -> str:
    if lang != "en":
        return title
    pair = FIELDS.get(key) or TEXTS.get(key)
    return pair[1] if pair else title


def _text(value: Any) -> str:
    """A cell as CSV text (and as the width of its column)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _number_format(key: str, value: Any) -> str | None:
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, date):
        return "yyyy-mm-dd"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if key.endswith("_yuan"):
            return "#,##0.00"
        if key.endswith("_share"):
            return "0.0%"
    return None


def _xlsx_line(sheet: WriteOnlyWorksheet, line: Sequence[Any], keys: Sequence[str] = (),
               bold: bool = False) -> list[Cell]:
    cells = []
    for n, value in enumerate(line):
        if isinstance(value, str):
            # XML cannot carry control characters; one in a filing must not break the export.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
        else:
            cell = WriteOnlyCell(sheet, value=value)
            shown = _number_format(keys[n] if n < len(keys) else "", value)
            if shown:
                cell.number_format = shown
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _xlsx(name: str, keys: list[str], titles: list[str], values: list[list[Any]],
          note: str | None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])
    sheet.freeze_panes = "A2"
    for n, title in enumerate(titles):
        widest = max([_width(title), *(_width(_text(line[n])) for line in values)])
        sheet.column_dimensions[get_column_letter(n + 1)].width = min(MAX_WIDTH, widest + 2)
    sheet.append(_xlsx_line(sheet, titles, bold=True))
    for line in values:
        sheet.append(_xlsx_line(sheet, line, keys))
    if note:
        sheet.append(_xlsx_line(sheet, [note], bold=True))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
           name: str, *, lang: str = "zh", capped_at: int | None = None) -> Response:
    """``columns`` are (key, Chinese title) pairs; ``fmt`` is csv or xlsx. ``capped_at``: the
    list was cut at that many rows, and the file's last row says so."""
    keys = [key for key, _ in columns]
    titles = [neutralised(_title(key, title, lang)) for key, title in columns]
    values = [[_cell(row.get(key), lang) for key in keys] for row in rows]
    note = None if capped_at is None else label("export_capped", lang).format(n=f"{capped_at:,}")
    if fmt == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(_xlsx(name, keys, titles, values, note), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(titles)
    writer.writerows([_text(value) for value in line] for line in values)
    if note:
        writer.writerow([note])
    # A BOM so spreadsheet programs read the Chinese text as UTF-8.
    return Response("\ufeff" + text.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


def export_capped(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
                  name: str, *, lang: str = "zh") -> Response:
    """``export`` of a list read with one row more than ``EXPORT_CAP``: the first
    ``EXPORT_CAP`` rows, the file's last row saying the list was cut where there were more."""
    capped = len(rows) > EXPORT_CAP
    return export(rows[:EXPORT_CAP], columns, fmt, name, lang=lang,
                  capped_at=EXPORT_CAP if capped else None)
