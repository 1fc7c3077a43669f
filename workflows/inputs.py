"""Inputs and outputs of the deadline workflow and its activities, as pydantic models.

Every date here was computed by the ledger side (the dispatcher, from the record's rule set and
the working-day calendar); the workflow only waits for them. Event ids are ``<record id>/<version>``
so a replayed start, signal or update is recognised and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ledger.values import DeadlineKind

TASK_QUEUE = "credit-deadlines"
# Asia/Shanghai has kept UTC+8 without daylight saving since 1991; a fixed offset keeps the
# workflow free of the time-zone database.
_SHANGHAI = timezone(timedelta(hours=8))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def event_id(record_id: UUID, version: int) -> str:
    """The id of one event in the log, as carried by starts, signals and updates."""
    return f"{record_id}/{version}"


def event_version(event: str) -> int:
    """The record version an event id names; later facts have higher versions."""
    return int(event.rsplit("/", 1)[1])


def start_of_day(day: date) -> datetime:
    """00:00 Asia/Shanghai of a business day, in UTC."""
    return datetime.combine(day, time(), tzinfo=_SHANGHAI).astimezone(UTC)


def business_day(instant: datetime) -> date:
    """The Asia/Shanghai date of an instant."""
    return instant.astimezone(_SHANGHAI).date()


def workflow_id(record_id: UUID, key: str) -> str:
    """One workflow per deadline of a record: ``record-<record id>-<deadline key>``."""
    return f"record-{record_id}-{key}"


class DeadlineState(StrEnum):
    """Where a deadline stands; kept in the ``DeadlineState`` search attribute."""

    OPEN = "open"
    OVERDUE = "overdue"
    URGED = "urged"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Reminder(_Model):
    """A reminder to send on a day, so many working days before the due date."""

    on: date
    working_days_before: int = Field(ge=1)


class Ladder(_Model):
    """The dates of one deadline: reminders before it, due, urge and escalation after it.

    ``urge_on`` and ``escalate_on`` are ``None`` while the working-day calendar has no data for
    them (a December deadline before next year's holiday notice is published); the workflow then
    asks the ledger for them once the deadline has passed.
    """

    due: date
    reminders: tuple[Reminder, ...] = ()
    urge_on: date | None
    escalate_on: date | None

    @property
    def complete(self) -> bool:
        return self.urge_on is not None and self.escalate_on is not None

    @property
    def missed_at(self) -> datetime:
        """00:00 Asia/Shanghai of the day after the due date: the deadline has passed."""
        return start_of_day(self.due + timedelta(days=1))


class DeadlineInput(_Model):
    """What a deadline workflow needs: whose deadline, its dates, and whom to escalate to."""

    record_id: UUID
    key: str
    kind: DeadlineKind
    ladder: Ladder
    superior: str
    """Code of the body (or region) the deadline is escalated to."""
    started_by: str
    """Id of the event that started the deadline."""


class DeadlineExtension(_Model):
    """An approved extension: the new dates and the event that recorded it."""

    ladder: Ladder
    event_id: str


class DeadlineOutcome(_Model):
    """How a deadline workflow ended: its last state and every event it took in."""

    state: DeadlineState
    closed_by: str | None
    events: tuple[str, ...]
    recorded: tuple[str, ...]
    """Ids of the facts its activities recorded in the ledger."""


class StepInput(_Model):
    """One system step on one deadline of a record (missed, urged)."""

    record_id: UUID
    key: str


class PlanInput(_Model):
    """Ask the ledger for the urge and escalation days of a deadline due on ``due``."""

    record_id: UUID
    key: str
    due: date


class CheckInput(_Model):
    """Ask the ledger whether a deadline it started with ``since`` is still open."""

    record_id: UUID
    key: str
    since: str
    """Id of the event that started the deadline (the workflow's ``started_by``)."""


class ReminderInput(_Model):
    record_id: UUID
    key: str
    working_days_before: int = Field(ge=1)


class EscalationInput(_Model):
    record_id: UUID
    key: str
    to: str


class SweepInput(_Model):
    """Sweep the calendar horizons that ended before ``on`` (default: the ledger's today)."""

    on: date | None = None


class SweepOutcome(_Model):
    expired: int = 0
    """Publicity windows that ended (``PublicityExpired`` recorded)."""
    lifted: int = 0
    """Sanction periods that ended (``SanctionLifted`` recorded)."""
    unchanged: int = 0
    """Horizons the ledger had already dealt with (e.g. a withdrawn record), now forgotten."""
    refused: int = 0
    """Horizons the ledger says have not ended yet; kept for the next sweep."""
