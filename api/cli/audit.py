"""``credit-ledger audit``: seal the log, sign heads, prove, export and verify bundles, recheck."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from api.cli.app import config
from api.cli.witness import witness
from ledger.clock import parse_instant
from ledger.errors import LedgerError
from ledger.identifiers import body_id
from ledger.proof.audit import ProofReader, Selection, check_log, export_bundle, replay_bundle
from ledger.proof.cosignatures import parse_witnesses
from ledger.proof.note import public_key_from_text
from ledger.proof.pin import CheckpointPin, RewrittenLogError
from ledger.proof.sealer import Sealer, trusted_public_key
from ledger.proof.verify_bundle import verify_bundle
from ledger.store.follow import LogTable
from ledger.store.keys import public_key_text

app = typer.Typer(help="Proofs for auditors: signed tree heads, inclusion and consistency "
                       "proofs, offline bundles.", no_args_is_help=True)
app.command()(witness)

OutOption = Annotated[Path | None, typer.Option("--output", "-o", help="write JSON here")]


def _url() -> str:
    from ledger.store.storage import database_url

    return database_url("sealer", config())


def _ledger(url: str) -> Any:
    from ledger.bootstrap import open_ledger

    return open_ledger(url, personal_data=False)


def _sealer(url: str) -> Sealer:
    ledger = _ledger(url)
    try:
        return Sealer(url, LogTable.of(ledger), config=config())
    finally:
        ledger.close()


def _emit(document: Any, output: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@app.command("public-key")
def public_key() -> None:
    """Print the Ed25519 public key (base64, raw 32 bytes) that verifies tree heads."""
    typer.echo(public_key_text())


@app.command("sealer-status")
def sealer_status() -> None:
    """Print the checkpoint the sealer signed last; exit 1 while it refuses to sign (the
    sealer's health check)."""
    key = trusted_public_key(config())
    if key is None:
        raise _fail("no signing or public key is configured")
    pin = CheckpointPin.for_key(key)
    refusal = pin.refusal()
    try:
        pinned = pin.load()
    except RewrittenLogError as error:
        pinned, refusal = None, refusal or error.reason
    if pinned is None:
        typer.echo(f"no checkpoint pinned in {pin.path}")
    else:
        typer.echo(f"last signed: {pinned.origin}, size {pinned.size}, root {pinned.root.hex()}")
    if refusal:
        raise _fail(f"REFUSING to sign: {refusal}")
    typer.echo("OK: the sealer signs")


@app.command()
def seal(
    follow: Annotated[bool, typer.Option(help="keep following the log until interrupted")] = False,
    head_every: Annotated[float, typer.Option(help="seconds between heads while it grows")] = 5.0,
) -> None:
    """Seal every event not yet in the tree and sign a head if the tree grew."""
    sealer = _sealer(_url())
    if not follow:
        typer.echo(f"sealed {sealer.seal_pending()} events")
        try:
            head = sealer.issue_head(only_if_grown=True).head
        except LedgerError as error:
            raise _fail(str(error)) from None
        typer.echo(f"tree head: size {head.size}, root {head.root.hex()}")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        sealer.run(stop, head_every=head_every)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def head(
    since: Annotated[int | None, typer.Option(help="with a consistency proof from size")] = None,
    output: OutOption = None,
) -> None:
    """Seal what is pending, sign a fresh tree head, and print it."""
    url = _url()
    sealer = _sealer(url)
    sealer.seal_pending()
    try:
        sealer.issue_head()
        _emit(ProofReader(url, sealer.log).head_document(sealer.public_key, since), output)
    except LedgerError as error:
        raise _fail(str(error)) from None


@app.command()
def prove(
    position: Annotated[int | None, typer.Option(help="inclusion of the event here")] = None,
    record: Annotated[UUID | None, typer.Option(help="inclusion of this aggregate's event")] = None,
    version: Annotated[int | None, typer.Option(help="…at this version")] = None,
    first: Annotated[int | None, typer.Option(help="consistency from this tree size")] = None,
    second: Annotated[int | None, typer.Option(help="…to this size (latest head)")] = None,
    size: Annotated[int | None, typer.Option(help="inclusion in this tree size")] = None,
    output: OutOption = None,
) -> None:
    """Print an inclusion proof (--position, or --record with --version) or a consistency proof
    (--first [--second])."""
    url = _url()
    ledger = _ledger(url)
    reader = ProofReader(url, LogTable.of(ledger))
    ledger.close()
    try:
        if first is not None:
            _emit(reader.consistency(first, second), output)
            return
        if position is not None:
            _emit(reader.inclusion(position, size), output)
        elif record is not None and version is not None:
            _emit(reader.inclusion_of_event(record, version, size), output)
        else:
            raise _fail("give --position, --record with --version, or --first")
    except LedgerError as error:
        raise _fail(str(error)) from None


def _subject(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        return body_id(text)  # a government body's unified social credit code


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="the bundle file")],
    record: Annotated[UUID | None, typer.Option(help="one record's history")] = None,
    subject: Annotated[str | None, typer.Option(help="subject id or body credit code")] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="events from (ISO; Beijing time without an offset)")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="events before (ISO; Beijing time without an offset)")] = None,
) -> None:
    """Write a bundle: events, inclusion proofs, signed head, public key, rules and calendars."""
    if record is None and subject is None and (start is None or end is None):
        raise _fail("give --record, --subject, or both --from and --to")
    try:
        selection = Selection(
            record=record, subject=_subject(subject) if subject else None,
            start=parse_instant(start, "from") if start else None,
            end=parse_instant(end, "to") if end else None,
        )
    except LedgerError as error:
        raise _fail(str(error)) from None
    url = _url()
    ledger = _ledger(url)
    try:
        sealer = Sealer(url, LogTable.of(ledger), config=config())
        sealer.seal_pending()
        sealer.issue_head(only_if_grown=True)
        bundle = export_bundle(ledger, url, selection, sealer.public_key)
    except LedgerError as error:
        raise _fail(str(error)) from None
    finally:
        ledger.close()
    output.write_text(json.dumps(bundle, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}: {len(bundle['events'])} events under the head of size "
               f"{bundle['tree_head']['size']}")


