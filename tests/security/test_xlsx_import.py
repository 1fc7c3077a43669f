"""The xlsx import cannot be made to work for hours: a zip bomb and a sheet of absurd dimensions
are refused, each with an error naming the file.

On the code before these checks, the bomb was unpacked and parsed in full, the wide sheets were
padded to 16,384 columns a row (billions of cells for a file of a few hundred kilobytes), a row
numbered 99,999,999 made the reader count every empty row before it, and a text file named
.xlsx ended in a ``BadZipFile`` traceback; these tests failed there, the slow ones by running
past their time limit.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from ledger.bulk.records import read_rows
from ledger.errors import ValidationError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>document_number</t></is></c></row>'


def _workbook(path: Path, sheet: bytes) -> Path:
    """A workbook openpyxl wrote, its first sheet replaced by ``sheet``."""
    template = path.with_suffix(".template.xlsx")
    Workbook().save(template)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for part in source.infolist():
            data = source.read(part.filename)
            target.writestr(part.filename,
                            sheet if part.filename == "xl/worksheets/sheet1.xml" else data)
    template.unlink()
    return path


def _sheet(rows: str, dimension: str | None = None) -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = f"<sheetData>{HEADER}{rows}</sheetData>"
    return f'<worksheet xmlns="{NS}">{declared}{body}</worksheet>'.encode()


def _read_within(path: Path, seconds: float) -> BaseException | None:
    """Read every row in a thread; what it raised, failing the test if it is still reading."""
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            for _ in read_rows(path):
                pass
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still reading {path.name} after {seconds} s"
    return outcome[0]


def _refusal(path: Path, seconds: float = 20.0) -> str:
    error = _read_within(path, seconds)
    assert isinstance(error, ValidationError), error
    assert error.field == "file"
    assert path.name in error.reason
    return error.reason


def test_a_workbook_that_unpacks_a_thousand_times_its_size_is_refused_unopened(
    tmp_path: Path,
) -> None:
    padding = " " * (64 * 1024 * 1024)
    bomb = _workbook(tmp_path / "申报.xlsx", _sheet(f"<!--{padding}-->"))
    assert bomb.stat().st_size < 1024 * 1024

    assert "zip bomb" in _refusal(bomb)


def _short_rows(count: int) -> str:
    return "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{r}</t></is></c></row>'
                   for r in range(2, count + 2))


def test_a_sheet_declaring_every_column_excel_has_is_refused_on_opening(
    tmp_path: Path,
) -> None:
    """Each row of such a sheet is padded to the declared last column."""
    wide = _workbook(tmp_path / "wide.xlsx", _sheet(_short_rows(20_000),
                                                    dimension="A1:XFD20001"))

    assert "16,384 columns" in _refusal(wide)


def test_a_sheet_with_a_far_cell_in_every_row_is_refused_at_the_first(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>'
                   for r in range(2, 20_002))
    far = _workbook(tmp_path / "far.xlsx", _sheet(rows))

    assert "column 16,384 of row 2" in _refusal(far)


def test_a_row_numbered_past_excels_last_is_refused(tmp_path: Path) -> None:
    """Every row before it is counted as an empty one."""
    far_down = '<row r="99999999"><c r="A99999999" t="inlineStr"><is><t>x</t></is></c></row>'
    tall = _workbook(tmp_path / "tall.xlsx", _sheet(far_down))

    assert "row 1,048,577" in _refusal(tall)


def test_a_sheet_declaring_more_rows_than_excel_holds_is_refused_on_opening(
    tmp_path: Path,
) -> None:
    tall = _workbook(tmp_path / "tall.xlsx", _sheet("", dimension="A1:B99999999"))

    assert "99,999,999 rows" in _refusal(tall)


def test_a_text_file_named_xlsx_is_refused_by_name(tmp_path: Path) -> None:
    fake = tmp_path / "records.xlsx"
    fake.write_text("document_number\n闽纪〔2026〕1号\n", encoding="utf-8")

    assert "not an Excel workbook" in _refusal(fake)


def test_an_ordinary_workbook_is_read_as_before(tmp_path: Path) -> None:
    """Held before as well: the checks let a workbook of filings through."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["document_number", "region_code"])
    for n in range(1, 301):
        sheet.append([f"闽纪〔2026〕{n}号", 350102])
    path = tmp_path / "ordinary.xlsx"
    book.save(path)

    rows = list(read_rows(path))

    assert len(rows) == 300
    assert rows[0] == (2, {"document_number": "闽纪〔2026〕1号", "region_code": "350102"})


def test_a_refused_workbook_yields_no_row_to_file(tmp_path: Path) -> None:
    """The import's reader fails on its first row, so nothing of such a file is filed."""
    wide = _workbook(tmp_path / "wide.xlsx", _sheet("", dimension="A1:XFD1048576"))

    with pytest.raises(ValidationError, match=r"wide\.xlsx"):
        next(read_rows(wide))
