"""``credit-ledger formulas``: the evaluation formula versions, and publishing a new one.

``list`` shows every version with the dates it is in force; ``publish`` records a version from
a ``Formula`` JSON file (an administrator's account), in force from its ``effective_from``,
which must be after today. Both open the ledger the way ``credit-ledger`` always does.
"""

from __future__ import annotations

import typer

from api.cli.ledger import AccountOption, InputFile, _account, _opened, _read_json, _reported
from ledger import access
from ledger import commands as c
from ledger.formulas import Formula

app = typer.Typer(help="Evaluation formula versions and their effective dates.",
                  no_args_is_help=True)


@app.command("list")
def list_formulas() -> None:
    """Every formula version with the dates it is in force."""
    with _reported(), _opened() as ledger:
        for formula in ledger.formula_book().all():
            until = formula.effective_to or "until a later version starts"
            typer.echo(f"{formula.id}: {formula.effective_from} - {until} ({formula.title})")


@app.command()
def publish(file: InputFile, account: AccountOption = "") -> None:
    """Publish a formula version (a Formula JSON file), in force from its effective date."""
    with _reported():
        formula = Formula.model_validate(_read_json(file))
        with _opened() as ledger:
            cmd = c.PublishFormula(formula=formula)
            ledger.execute(cmd, _account(account, *access.roles(type(cmd))))
    typer.echo(f"published {formula.id}, in force from {formula.effective_from}")
