"""Rows of a department's file (CSV, JSON Lines or Excel) for the bulk import, read lazily.

A row that cannot be turned into fields is still a row: an ``UnreadableRow`` saying why, which
the import reports against its line like any other refused row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.errors import ValidationError

_LIST_SEPARATOR = ";"

Row = tuple[int, dict[str, Any]]


class UnreadableRow(dict[str, Any]):
    """A row a reader could not turn into fields; the import reports it as an error row."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.field = field


def read_rows(path: Path) -> Iterator[Row]:
    """Rows of a ``.csv``, ``.jsonl`` or ``.xlsx`` file as (1-based file line, fields), lazily.

    In CSV and Excel files the first row names the fields; nested fields use dotted names
    (``source.code``), ``responsible_citizen_ids`` and ``sanctions`` (``kind:months``) hold
    several values separated by ``;``, and an empty cell means the field is absent.
    """
    readers = {".csv": _read_csv, ".jsonl": _read_jsonl, ".xlsx": _read_xlsx}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValidationError(f"unsupported file type {path.suffix!r}; use .csv, .jsonl or .xlsx",
                              field="file")
    return reader(path)


def _read_csv(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                return
            headers = [name.strip() or None for name in header]
            last = reader.line_num
            for cells in reader:
                line, last = last + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield line, _fields(headers, cells)
        except UnicodeDecodeError:
            raise ValidationError(
                f"is not UTF-8 text after line {reader.line_num}; save it as CSV UTF-8",
                field="file",
            ) from None


def _read_jsonl(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as error:
                yield line, UnreadableRow(f"not valid JSON ({error.msg} at column {error.colno})")
                continue
            if isinstance(value, dict):
                yield line, value
            else:
                yield line, UnreadableRow("must be a JSON object")


def _read_xlsx(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        headers = [str(name).strip() or None if name is not None else None for name in header]
        for line, cells in enumerate(rows, start=2):
            values = [_excel_value(cell) for cell in cells]
            if any(value is not None for value in values):
                yield line, _fields(headers, values)
    finally:
        workbook.close()


def _excel_value(cell: Any) -> Any:
    """Excel types as the text a CSV would hold: codes typed as numbers, dates as dates."""
    if cell is None or isinstance(cell, bool):
        return cell
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else str(cell)
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date()
    return cell


def _fields(headers: list[str | None], cells: list[Any]) -> dict[str, Any]:
    """Dotted column names into nested fields; empty cells are left out."""
    if len(cells) > len(headers) and any(_present(c) for c in cells[len(headers):]):
        return UnreadableRow(f"has {len(cells)} cells but the header names {len(headers)} columns")
    fields: dict[str, Any] = {}
    for name, cell in zip(headers, cells, strict=False):
        if name is None or not _present(cell):
            continue
        *parents, leaf = name.split(".")
        target = fields
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                return UnreadableRow(f"column {name} conflicts with column {part}", field=name)
        if leaf in target:
            return UnreadableRow(f"column {name} appears twice", field=name)
        target[leaf] = _cell_value(name, cell)
    return fields


def _present(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _cell_value(name: str, cell: Any) -> Any:
    if not isinstance(cell, str):
        return cell
    if name == "responsible_citizen_ids":
        return [part.strip() for part in cell.split(_LIST_SEPARATOR) if part.strip()]
    if name == "sanctions":
        orders = []
        for part in filter(None, (p.strip() for p in cell.split(_LIST_SEPARATOR))):
            kind, _, months = part.partition(":")
            orders.append({"kind": kind.strip(), "months": months.strip()} if months
                          else {"kind": kind.strip()})
        return orders
    return cell.strip()
