"""Where a record's matters stand, read from its events: what the subject submitted, each step
so far with its date, and every step still open with who takes it and by when.

The official's page, the department's record page and the reviewer's queue read a record
through these, each from its own side: ``me`` names the reader's own organisation ("本单位",
"本部门") wherever it is the one to act.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from api.i18n import translator, waiting_note
from ledger import record_events as ev
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.errors import RecordNotFoundError
from ledger.events import DomainEvent
from ledger.record import CreditRecord
from ledger.values import Deadline, DeadlineKind, StepStatus

# What a subject sends, by event: the text key of what it is, and the field holding the text.
SUBMITTED: dict[type[DomainEvent], tuple[str, str]] = {
    ev.ExplanationSubmitted: ("sent_explanation", "text"),
    ev.RectificationPlanSubmitted: ("sent_plan", "plan"),
    ev.RectificationCompletionReported: ("sent_report", "report"),
    ev.ObjectionFiled: ("sent_objection", "grounds"),
    ev.ReviewRequested: ("sent_review", "grounds"),
    ev.RepairApplied: ("sent_commitment", "commitment"),
}
# Facts the system records for its own bookkeeping; the steps a person reads leave them out.
QUIET = ("ReminderSent", "DeadlineAwaitsCalendar", "DeadlineDated", "DeadlinesClosed")


@dataclass(frozen=True)
class Submission:
    """Something the subject sent: an explanation, an objection's grounds, a commitment …"""

    what: str
    number: int | None
    text: str
    on: date


@dataclass(frozen=True)
class Step:
    on: date
    text: str


@dataclass(frozen=True)
class NextStep:
    """An open deadline, in words: who acts and by when (``due`` is ``None`` while it waits
    for the calendar, and ``note`` says how it will be dated)."""

    key: str
    kind: str
    text: str
    due: date | None
    note: str | None
    overdue: bool
    mine: bool
    """The reader's own organisation is the one to act."""


@dataclass(frozen=True)
class Standing:
    submissions: list[Submission]
    steps: list[Step]
    next_steps: list[NextStep]


def names_in(events: Sequence[DomainEvent]) -> dict[str, str]:
    """Organisations the record's events name, by credit code."""
    names: dict[str, str] = {}
    for event in events:
        if isinstance(event, ev.RecordFiled):
            content = event.content
            if content.subject_name:
                names[content.subject_code] = content.subject_name
            names[content.deciding_authority.code] = content.deciding_authority.name
            names[content.source.code] = content.source.name
        elif isinstance(event, ev.ObjectionForwarded | ev.RepairForwarded):
            names[event.to.code] = event.to.name
    return names


def submissions(events: Sequence[DomainEvent]) -> list[Submission]:
    found = []
    for event in events:
        sent = SUBMITTED.get(type(event))
        if sent is not None:
            what, field = sent
            found.append(Submission(what, getattr(event, "number", None),
                                    str(getattr(event, field)), business_date(event.timestamp)))
    return found


def sent(events: Sequence[DomainEvent], what: str, number: int | None) -> str | None:
    """The text of one submission (the latest, if sent again), e.g. a repair's commitment."""
    texts = [s.text for s in submissions(events) if s.what == what and s.number == number]
    return texts[-1] if texts else None


def standing(record: CreditRecord, events: Sequence[DomainEvent], lang: str,
             me: dict[str, str] | None = None) -> Standing:
    """The record's matters as ``lang`` reads them; ``me`` maps the reader's own codes to
    how the page calls them."""
    t = translator(lang)
    names = names_in(events) | (me or {})
    return Standing(submissions(events), steps(events, t, names),
                    next_steps(record, t, names, lang, set(me or {})))


def steps(events: Sequence[DomainEvent], t: Callable[[str], str],
          names: dict[str, str]) -> list[Step]:
    kinds: dict[str, str] = {}  # deadline key → kind, for the deadline's own facts
    found = []
    for event in events:
        if isinstance(event, ev.DeadlineEvent):
            kinds.update({d.key: d.kind.value for d in event.started()})
        name = type(event).__name__
        if name in QUIET:
            continue
        template = t(f"step_{name}")
        if template == f"step_{name}":  # a fact with no words yet: left to the auditor's page
            continue
        text = template.format_map(_Fields(_fields(event, t, names, kinds)))
        found.append(Step(business_date(event.timestamp), text))
    return found


