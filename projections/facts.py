"""What each record event means for the views: status, publication, marks, deadlines.

The record aggregate applies its events to a rich in-memory object; the views need only a few
columns of that state. ``change_of`` reads every event the way the aggregate's ``apply`` does,
in one place, so the views cannot drift from the aggregate (the integration tests compare them
with it). It is called for every event by every view, so it is one dictionary lookup, and
events that always mean the same thing share one precomputed answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.values import Deadline, ObjectionOutcome, RecordStatus, StepStatus

RECORD_EVENTS: frozenset[type[DomainEvent]] = frozenset(
    cls for cls in vars(ev).values()
    if isinstance(cls, type) and issubclass(cls, DomainEvent)
    and cls not in (DomainEvent, ev.DeadlineEvent)
)


def events(*classes: Any) -> frozenset[type[DomainEvent]]:
    """A set of event classes (nested ``Created`` classes type-check as plain types)."""
    return frozenset(classes)


UNCHANGED: Any = object()


# Made once per event, and a rebuild goes through every event: plain slotted classes, which
# cost a quarter of frozen ones to make. Nothing changes them after they are made.
@dataclass(slots=True)
class DeadlineSteps:
    """How an event changes a record's open deadlines, in the order the aggregate applies it."""

    closes: tuple[str, ...] = ()
    starts: tuple[Deadline, ...] = ()
    clear: bool = False
    flag: tuple[str, str] | None = None
    """(deadline key, flag) for overdue / urged / escalated."""
    started: frozenset[str] = field(init=False, repr=False, compare=False)
    started_late: frozenset[str] = field(init=False, repr=False, compare=False)
    started_on_time: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = self.starts
        if not starts:
            self.started = self.started_late = self.started_on_time = _NONE
        elif len(starts) == 1:  # nearly always: one deadline starts
            self.started = frozenset((starts[0].key,))
            late = starts[0].overdue
            self.started_late = self.started if late else _NONE
            self.started_on_time = _NONE if late else self.started
        else:
            self.started = frozenset(d.key for d in starts)
            self.started_late = frozenset(d.key for d in starts if d.overdue)
            self.started_on_time = self.started - self.started_late


_NONE: frozenset[str] = frozenset()


@dataclass(slots=True)
class Change:
    """What one event changes in a record; ``None`` (or ``UNCHANGED``) leaves a field be."""

    status: RecordStatus | None = None
    published: bool | None = None
    under_objection: bool | None = None
    under_reconsideration: Any = UNCHANGED
    """The new mark (``"reconsideration"``, ``"litigation"`` or ``None``), or ``UNCHANGED``."""
    correction: bool = False
    deadlines: DeadlineSteps | None = None
    content: dict[str, Any] | None = None
    """Corrected fields of the content, with their new values."""
    window: ev.PublicityDates | None = None
    """The recounted publicity window, when a correction changed it."""
    explanation: StepStatus | None = None
    """Where the written explanation stands, when the event requests or submits it."""


NO_CHANGE = Change()


_last: tuple[DomainEvent | None, Change] = (None, NO_CHANGE)


def change_of(event: DomainEvent) -> Change:
    """What ``event`` changes in its record (nothing for events of other aggregates).

    A rebuild hands each event to every view in turn, so the last answer is kept: the views
    after the first get it for one identity check. The pair is swapped in whole, so threads
    that share this module never see one event's answer for another.
    """
    global _last
    last = _last
    if last[0] is event:
        return last[1]
    rule = _RULES.get(type(event))
    change = NO_CHANGE if rule is None else rule(event)
    _last = (event, change)
    return change


def _steps(event: Any) -> DeadlineSteps | None:
    closes = getattr(event, "closes", ())
    starts = tuple(event.started()) if isinstance(event, ev.DeadlineEvent) else ()
    if not (starts or closes):
        return None
    return DeadlineSteps(closes=closes, starts=starts)


def _objection_decided(event: ev.ObjectionDecided) -> Change:
    return _decided(event, event.outcome, event.outcome is ObjectionOutcome.UNVERIFIABLE)


def _review_decided(event: ev.ReviewDecided) -> Change:
    if event.outcome is None:
        return Change(deadlines=_steps(event))
    return _decided(event, event.outcome, False)


