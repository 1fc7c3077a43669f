"""The ledger's side of dispatching a fact: which deadlines it closes, and dating the deadlines
that waited for a calendar year.

Publishing a calendar year dates the deadlines waiting for it; a command counted with a calendar
read just before the publication can still record a deadline as waiting. The dispatcher finishes
that work when it meets either fact. Every step here is idempotent.
"""

from __future__ import annotations

from uuid import UUID

from ledger.application import Ledger
from ledger.events import SYSTEM, DomainEvent
from ledger.values import Deadline
from workflows.plans import closes_every_deadline


class WaitingDeadlines:
    """Reads and writes the ledger on the dispatcher's behalf (never Temporal)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def closed_by(self, event: DomainEvent) -> list[str]:
        """The keys of the deadlines ``event`` closes: those it names, and every one still open
        before it if it ends the record (a withdrawal or deletion)."""
        closes: list[str] = list(getattr(event, "closes", ()))
        if closes_every_deadline(event):
            before = self.ledger.record(event.originator_id, event.originator_version - 1)
            closes += [key for key in before.deadlines if key not in closes]
        return closes

    def date_all(self) -> None:
        """A calendar year was published: date whatever still waits (a no-op if done)."""
        self.ledger.date_waiting_deadlines()
        self.ledger.date_held_deadlines()

    def date_if_published(self, holder_id: UUID, deadline: Deadline, *, record: bool) -> None:
        """A deadline recorded as waiting for years that were published meanwhile: date it now
        (a record's, or a commitment's or lead's)."""
        calendar = self.ledger.settings(fresh=True).calendar()
        if not all(calendar.covers(year) for year in deadline.awaiting):
            return
        if record:
            self.ledger.date_deadlines(holder_id)
        else:
            self.ledger.holder_step(holder_id, lambda h, s: (
                h.date_deadlines(SYSTEM, self.ledger.clock(), s)))
