"""``credit-ledger`` commands on the ledger itself: subjects, filings, imports, timelines, sample.

Every command that appends events acts as a named account (``--account ID`` or
``LEDGER_ACCOUNT``), made with ``credit-ledger accounts create`` like the API's: its id, role and
organisation go into the events, and the ledger checks them as it checks the API's. Filing and
importing need a department account and file only under that department's own credit code;
registering subjects needs an administrator or a department; publishing calendar years an
administrator. Which ledger: ``LEDGER_DATABASE_URL``, else the embedded PostgreSQL under
``LEDGER_HOME`` (``./.ledger``).

A refused command prints ``error: <field>: <reason>`` on stderr and exits with 2; ``import``
exits with 1 when any row was refused.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import pydantic
import typer
from tqdm import tqdm

from api.cli.app import app, config
from api.i18n import waiting_note
from ledger import access
from ledger import commands as c
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.bulk.records import RowResult, explain, import_records, read_rows
from ledger.clock import parse_instant
from ledger.errors import (
    LedgerError,
    PermissionDeniedError,
    RecordNotFoundError,
    ValidationError,
)
from ledger.events import Actor, DomainEvent, Role
from ledger.record_events import RecordFiled
from ledger.sample.load import SampleSummary, load_sample
from ledger.store.storage import database_url
from ledger.values import Organisation, SubjectType

AccountOption = Annotated[str, typer.Option(
    "--account", envvar="LEDGER_ACCOUNT",
    help="the account (credit-ledger accounts create) this command acts as; its id, role and "
         "organisation are recorded on the events it appends")]
InputFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _account(account_id: str, *roles: Role) -> Actor:
    """The active account the command acts as, if its role may run the command."""
    from api.auth import PostgresTokenStore

    if not account_id:
        raise ValidationError("name the account this command acts as (--account ID, or "
                              "LEDGER_ACCOUNT)", field="account")
    settings = config()
    tokens = PostgresTokenStore(database_url("api", settings), config=settings)
    found = [account for account, active in tokens.accounts()
             if account.id == account_id and active]
    if not found:
        raise ValidationError(f"no active account {account_id!r}; create one with "
                              "'credit-ledger accounts create'", field="account")
    account = found[-1]
    if account.role not in roles:
        needed = " or ".join(role.value for role in roles)
        raise PermissionDeniedError(f"account {account_id} is a {account.role.value}; this "
                                    f"command needs a {needed}", field="account")
    return account.actor()


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a refusal into one line on stderr and exit code 2, instead of a traceback."""
    try:
        yield
    except LedgerError as error:
        _fail(error.field, error.reason)
    except pydantic.ValidationError as error:
        _fail(*explain(error))


def _fail(field: str | None, reason: str) -> None:
    typer.echo(f"error: {field}: {reason}" if field else f"error: {reason}", err=True)
    raise typer.Exit(2)


@contextmanager
def _opened(url: str | None = None) -> Iterator[Ledger]:
    settings = config()
    ledger = open_ledger(url or database_url("api", settings), pool_size=2, config=settings)
    try:
        yield ledger
    finally:
        ledger.close()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ValidationError(f"not valid JSON ({error.msg} at line {error.lineno})",
                              field=path.name) from None


# -- subjects and calendars ----------------------------------------------------------------------


@app.command("register-body")
def register_body(
    credit_code: Annotated[str, typer.Option(help="unified social credit code (18 characters)")],
    name: Annotated[str, typer.Option(help="full name, e.g. 福州市财政局")],
    region: Annotated[str, typer.Option(help="6-digit region code, e.g. 350100")],
    parent: Annotated[str | None, typer.Option(help="credit code of the parent body")] = None,
    kind: Annotated[str, typer.Option(help="organ, or e.g. public_institution")] = "organ",
    account: AccountOption = "",
) -> None:
    """Register a government body that records can name."""
    with _reported(), _opened() as ledger:
        cmd = c.RegisterBody(credit_code=credit_code, name=name, region_code=region,
                             parent_code=parent, kind=kind)
        body_id = ledger.execute(cmd, _account(account, *access.roles(c.RegisterBody)))
    typer.echo(f"registered {cmd.credit_code} {cmd.name} ({body_id})")


