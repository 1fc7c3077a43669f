"""What the sealer last signed, kept outside the database, so a rewritten log is never signed.

Whoever can write to the database can edit an event, reset the proofs tables and delete the old
heads; a sealer that trusted the database would then seal the forged log afresh and sign it
with the genuine key. So the sealer keeps the last checkpoint it signed in a file of its own
(``LEDGER_SEALER_STATE``, by default the folder ``sealer`` in the ledger home; one file per
signing key) and, before every new signature, checks a consistency proof from that checkpoint
to the tree in the database. On a mismatch it signs nothing and raises an alarm: a file beside
the checkpoint (``<name>.refused``, which the health check reads), a row in
``proofs.alarms`` (the API's metric), and a log line. It resumes by itself once the database
holds a log that extends the checkpoint again, for instance after a restore.

A sealer that starts with no file trusts the newest head in the database that its key signed
(or, on an empty database, nothing). A new sealer host therefore needs the file copied from
the old one; the witnesses, which keep their own copies, catch a rewrite either way.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from ledger.config import Config, current
from ledger.errors import ConflictError
from ledger.proof.note import Checkpoint, NoteError, parse_checkpoint, split_note, verify_checkpoint
from ledger.store.storage import ledger_home

logger = logging.getLogger("credit_ledger.sealer")


class RewrittenLogError(ConflictError):
    """The log in the database does not extend the last checkpoint this sealer signed."""


def state_folder(config: Config | None = None) -> Path:
    """``LEDGER_SEALER_STATE``, else the folder ``sealer`` in the ledger home."""
    config = config or current()
    return config.sealer_state or ledger_home(config) / "sealer"


class CheckpointPin:
    """The last checkpoint a sealer signed (a signed note in a file), and its alarm."""

    def __init__(self, path: Path, public_key: bytes) -> None:
        self.path, self.public_key = path, public_key
        self.alarm_path = path.with_name(path.name + ".refused")

    @classmethod
    def for_key(cls, public_key: bytes, folder: Path | None = None) -> CheckpointPin:
        name = hashlib.sha256(public_key).hexdigest()[:16]
        return cls((folder or state_folder()) / f"{name}.checkpoint", public_key)

    def load(self) -> Checkpoint | None:
        """The pinned checkpoint, or None if there is none yet; a file that the key did not
        sign (edited, or another log's) is itself an alarm."""
        try:
            note = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            origin = parse_checkpoint(split_note(note)[0]).origin
            return verify_checkpoint(note, origin, self.public_key)
        except NoteError as error:
            raise RewrittenLogError(f"the pinned checkpoint {self.path} is not one this "
                                    f"sealer signed: {error}", field="checkpoint") from None

    def save(self, note: str) -> None:
        """Replace the pinned checkpoint in one step (written aside, synced, renamed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        with open(draft, "w", encoding="utf-8") as handle:
            handle.write(note)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, self.path)

    def refusal(self) -> str | None:
        """Why the sealer refuses to sign, or None."""
        try:
            return self.alarm_path.read_text(encoding="utf-8").strip() or "refusing"
        except FileNotFoundError:
            return None

    def raise_alarm(self, reason: str) -> None:
        if self.refusal() != reason:
            logger.error("the sealer refuses to sign: %s", reason)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.alarm_path.write_text(reason + "\n", encoding="utf-8")

    def clear_alarm(self) -> None:
        if self.refusal() is not None:
            logger.warning("the sealer signs again: the log extends its last checkpoint")
            self.alarm_path.unlink(missing_ok=True)
