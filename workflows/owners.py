"""Who holds a deadline: a record, a commitment, a lead or an early warning; and the workflow id
that says so.

A deadline workflow is ``record-<id>-<key>``, ``commitment-<id>-due``,
``lead-<id>-verification`` or ``warning-<id>-acknowledgement``. The id of the holder is the
workflow input's ``record_id`` either way, and its activities find the holder by that id.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic

from ledger import commitment_events, held_deadlines, lead_events, warning_events
from ledger.events import DomainEvent
from ledger.held_deadlines import HeldDeadlineEvent
from ledger.values import Deadline, DeadlineKind
from workflows.inputs import workflow_id

_OWNER_OF_KIND = {DeadlineKind.COMMITMENT_DUE: "commitment",
                  DeadlineKind.LEAD_VERIFICATION: "lead",
                  DeadlineKind.WARNING_ACKNOWLEDGEMENT: "warning"}
_OWNER_OF_MODULE = {commitment_events.__name__: "commitment", lead_events.__name__: "lead",
                    warning_events.__name__: "warning"}

HELD_TOPICS = sorted(
    get_topic(cls)
    for module in (commitment_events, lead_events, warning_events, held_deadlines)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, HeldDeadlineEvent)
    and cls.__module__ == module.__name__ and cls is not HeldDeadlineEvent
)
"""The facts of commitments, leads and warnings that start, date or close their deadlines."""


def owner_of(event: DomainEvent) -> str:
    """``record``, ``commitment``, ``lead`` or ``warning``: what the event's aggregate is."""
    owner = _OWNER_OF_MODULE.get(type(event).__module__)
    if owner is not None:
        return owner
    if isinstance(event, HeldDeadlineEvent):
        for deadline in event.started():
            return _OWNER_OF_KIND.get(deadline.kind, "record")
    return "record"


def deadline_workflow_id(owner_id: UUID, key: str, owner: str = "record") -> str:
    """The id of the workflow enforcing deadline ``key`` of a record, commitment, lead or
    warning."""
    if owner == "record":
        return workflow_id(owner_id, key)
    return f"{owner}-{owner_id}-{key}"


def workflow_id_of(owner_id: UUID, deadline: Deadline) -> str:
    return deadline_workflow_id(owner_id, deadline.key,
                                _OWNER_OF_KIND.get(deadline.kind, "record"))
