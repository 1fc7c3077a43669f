"""Commands of an operator on a recorded early warning (``ledger.warning``).

Blank text is left to the warning itself to refuse, which says what it needs (a follow-up's
reasons, a result)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from ledger.commands import Command
from ledger.warning_events import FollowUp

Said = Annotated[str, StringConstraints(max_length=20000)]


class WarningStep(Command):
    warning_id: UUID


class AcknowledgeWarning(WarningStep):
    """Acknowledge the warning (an operator of its region or of one above it)."""

    note: Said | None = None


class RecordWarningFollowUp(WarningStep):
    """Record the follow-up: 约谈, 督导, 通报, or none, with the reasons."""

    follow_up: FollowUp
    reasons: Said


class RecordWarningResult(WarningStep):
    """Record what the follow-up achieved; the warning is closed."""

    result: Said
