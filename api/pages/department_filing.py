"""A department files records: one with the filing form, or many from a CSV, JSON Lines or
Excel file with the report of every row on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pydantic
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from api import reads
from api.auth import Account
from api.deps import Services, ServicesDep
from api.errors import status_of
from api.i18n import translator
from api.pages import Department, check_csrf, language, region_tree, render
from api.pages.department import CHOICES, organisation_name
from api.pages.filing import (
    SANCTIONS,
    FilingFields,
    filing_data,
    placed,
    refusal,
    refusals,
)
from api.uploads import rows_report, saved, suffix_of
from ledger import commands as c
from ledger import errors as e
from ledger.bulk.records import RowResult, import_records, read_rows
from ledger.values import Scope, SubjectType

router = APIRouter(tags=["pages"])
SUFFIXES = (".csv", ".jsonl", ".xlsx")
SHOWN_ROWS = 500
"""Rows of an import report listed one by one; errors are always listed."""


def _filing_page(request: Request, services: Services, account: Account,
                 typed: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "filing.html", {
        **CHOICES, "typed": typed, "errors": errors,
        "regions": region_tree(reads.region_table(services)),
        "scopes": [s.value for s in Scope], "subject_types": [s.value for s in SubjectType],
        "sanctions": SANCTIONS, "code": account.subject,
    }, account=account, status=status)


@router.get("/department/filing", response_class=Response)
def filing_form(request: Request, services: ServicesDep, account: Department) -> Response:
    """The filing form, with the department's own name and code filled in."""
    name = organisation_name(services, account.subject or "") or ""
    return _filing_page(request, services, account, {
        "source_name": name, "deciding_authority_name": name,
        "deciding_authority_code": account.subject or "", "subject_type": "body",
        "scope": "public", "request_explanation": "true"}, {})


@router.post("/department/filing", response_class=Response)
def file_record(request: Request, services: ServicesDep, account: Department,
                fields: Annotated[FilingFields, Form()]) -> Response:
    """File a record from the form, validated exactly as the API validates a filing."""
    check_csrf(request, fields.csrf)
    lang, typed = language(request), fields.model_dump(exclude={"csrf"})
    data = filing_data(fields, account.subject or "")
    kinds = [s["kind"] for s in data.get("sanctions", [])]
    try:
        filing = services.ledger.file_record(c.FileRecord.model_validate(data), account.actor())
    except pydantic.ValidationError as error:
        return _filing_page(request, services, account, typed,
                            placed(refusals(error, lang, sanctions=kinds), FilingFields), 422)
    except (e.ValidationError, e.NotFoundError, e.ConflictError) as error:
        return _filing_page(request, services, account, typed,
                            placed(refusal(error, lang), FilingFields), status_of(error))
    outcome = "filed" if filing.created else "unchanged"
    return RedirectResponse(f"/department/records/{filing.record_id}?done={outcome}",
                            status_code=303)


@router.get("/department/import", response_class=Response)
def import_form(request: Request, account: Department) -> Response:
    """Upload a CSV, JSON Lines or Excel file of filings."""
    return render(request, "import.html", {"report": None}, account=account)


@router.post("/department/import", response_class=Response)
def import_file(request: Request, services: ServicesDep, account: Department,
                file: Annotated[UploadFile | None, File()] = None,
                csrf: Annotated[str, Form()] = "") -> Response:
    """File every row of an uploaded file; the page reports what became of each row."""
    check_csrf(request, csrf)
    lang = language(request)
    name = Path(file.filename or "").name if file is not None else ""
    suffix = suffix_of(file, SUFFIXES)
    if file is None or suffix is None:
        return render(request, "import.html", {
            "report": None, "errors": {"file": translator(lang)("import_choose_file")},
        }, account=account, status=422)
    results, failure = _import(services, account, file, suffix)
    return render(request, "import.html", {
        "report": rows_report(results, SHOWN_ROWS), "file_name": name,
        "errors": {} if failure is None else refusal(failure, lang),
    }, account=account, status=200 if failure is None else status_of(failure))


def _import(services: Services, account: Account, upload: UploadFile, suffix: str) -> (
    tuple[list[RowResult], e.LedgerError | None]
):
    """The rows filed from the upload; a file that cannot be read further stops the import
    where it is, and the rows before stay filed."""
    results: list[RowResult] = []
    with saved(upload, suffix, "ledger-import-") as path:
        try:
            for result in import_records(services.ledger, read_rows(path), account.actor()):
                results.append(result)
        except e.LedgerError as error:
            return results, error
    return results, None
