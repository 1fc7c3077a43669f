"""What the dispatcher reads from the ledger to start a deadline's workflow, and keeps.

A deadline workflow starts with its ladder of dates (from the rule set and working calendar the
deadline names), the subject it concerns and the body a late party is escalated to. Reading
those for every fact would cost several reads of the ledger each, so three caches keep them:

* the subject of each record, commitment and lead, remembered as the dispatcher reads the fact
  that made it (bounded: cleared when full, a miss costs one read of the log);
* the superior of each party (a party's parent body does not change under a running deadline);
* each rule set with the calendar, re-read every few seconds, so that a calendar year an
  administrator publishes is picked up without a restart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ledger import record_events as ev
from ledger.application import Ledger
from ledger.calendar import WorkingCalendar
from ledger.commitment_events import CommitmentMade
from ledger.errors import NotFoundError, RecordNotFoundError
from ledger.events import DomainEvent
from ledger.lead_events import LeadReceived
from ledger.rules import RuleSet
from ledger.values import Deadline, SubjectType
from ledger.warning_events import WarningRaised
from workflows.inputs import DeadlineInput
from workflows.plans import ladder

CACHE_SIZE = 100_000
SCHEDULE_TTL_SECONDS = 10.0


@dataclass(frozen=True)
class DeadlineSubject:
    """Whom a deadline's record (or commitment, or lead) concerns, and where."""

    subject_type: SubjectType
    subject_code: str
    region_code: str


class DeadlineInputs:
    """Prepares a deadline workflow's input from the ledger, through the three caches."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._subjects: dict[UUID, DeadlineSubject] = {}
        self._superiors: dict[str, str] = {}
        self._schedules: dict[str, tuple[RuleSet, WorkingCalendar, float]] = {}

    def remember(self, event: DomainEvent) -> None:
        """Keep the subject of a fact that makes a record, a commitment or a lead."""
        if isinstance(event, ev.RecordFiled):
            self._remember(event.originator_id, subject_of_content(event.content))
        elif isinstance(event, CommitmentMade | LeadReceived | WarningRaised):
            self._remember(event.originator_id, held_subject(event))

    def prepare(self, record_id: UUID, deadline: Deadline, eid: str,
                dated_on: date | None) -> tuple[DeadlineInput, DeadlineSubject]:
        """The input and subject, reading the ledger for whatever is not cached."""
        return self.deadline_input(record_id, deadline, eid, dated_on), self.subject(record_id)

    def from_cache(self, record_id: UUID, deadline: Deadline, eid: str,
                   dated_on: date | None) -> tuple[DeadlineInput, DeadlineSubject] | None:
        """The same without touching the database, when everything needed is cached."""
        subject = self._subjects.get(record_id)
        cached = self._schedules.get(deadline.rule_set_id)
        if subject is None or deadline.party not in self._superiors or cached is None or (
            time.monotonic() - cached[2] > SCHEDULE_TTL_SECONDS
        ):
            return None
        return self.deadline_input(record_id, deadline, eid, dated_on), subject

    def deadline_input(self, record_id: UUID, deadline: Deadline, eid: str,
                       dated_on: date | None = None) -> DeadlineInput:
        """The workflow input for a deadline an event started: its dates and superior
        (``dated_on``: the day a waiting deadline's due date was fixed)."""
        rules, calendar = self._schedule(deadline.rule_set_id)
        return DeadlineInput(
            record_id=record_id, key=deadline.key, kind=deadline.kind,
            ladder=ladder(deadline, rules, calendar, dated_on),
            superior=self._superior(record_id, deadline.party), started_by=eid,
        )

    def _schedule(self, rule_set_id: str) -> tuple[RuleSet, WorkingCalendar]:
        cached = self._schedules.get(rule_set_id)
        if cached is None or time.monotonic() - cached[2] > SCHEDULE_TTL_SECONDS:
            settings = self.ledger.settings()
            cached = (settings.rule_book().get(rule_set_id), settings.calendar(),
                      time.monotonic())
            self._schedules[rule_set_id] = cached
        return cached[0], cached[1]

    def subject(self, record_id: UUID) -> DeadlineSubject:
        """The subject of a record, commitment or lead, from the cache or its first fact."""
        subject = self._subjects.get(record_id)
        if subject is None:
            try:
                subject = subject_of_content(self.ledger.record(record_id, version=1).content)
            except RecordNotFoundError:
                first = self.ledger.timeline(record_id)[0]
                if not isinstance(first, CommitmentMade | LeadReceived | WarningRaised):
                    raise
                subject = held_subject(first)
            self._remember(record_id, subject)
        return subject

    def _remember(self, record_id: UUID, subject: DeadlineSubject) -> None:
        if len(self._subjects) >= CACHE_SIZE:
            self._subjects.clear()  # crude, but bounded; a miss costs one read of the log
            self._superiors.clear()
        self._subjects[record_id] = subject

    def _superior(self, record_id: UUID, party: str) -> str:
        """Whom a late party is escalated to: its parent body, a civil servant's body, or else
        the record's reporting region."""
        subject = self.subject(record_id)
        parent = self._superiors.get(party)
        if parent is None:  # "" is cached for a party with no parent
            parent = self._superiors[party] = self._parent_of(subject, party) or ""
        return parent or subject.region_code

    def _parent_of(self, subject: DeadlineSubject, party: str) -> str | None:
        try:
            if party == subject.subject_code and subject.subject_type is SubjectType.CIVIL_SERVANT:
                return self.ledger.civil_servant(UUID(party)).body_code
            return self.ledger.body(party).parent_code
        except (NotFoundError, ValueError):
            return None


def subject_of_content(content: ev.RecordContent) -> DeadlineSubject:
    return DeadlineSubject(content.subject_type, content.subject_code, content.region_code)


def held_subject(event: CommitmentMade | LeadReceived | WarningRaised) -> DeadlineSubject:
    """A commitment's maker, the body a lead concerns, or a warning's body or region (whose
    region is the one above the warning's: a late acknowledgement is escalated there)."""
    if isinstance(event, WarningRaised):
        return DeadlineSubject(SubjectType.BODY, event.code, event.above)
    body = event.maker if isinstance(event, CommitmentMade) else event.body
    return DeadlineSubject(SubjectType.BODY, body.code, event.region_code)
