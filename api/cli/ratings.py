"""``credit-ledger ratings``: import third-party ratings (第三方评价) from a CSV or xlsx file
(``ledger.bulk.ratings``) as an operator or administrator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.ledger import AccountOption, _account, _opened, _reported, _tally
from ledger import access
from ledger.bulk.ratings import import_ratings

app = typer.Typer(help="Third-party ratings with their sources.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help=".csv or .xlsx: source, subject_kind, "
                                              "subject_code, period, score, scale, document")],
    account: AccountOption = "",
) -> None:
    """Import every row as a rating; one imported before changes nothing. Refused rows are
    reported by line, and the exit code is 1."""
    with _reported(), _opened() as ledger:
        actor = _account(account, *access.OPERATORS)
        _tally(import_ratings(ledger, file, actor), "imported")
