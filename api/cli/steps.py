"""``credit-ledger steps``: the registered lifecycle steps (``ledger.lifecycle``), listed and
taken from a JSON file under an account, through ``Ledger.execute`` as the API takes them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.ledger import AccountOption, _account, _opened, _read_json, _reported
from ledger import lifecycle

app = typer.Typer(help="Lifecycle steps of records, commitments and leads.", no_args_is_help=True)
NAMES = {step.name: step for step in lifecycle.STEPS}


@app.command("list")
def list_steps() -> None:
    """Every step: its name, the roles that may take it, and its API path under a record."""
    for step in lifecycle.STEPS:
        where = f"POST /api/v1/records/{{record_id}}/{step.path}" if step.path else "-"
        typer.echo(f"{step.name}\t{', '.join(r.value for r in step.roles)}\t{where}")


@app.command("take")
def take(
    name: Annotated[str, typer.Argument(help="the step, as ``steps list`` names it")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="JSON: the command's fields (record_id …)")],
    account: AccountOption = "",
) -> None:
    """Take one step as the account; prints what it answers (a matter's number), if anything."""
    with _reported():
        step = NAMES.get(name)
        if step is None:
            raise typer.BadParameter(f"no step {name!r}; see credit-ledger steps list",
                                     param_hint="NAME")
        cmd = step.command.model_validate(_read_json(file))
        with _opened() as ledger:
            answer = ledger.execute(cmd, _account(account, *step.roles))
    typer.echo(f"{step.name}: done" + ("" if answer is None else f" ({answer})"))