def _fields(event: DomainEvent, t: Callable[[str], str], names: dict[str, str],
            kinds: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in event.__dict__.items() if isinstance(v, str | int)}
    if isinstance(event, ev.RecordFiled):
        fields["source"] = event.content.source.name
    if isinstance(event, ev.ObjectionForwarded | ev.RepairForwarded):
        fields["to"] = event.to.name
    for name in ("outcome", "kind"):
        value = getattr(event, name, None)
        if value is not None:
            fields[name] = t(f"outcome_{value}") if name == "outcome" else t(str(value))
    if isinstance(event, ev.ObjectionDecided | ev.RepairDecided | ev.Withdrawn | ev.Corrected):
        fields["by"] = names.get(event.actor.subject or "", event.actor.subject or "")
    if isinstance(event, ev.ReviewDecided):
        fields["upheld"] = t("review_upheld" if event.upheld else "review_changed")
    if isinstance(event, ev.RepairDecided):
        fields["approved"] = t("repair_approved" if event.approved else "repair_refused")
    if isinstance(event, ev.Corrected | ev.ObjectionDecided):
        fields["fields"] = t("sep").join(t(name) for name in event.changes.named()) or "—"
    if "key" in fields:
        fields["kind"] = t(kinds.get(fields["key"], fields["key"]))
    return fields


class _Fields(dict[str, Any]):
    """An event's fields for a step's words; a field an older event lacks reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def next_steps(record: CreditRecord, t: Callable[[str], str], names: dict[str, str],
               lang: str, mine: set[str]) -> list[NextStep]:
    found = []
    for deadline in record.deadlines.values():
        party = _party(record, deadline)
        who = t("platform") if party == "platform" else names.get(party) or (
            t("civil_servant") if party == record.content.subject_code else party)
        template = t(f"next_{_next_key(record, deadline)}")
        if template.startswith("next_"):
            template = t("next_other").replace("{kind}", t(deadline.kind.value))
        when = t("when_waiting") if deadline.due is None else t("when_due").format(
            due=deadline.due)
        note = None if deadline.due is not None else waiting_note(
            deadline.starts_on, deadline.length, deadline.unit, deadline.awaiting, lang)
        found.append(NextStep(deadline.key, deadline.kind.value,
                              template.format(who=who, when=when), deadline.due, note,
                              deadline.overdue, party in mine))
    return sorted(found, key=lambda s: (s.due is None, s.due or date.max, s.key))


def _party(record: CreditRecord, deadline: Deadline) -> str:
    """Who acts on a deadline: its party, except a rectification reported done, which waits
    for the source department to verify it."""
    if (deadline.kind is DeadlineKind.RECTIFICATION
            and record.rectification is StepStatus.COMPLETION_REPORTED):
        return record.content.source.code
    return deadline.party


def _next_key(record: CreditRecord, deadline: Deadline) -> str:
    if deadline.kind is DeadlineKind.RECTIFICATION and record.rectification is not None:
        return f"rectification_{record.rectification.value}"
    return deadline.kind.value


def read_record(ledger: Ledger, record_id: UUID) -> tuple[CreditRecord, list[DomainEvent]]:
    """A record and its events, from one read of its events."""
    events = ledger.timeline(record_id)
    record = CreditRecord.replay(events)
    if record is None:
        raise RecordNotFoundError("no record with this id", field="record_id")
    return record, events


@dataclass(frozen=True)
class Action:
    """A step the official may take now: its form's path, text field and the label keys."""

    name: str
    path: str
    field: str
    number: int | None = None


def official_actions(record: CreditRecord, today: date) -> list[Action]:
    """What the subject's official may do about the record today."""
    if not record.is_active:
        return []
    found = []
    if record.explanation is StepStatus.OPEN:
        found.append(Action("submit_explanation", "explanation", "text"))
    if record.rectification is StepStatus.OPEN:
        found.append(Action("submit_plan", "rectification-plan", "plan"))
    if record.rectification is StepStatus.PLAN_SUBMITTED:
        found.append(Action("report_completion", "rectification-report", "report"))
    if record.open_objection() is None:
        found.append(Action("file_objection", "objection", "grounds"))
    for objection in record.objections.values():
        until = objection.review_until
        if (objection.status is StepStatus.DECIDED and objection.review is None
                and (until is None or today <= until)):
            found.append(Action("request_review", "review", "grounds", objection.number))
    if today > record.publicity_min_end and record.open_repair() is None:
        found.append(Action("apply_for_repair", "repair", "commitment"))
    return found