@app.command()
def verify(
    bundle: Annotated[Path, typer.Argument(help="a bundle written by `audit export`")],
    newer_head: Annotated[Path | None, typer.Option(
        "--head", help="a later head (from `audit head --since N`) the log must extend to")] = None,
    key: Annotated[str | None, typer.Option(
        "--trusted-key", "--public-key",
        help="the key the ledger publishes (base64, or its note verifier key); default "
             "LEDGER_PUBLIC_KEY")] = None,
    witness: Annotated[list[str] | None, typer.Option(
        help="a witness's verifier key (repeat for each witness you trust)")] = None,
    min_witnesses: Annotated[int | None, typer.Option(
        help="how many of them must have cosigned the head (default: 1 if any is given)")] = None,
) -> None:
    """Check a bundle offline against the trusted key, then replay its records and show the
    status they imply."""
    try:
        trusted = public_key_from_text(key) if key else trusted_public_key(config())
    except ValueError as error:
        raise _fail(f"the trusted key is malformed: {error}") from None
    if trusted is None:
        raise _fail("give the ledger's published key: --trusted-key KEY or LEDGER_PUBLIC_KEY "
                    "(a key inside the bundle proves nothing)")
    document = json.loads(bundle.read_text(encoding="utf-8"))
    newer = json.loads(newer_head.read_text(encoding="utf-8")) if newer_head else None
    try:
        witnesses = parse_witnesses(witness or [])
    except ValueError as error:
        raise _fail(f"a witness key is malformed: {error}") from None
    needed = min_witnesses if min_witnesses is not None else min(1, len(witnesses))
    report = verify_bundle(document, newer_head=newer, trusted_key=trusted,
                           witnesses=witnesses, min_witnesses=needed)
    for note in report.notes:
        typer.echo(f"note: {note}")
    if report.head is not None:
        typer.echo(f"tree head: size {report.head.head.size}, root {report.head.head.root.hex()}")
    if report.newer_head is not None:
        typer.echo(f"newer head: size {report.newer_head.head.size}")
    if report.witnesses:
        typer.echo(f"cosigned by {len(report.witnesses)} witnesses: "
                   + ", ".join(report.witnesses))
    if not report.ok:
        for problem in report.problems:
            typer.echo(f"FAIL {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"OK: {report.events_checked} events are in the signed log")
    for summary in replay_bundle(document):
        if summary["status"] is None:
            typer.echo(f"record {summary['record_id']}: only part of its history is in the "
                       f"bundle ({summary['events']} events)")
            continue
        deadlines = ", ".join(f"{k} due {v}" for k, v in summary["open_deadlines"].items())
        typer.echo(f"record {summary['record_id']}: {summary['status']}"
                   f"{', published' if summary['published'] else ''}"
                   f"{', under objection' if summary['under_objection'] else ''}"
                   f" ({summary['events']} events){'; open: ' + deadlines if deadlines else ''}")


@app.command()
def check() -> None:
    """Rebuild the tree from the database and compare it with every signed head."""
    url = _url()
    sealer = _sealer(url)
    report = check_log(url, sealer.log, sealer.public_key)
    typer.echo(f"rebuilt the tree over {report.events} events; {report.heads_checked} heads")
    if report.bad_signatures:
        typer.echo(f"FAIL {len(report.bad_signatures)} heads are not signed by the ledger's key",
                   err=True)
    if report.first_mismatch:
        typer.echo(f"FAIL {report.first_mismatch}", err=True)
    if report.first_changed_leaf:
        typer.echo(f"first difference: {report.first_changed_leaf}", err=True)
    if report.index_mismatch:
        typer.echo(f"FAIL {report.index_mismatch}", err=True)
    if not report.ok:
        sys.exit(1)
    typer.echo("OK: every signed head matches the log")