@app.command("register-civil-servant")
def register_civil_servant(
    body: Annotated[str, typer.Option(help="credit code of the body the person works in")],
    position: Annotated[str, typer.Option(help="position, e.g. 科长")],
    name: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                      help="name (asked for, unseen, if left out)")],
    citizen_id: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                            help="citizen ID (asked for, unseen, if left out)")],
    account: AccountOption = "",
) -> None:
    """Register a civil servant; the name and ID are stored encrypted and never shown."""
    with _reported(), _opened() as ledger:
        cmd = c.RegisterCivilServant(citizen_id=citizen_id, name=name, body_code=body,
                                     position=position)
        person_id = ledger.execute(cmd, _account(account, *access.roles(c.RegisterCivilServant)))
    typer.echo(f"registered civil servant {person_id}")


@app.command("publish-calendar-year")
def publish_calendar_year(file: InputFile, account: AccountOption = "") -> None:
    """Publish one year's holidays and make-up working days (same as ``calendar publish``)."""
    from api.cli.calendar import publish_file

    publish_file(file, account)


# -- filing --------------------------------------------------------------------------------------


@app.command("file")
def file_record(record: InputFile, account: AccountOption = "") -> None:
    """File one record from a JSON file; sending the same file again files nothing."""
    with _reported():
        cmd = c.FileRecord.model_validate(_read_json(record))
        with _opened() as ledger:
            filing = ledger.file_record(cmd, _account(account, *access.roles(c.FileRecord)))
    typer.echo(f"{filing.record_id} {'filed' if filing.created else 'already filed'}")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help=".csv, .jsonl or .xlsx")],
    report: Annotated[Path | None, typer.Option(help="write every row's result to this CSV")]
    = None,
    account: AccountOption = "",
) -> None:
    """File every row of a file; report refused and already-filed rows by line."""
    counts: Counter[str] = Counter()
    with _reported(), _opened() as ledger, _report_writer(report) as write, tqdm(
        desc=file.name, unit=" rows", file=sys.stderr, disable=None
    ) as bar:
        clerk = _account(account, Role.SOURCE_DEPARTMENT)
        results = import_records(ledger, read_rows(file), clerk,
                                 on_progress=bar.update)
        for result in results:
            counts[result.status] += 1
            write(result)
            if result.status != "filed":
                tqdm.write(_row_line(result), file=sys.stdout)
    typer.echo(f"{counts['filed']} filed, {counts['unchanged']} unchanged, "
               f"{counts['error']} errors")
    if counts["error"]:
        raise typer.Exit(1)


def _tally(results: Iterable[RowResult], taken: str) -> None:
    """Print each row not taken as new, then the counts (``taken`` names the new ones); exit
    code 1 when a row was refused."""
    counts: Counter[str] = Counter()
    for result in results:
        counts[result.status] += 1
        if result.status != "filed":
            typer.echo(_row_line(result))
    typer.echo(f"{counts['filed']} {taken}, {counts['unchanged']} unchanged, "
               f"{counts['error']} errors")
    if counts["error"]:
        raise typer.Exit(1)


def _row_line(result: RowResult) -> str:
    if result.status == "unchanged":
        return f"line {result.line}: unchanged {result.record_id}"
    where = f"{result.field}: " if result.field else ""
    return f"line {result.line}: error: {where}{result.reason}"


@contextmanager
def _report_writer(path: Path | None) -> Iterator[Callable[[RowResult], None]]:
    if path is None:
        yield lambda result: None
        return
    # With a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "status", "record_id", "field", "reason"])
        yield lambda r: writer.writerow([r.line, r.status, r.record_id or "", r.field or "",
                                         r.reason or ""])


# -- reading -------------------------------------------------------------------------------------