def _decided(event: ev.ObjectionDecided | ev.ReviewDecided, outcome: ObjectionOutcome,
             under_objection: bool) -> Change:
    steps = _steps(event)
    if outcome is ObjectionOutcome.DELETED:
        return Change(status=RecordStatus.DELETED, published=False, under_objection=False,
                      deadlines=DeadlineSteps(clear=True))
    if outcome in (ObjectionOutcome.CORRECTED, ObjectionOutcome.SUPPLEMENTED):
        return Change(under_objection=under_objection, deadlines=steps, correction=True,
                      **_corrected(event.changes, event.window))
    return Change(
        published=False if outcome is ObjectionOutcome.PUBLICITY_STOPPED else None,
        under_objection=under_objection, deadlines=steps,
    )


def _corrected(changes: ev.ContentChanges, window: ev.PublicityDates | None) -> dict[str, Any]:
    return {"content": changes.named() or None, "window": window,
            "published": None if window is None else window.published}


def _repair_decided(event: ev.RepairDecided) -> Change:
    if event.approved:
        return Change(status=RecordStatus.REPAIRED, published=False, deadlines=_steps(event))
    return Change(deadlines=_steps(event))


def _flag(name: str) -> Callable[[Any], Change]:
    return lambda event: Change(deadlines=DeadlineSteps(flag=(event.key, name)))


def _constant(change: Change) -> Callable[[Any], Change]:
    return lambda _event: change


_SPECIAL: dict[type[DomainEvent], Callable[[Any], Change]] = {
    ev.Published: _constant(Change(published=True)),
    ev.Withdrawn: _constant(Change(
        status=RecordStatus.WITHDRAWN, published=False, under_objection=False,
        deadlines=DeadlineSteps(clear=True))),
    ev.PublicityExpired: _constant(Change(status=RecordStatus.EXPIRED, published=False)),
    ev.Corrected: lambda e: Change(correction=True, deadlines=_steps(e),
                                   **_corrected(e.changes, e.window)),
    ev.ListingExtended: lambda e: Change(window=e.window, published=e.window.published),
    ev.ExplanationRequested: lambda e: Change(explanation=StepStatus.OPEN, deadlines=_steps(e)),
    ev.ExplanationSubmitted: lambda e: Change(explanation=StepStatus.DONE, deadlines=_steps(e)),
    ev.ObjectionMarked: lambda e: Change(under_objection=True, deadlines=_steps(e)),
    ev.ObjectionRejected: lambda e: Change(under_objection=False, deadlines=_steps(e)),
    ev.ObjectionDecided: _objection_decided,
    ev.ReviewDecided: _review_decided,
    ev.ObjectionFiled: lambda e: Change(under_objection=True if e.case is not None else None,
                                        deadlines=_steps(e)),
    ev.ReconsiderationMarked: lambda e: Change(under_reconsideration=e.kind.value),
    ev.ReconsiderationConcluded: lambda e: Change(under_reconsideration=None,
                                                  deadlines=_steps(e)),
    ev.RepairDecided: _repair_decided,
    ev.RepairRevoked: lambda e: Change(status=RecordStatus.IN_FORCE, window=e.window,
                                       published=e.window.published, deadlines=_steps(e)),
    ev.DeadlineMissed: _flag("overdue"),
    ev.DeadlineUrged: _flag("urged"),
    ev.DeadlineEscalated: _flag("escalated"),
}

_RULES: dict[type[DomainEvent], Callable[[Any], Change]] = {
    **{cls: (lambda e: Change(deadlines=_steps(e)))
       for cls in RECORD_EVENTS if issubclass(cls, ev.DeadlineEvent)},
    **_SPECIAL,
}


def open_keys_after(keys: list[str], steps: DeadlineSteps) -> list[str]:
    """The sorted keys of a record's open deadlines after the steps."""
    if steps.clear:
        return []
    if not (steps.closes or steps.starts):
        return keys
    held = set(keys)
    held.difference_update(steps.closes)
    held.update(steps.started)
    return sorted(held)


def overdue_keys_after(overdue: list[str], open_keys: list[str], steps: DeadlineSteps) -> (
    list[str]
):
    """The sorted keys of overdue open deadlines; a restarted deadline starts on time again."""
    flagged = steps.flag is not None and steps.flag[1] == "overdue"
    if not (overdue or steps.started_late or flagged):
        return []
    held = set(overdue).intersection(open_keys)
    held.difference_update(steps.started_on_time)
    held.update(steps.started_late)
    if flagged and steps.flag is not None and steps.flag[0] in open_keys:
        held.add(steps.flag[0])
    return sorted(held)
