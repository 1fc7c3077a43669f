"""Response models of the API, and request bodies derived from the ledger's commands.

Responses carry no personal data: a civil servant appears only by their opaque subject id.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, create_model

from api.i18n import waiting_note
from ledger import commands as c
from ledger.events import DomainEvent
from ledger.record import CreditRecord
from ledger.values import Deadline


def body_of(command: type[c.RecordStep]) -> type[BaseModel]:
    """The request body of a record step: the command without ``record_id`` (it is the path)."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in command.model_fields.items()
        if name not in ("record_id", "number")
    }
    model: type[BaseModel] = create_model(
        command.__name__ + "Body", __config__=ConfigDict(extra="forbid"), **fields
    )
    model.__doc__ = command.__doc__
    return model


class Created(BaseModel):
    id: UUID


class FilingOut(BaseModel):
    record_id: UUID
    created: bool


class NumberOut(BaseModel):
    record_id: UUID
    number: int


class Done(BaseModel):
    record_id: UUID
    version: int


class ObjectionOut(BaseModel):
    number: int
    status: str
    outcome: str | None
    extension_used: int
    review: str | None


class RepairOut(BaseModel):
    number: int
    status: str
    extended: bool


class SanctionOut(BaseModel):
    number: int
    kind: str
    months: int
    starts_on: date
    ends_on: date
    lifted: bool


class DeadlineOut(Deadline):
    """A deadline as the API shows it; one waiting for the calendar says so in ``note``."""

    note: str | None = None

    @classmethod
    def of(cls, d: Deadline) -> DeadlineOut:
        return cls(**dict(d), note=waiting_note(d.starts_on, d.length, d.unit, d.awaiting, "en")
                   if d.waiting else None)


class RecordOut(BaseModel):
    id: UUID
    version: int
    status: str
    published: bool
    under_objection: bool
    under_reconsideration: str | None
    subject_type: str
    subject_code: str
    subject_name: str | None
    source_name: str
    source_code: str
    document_number: str
    decision_date: date
    category: str
    domain: str
    severity: str
    facts: str
    legal_basis: str
    decision_content: str
    fine_yuan: Decimal | None
    region_code: str
    scope: str
    rule_set_id: str
    filed_on: date
    publicity_starts: date
    publicity_min_end: date
    publicity_max_end: date
    explanation: str | None
    rectification: str | None
    deadlines: list[DeadlineOut]
    objections: list[ObjectionOut]
    repairs: list[RepairOut]
    sanctions: list[SanctionOut]

    @classmethod
    def of(cls, r: CreditRecord) -> RecordOut:
        k = r.content
        return cls(
            id=r.id, version=r.version, status=r.status.value, published=r.published,
            under_objection=r.under_objection,
            under_reconsideration=r.under_reconsideration.value if r.under_reconsideration
            else None,
            subject_type=k.subject_type.value, subject_code=k.subject_code,
            subject_name=k.subject_name, source_name=k.source.name, source_code=k.source.code,
            document_number=k.document_number, decision_date=k.decision_date,
            category=k.category.value, domain=k.domain.value, severity=k.severity.value,
            facts=k.facts, legal_basis=k.legal_basis, decision_content=k.decision_content,
            fine_yuan=k.fine_yuan, region_code=k.region_code, scope=k.scope.value,
            rule_set_id=r.rule_set_id, filed_on=r.filed_on, publicity_starts=r.publicity_starts,
            publicity_min_end=r.publicity_min_end, publicity_max_end=r.publicity_max_end,
            explanation=r.explanation.value if r.explanation else None,
            rectification=r.rectification.value if r.rectification else None,
            deadlines=[DeadlineOut.of(d) for d in sorted(
                r.deadlines.values(), key=lambda d: (d.due is None, d.due or d.starts_on))],
            objections=[ObjectionOut(number=o.number, status=o.status.value,
                                     outcome=o.outcome.value if o.outcome else None,
                                     extension_used=o.extension_used,
                                     review=o.review.value if o.review else None)
                        for o in r.objections.values()],
            repairs=[RepairOut(number=p.number, status=p.status.value, extended=p.extended)
                     for p in r.repairs.values()],
            sanctions=[SanctionOut(number=s.number, kind=s.kind.value, months=s.months,
                                   starts_on=s.starts_on, ends_on=s.ends_on, lifted=s.lifted)
                       for s in r.sanctions.values()],
        )


class EventOut(BaseModel):
    version: int
    event: str
    timestamp: datetime
    actor_id: str
    actor_role: str
    facts: dict[str, Any]

    @classmethod
    def of(cls, event: DomainEvent) -> EventOut:
        facts = event.model_dump(mode="json", exclude={
            "originator_id", "originator_version", "timestamp", "actor"})
        return cls(version=event.originator_version, event=type(event).__name__,
                   timestamp=event.timestamp, actor_id=event.actor.id,
                   actor_role=event.actor.role.value, facts=facts)
