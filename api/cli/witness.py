"""``credit-ledger audit witness``: follow a ledger's public checkpoints and cosign them."""

from __future__ import annotations

import base64
import os
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.proof.note import COSIGNATURE_V1, ED25519, NoteError, parse_verifier_key, verifier_key
from ledger.proof.witness import SplitViewError, Witness, follow, http_fetch


def witness_key(path: Path) -> Ed25519PrivateKey:
    """The witness's own Ed25519 key (base64 of 32 bytes in ``path``), made on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(os.urandom(32)))
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_bytes()))


def _submit(prefix: str) -> Callable[[str], None]:
    def submit(note: str) -> None:
        request = urllib.request.Request(f"{prefix.rstrip('/')}/cosignatures",
                                         data=note.encode(), method="POST",
                                         headers={"Content-Type": "text/plain; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=10):
            pass

    return submit


def witness(
    log: Annotated[str, typer.Option(help="the log's URL prefix (where /checkpoint is)")],
    log_key: Annotated[str, typer.Option(
        help="the log's verifier key, origin+keyid+key (from /api/v1/audit/public-key)")],
    name: Annotated[str, typer.Option(help="this witness's name, e.g. audit.fj.gov.cn/w1")],
    key_file: Annotated[Path, typer.Option(help="this witness's private key (made if absent)")],
    state: Annotated[Path, typer.Option(help="folder of the checkpoints it cosigned")],
    every: Annotated[float, typer.Option(help="seconds between two looks")] = 10.0,
    rounds: Annotated[int | None, typer.Option(help="stop after this many looks")] = None,
    submit: Annotated[bool, typer.Option(help="send the cosignatures back to the log")] = True,
) -> None:
    """Follow a log's checkpoints, check each extends the last from its tiles, and cosign it;
    exit 2 on a split view (the conflicting checkpoint is kept as evidence)."""
    try:
        origin, kind, public = parse_verifier_key(log_key)
    except NoteError as error:
        raise typer.BadParameter(str(error), param_hint="--log-key") from None
    if kind != ED25519:
        raise typer.BadParameter("the log's key is an Ed25519 note key", param_hint="--log-key")
    key = witness_key(key_file)
    mine = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    typer.echo(f"witness key: {verifier_key(name, mine, COSIGNATURE_V1)}")
    me = Witness(name, key, origin, public, state)
    try:
        follow(me, http_fetch(log), _submit(log) if submit else None, typer.echo,
               every=every, rounds=rounds)
    except SplitViewError as split:
        typer.echo(f"SPLIT VIEW of {origin}: {split.reason}; not cosigned; evidence in "
                   f"{split.evidence}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass
