"""Excel workbooks checked before and while they are read, so a small file cannot cost hours.

An xlsx file is a zip archive of XML parts. A zip bomb declares parts that unpack to many
gigabytes from a few kilobytes; the archive's directory gives every part's packed and unpacked
size, and reading a part never yields more than its declared size, so the directory is checked
before openpyxl opens anything. A sheet can also claim absurd dimensions: openpyxl pads every
row to the sheet's last column (16,384 in Excel), so one far cell per row multiplies the work
by thousands. The sheet's declared dimensions are checked on opening and each row's width as it
is read. Every refusal names the file and says what to do instead.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ledger.errors import ValidationError

MIB = 1024 * 1024
MAX_PARTS = 10_000
MAX_UNPACKED_BYTES = 4096 * MIB
"""A full sheet of a million filings unpacks to about 1.2 GB."""
MAX_WHOLE_PART_BYTES = 512 * MIB
"""Parts other than worksheets (shared strings, styles) are read into memory whole."""
MAX_RATIO = 200
"""Sheets of filings pack about 20 to 1; a zip bomb packs about 1,000 to 1."""
MAX_COLUMNS = 256
MAX_ROWS = 1_048_576
"""Excel's own limit on rows."""
_SMALL_PART = MIB


def _refuse(path: Path, reason: str) -> ValidationError:
    return ValidationError(f"{path.name} {reason}", field="file")


def check_archive(path: Path) -> None:
    """Refuse a file that is no zip archive, or whose parts unpack to too much."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _refuse(path, "is not an Excel workbook (.xlsx is a zip archive)") from None
    if len(parts) > MAX_PARTS:
        raise _refuse(path, f"holds {len(parts):,} parts; a workbook holds a few dozen")
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise _refuse(path, f"unpacks to {total:,} bytes, more than {MAX_UNPACKED_BYTES:,}; "
                            "split it, or save it as CSV")
    for part in parts:
        if part.file_size > _SMALL_PART and part.file_size > MAX_RATIO * max(1,
                                                                           part.compress_size):
            raise _refuse(path, f"looks like a zip bomb: its part {part.filename} unpacks "
                                f"{part.file_size // max(1, part.compress_size):,} times "
                                "its packed size")
        whole = not part.filename.startswith("xl/worksheets/")
        if whole and part.file_size > MAX_WHOLE_PART_BYTES:
            raise _refuse(path, f"has a part {part.filename} of {part.file_size:,} bytes, "
                                "more than can be read at once; save it as CSV")


def check_dimensions(path: Path, sheet: Any) -> None:
    """Refuse a sheet whose declared dimensions are beyond any list of filings."""
    rows, columns = sheet.max_row, sheet.max_column
    if columns is not None and columns > MAX_COLUMNS:
        raise _refuse(path, f"declares a sheet {columns:,} columns wide; at most "
                            f"{MAX_COLUMNS} are read (delete the far columns)")
    if rows is not None and rows > MAX_ROWS:
        raise _refuse(path, f"declares a sheet of {rows:,} rows; Excel holds {MAX_ROWS:,}")


def check_row(path: Path, line: int, cells: tuple[Any, ...]) -> None:
    """Refuse the file at a row reaching past the last column read or Excel's last row."""
    if len(cells) > MAX_COLUMNS:
        raise _refuse(path, f"has a cell in column {len(cells):,} of row {line}; at most "
                            f"{MAX_COLUMNS} columns are read (delete the far cells)")
    if line > MAX_ROWS:
        raise _refuse(path, f"has a row {line:,}; Excel holds {MAX_ROWS:,}")
