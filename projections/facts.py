"""What each record event means for the views: status, publication, marks, deadlines.

The record aggregate applies its events to a rich in-memory object; the views need only a few
columns of that state. ``change_of`` reads every event the way the aggregate's ``apply`` does,
in one place, so the views cannot drift from the aggregate (the integration tests compare them
with it). It is called for every event by every view, so it is one dictionary lookup, and
events that always mean the same thing share one precomputed answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.values import Deadline, ObjectionOutcome, RecordStatus

RECORD_EVENTS: frozenset[type[DomainEvent]] = frozenset(
    cls for cls in vars(ev).values()
    if isinstance(cls, type) and issubclass(cls, DomainEvent)
    and cls not in (DomainEvent, ev.DeadlineEvent)
)


def events(*classes: Any) -> frozenset[type[DomainEvent]]:
    """A set of event classes (nested ``Created`` classes type-check as plain types)."""
    return frozenset(classes)


UNCHANGED: Any = object()


@dataclass(frozen=True, slots=True)
class DeadlineSteps:
    """How an event changes a record's open deadlines, in the order the aggregate applies it."""

    closes: tuple[str, ...] = ()
    starts: tuple[Deadline, ...] = ()
    clear: bool = False
    flag: tuple[str, str] | None = None
    """(deadline key, flag) for overdue / urged / escalated."""


@dataclass(frozen=True, slots=True)
class Change:
    """What one event changes in a record; ``None`` (or ``UNCHANGED``) leaves a field be."""

    status: RecordStatus | None = None
    published: bool | None = None
    under_objection: bool | None = None
    under_reconsideration: Any = UNCHANGED
    """The new mark (``"reconsideration"``, ``"litigation"`` or ``None``), or ``UNCHANGED``."""
    correction: bool = False
    deadlines: DeadlineSteps | None = None


NO_CHANGE = Change()


def change_of(event: DomainEvent) -> Change:
    """What ``event`` changes in its record (nothing for events of other aggregates)."""
    rule = _RULES.get(type(event))
    return NO_CHANGE if rule is None else rule(event)


def _steps(event: Any) -> DeadlineSteps | None:
    start, closes = getattr(event, "starts", None), getattr(event, "closes", ())
    starts = (start,) if start is not None else ()
    if not (starts or closes):
        return None
    return DeadlineSteps(closes=closes, starts=starts)


def _objection_decided(event: ev.ObjectionDecided) -> Change:
    steps = _steps(event)
    unverifiable = event.outcome is ObjectionOutcome.UNVERIFIABLE
    if event.outcome is ObjectionOutcome.DELETED:
        return Change(status=RecordStatus.DELETED, published=False, under_objection=False,
                      deadlines=DeadlineSteps(clear=True))
    return Change(
        published=False if event.outcome is ObjectionOutcome.PUBLICITY_STOPPED else None,
        under_objection=unverifiable, deadlines=steps,
        correction=event.outcome in (ObjectionOutcome.CORRECTED, ObjectionOutcome.SUPPLEMENTED),
    )


def _repair_decided(event: ev.RepairDecided) -> Change:
    if event.approved:
        return Change(status=RecordStatus.REPAIRED, published=False, deadlines=_steps(event))
    return Change(deadlines=_steps(event))


def _repair_applied(event: ev.RepairApplied) -> Change:
    starts = (*((event.starts,) if event.starts else ()), event.answer)
    return Change(deadlines=DeadlineSteps(closes=event.closes, starts=starts))


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
    ev.Corrected: lambda e: Change(correction=True, deadlines=_steps(e)),
    ev.ObjectionMarked: lambda e: Change(under_objection=True, deadlines=_steps(e)),
    ev.ObjectionRejected: lambda e: Change(under_objection=False, deadlines=_steps(e)),
    ev.ObjectionDecided: _objection_decided,
    ev.ReconsiderationMarked: lambda e: Change(under_reconsideration=e.kind.value),
    ev.ReconsiderationConcluded: lambda e: Change(under_reconsideration=None,
                                                  deadlines=_steps(e)),
    ev.RepairApplied: _repair_applied,
    ev.RepairDecided: _repair_decided,
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
    held = set(keys) - set(steps.closes)
    held |= {d.key for d in steps.starts}
    return sorted(held)


def overdue_keys_after(overdue: list[str], open_keys: list[str], steps: DeadlineSteps) -> (
    list[str]
):
    """The sorted keys of overdue open deadlines; a restarted deadline starts on time again."""
    held = set(overdue) & set(open_keys)
    held -= {d.key for d in steps.starts if not d.overdue}
    held |= {d.key for d in steps.starts if d.overdue}
    if steps.flag is not None and steps.flag[1] == "overdue" and steps.flag[0] in open_keys:
        held.add(steps.flag[0])
    return sorted(held)
