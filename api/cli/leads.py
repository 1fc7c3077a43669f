"""``credit-ledger leads``: take in leads (线索) from a CSV or xlsx file, each sent to the
importing department (``ledger.bulk.leads``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.ledger import AccountOption, _account, _opened, _reported, _tally
from ledger.bulk.leads import import_leads
from ledger.errors import SubjectNotFoundError
from ledger.events import Role
from ledger.values import Organisation

app = typer.Typer(help="Leads: 12345 calls, deputies' suggestions, proposals, media reports.",
                  no_args_is_help=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help=".csv or .xlsx: origin, reference, received_on, "
                                              "summary, body_code")],
    department_name: Annotated[str | None, typer.Option(
        help="the department's name (by default its name as a registered body)")] = None,
    account: AccountOption = "",
) -> None:
    """Take in every row as a lead sent to the account's department; a reference imported
    before changes nothing. Refused rows are reported by line, and the exit code is 1."""
    with _reported(), _opened() as ledger:
        clerk = _account(account, Role.SOURCE_DEPARTMENT)
        code = clerk.subject or ""
        if department_name is None:
            try:
                department_name = ledger.body(code).name
            except SubjectNotFoundError:
                department_name = code
        department = Organisation(name=department_name, code=code)
        _tally(import_leads(ledger, file, department, clerk), "received")