@app.command()
def timeline(
    record_id: Annotated[str, typer.Argument(help="the record's id")],
    as_of: Annotated[str | None, typer.Option(
        help="show the record as it stood then: 2026-05-06 09:30 (Beijing time), "
             "2026-05-06T01:30Z or 2026-05-06")] = None,
) -> None:
    """Every event of a record: version, time (UTC), event, actor, and its key facts."""
    with _reported():
        rid = _uuid(record_id)
        at = parse_instant(as_of) if as_of else None
        with _opened() as ledger:
            events = ledger.timeline(rid, at)
        if not events:
            raise RecordNotFoundError(f"the record did not exist at {as_of}", field="as_of")
    for event in events:
        typer.echo(describe_event(event))


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ValidationError("is not a record id (a UUID)", field="record_id") from None


def describe_event(event: DomainEvent) -> str:
    """One line per event, with structured facts only: no free text, no personal data."""
    stamp = event.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head = (f"{event.originator_version:>3}  {stamp}  {type(event).__name__:<32}  "
            f"{event.actor.role.value}/{event.actor.id}")
    facts = _filed_facts(event) if isinstance(event, RecordFiled) else _facts(event)
    return f"{head}  {'; '.join(facts)}".rstrip()


def _filed_facts(event: RecordFiled) -> list[str]:
    content = event.content
    subject = (f"{content.subject_code} {content.subject_name}"
               if content.subject_type is SubjectType.BODY else "a civil servant")
    return [f"subject {subject}", f"document {content.document_number}",
            f"decided {content.decision_date}", f"{content.category.value}",
            f"{content.domain.value}", f"{content.severity.value}", f"scope {content.scope.value}",
            f"rules {event.rule_set_id}",
            f"publicity {event.publicity_starts}..{event.publicity_max_end}"]


def _facts(event: DomainEvent) -> list[str]:
    data: dict[str, Any] = dict(event)
    facts: list[str] = []
    for name, show in _SHOWN.items():
        value = data.get(name)
        if value is not None and value != () and value != {}:
            facts.append(show(value))
    return facts


def _deadline(value: Any) -> str:
    if value.due is None:
        note = waiting_note(value.starts_on, value.length, value.unit, value.awaiting, "en")
        return f"{value.key}: {note}"
    return f"{value.key} due {value.due}"


def _to(value: Any) -> str:
    return f"to {value.name}" if isinstance(value, Organisation) else f"to {value}"


_SHOWN: dict[str, Callable[[Any], str]] = {
    "number": lambda v: f"no. {v}",
    "kind": lambda v: str(v.value if hasattr(v, "value") else v),
    "outcome": lambda v: f"outcome {v.value}",
    "approved": lambda v: "approved" if v else "refused",
    "upheld": lambda v: "upheld" if v else "overturned",
    "months": lambda v: f"{v} months",
    "starts_on": lambda v: f"from {v}",
    "ends_on": lambda v: f"until {v}",
    "on": lambda v: f"on {v}",
    "key": lambda v: f"deadline {v}",
    "working_days": lambda v: f"+{v} working days",
    "working_days_before": lambda v: f"{v} working days before",
    "reason": lambda v: f"reason {v}",
    "case_number": lambda v: f"case {v}",
    "to": _to,
    "platforms": lambda v: f"to {', '.join(v)}",
    "starts": _deadline,
    "answer": _deadline,
    "review_request_until": lambda v: f"review may be requested until {v}",
    "closes": lambda v: f"closes {', '.join(v)}",
    "changes": lambda v: f"changes {', '.join(sorted(v))}",
}


# -- sample data ----------------------------------------------------------------------------------


@app.command("load-sample")
def load_sample_command() -> None:
    """Load the Fujian sample data set (bodies, civil servants, ~300 records) if it is missing."""
    with _reported():
        settings = config()
        url = database_url("api", settings)
        summary = load_sample(lambda clock: open_ledger(url, clock=clock, pool_size=2,
                                                        config=settings))
    for line in _describe_sample(summary):
        typer.echo(line)


def _describe_sample(summary: SampleSummary) -> list[str]:
    verb = "loaded" if summary.loaded else "already there"
    lines = [f"sample {verb}: {summary.bodies} government bodies, {summary.civil_servants} "
             f"civil servants, {summary.records} records; {summary.events} events in the log",
             "a record for each part of the life cycle (credit-ledger timeline ID):"]
    lines += [f"  {rid}  {story.replace('_', ' ')}" for story, rid in summary.examples.items()]
    return lines
