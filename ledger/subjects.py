"""Subjects of credit records: government bodies and civil servants.

A body is identified by its unified social credit code, belongs to a region and may have a
parent body. A civil servant belongs to a body; their name and citizen ID exist only sealed
(see ``ledger.personal``), with the ID's masked form for shared views.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.events import Aggregate, DomainEvent
from ledger.personal import SealedText


class GovernmentBody(Aggregate):
    """A government body (机关, or a unit doing government work) that records can name."""

    credit_code: str
    name: str
    region_code: str
    parent_code: str | None
    kind: str
    records: list[UUID]

    class Created(DomainEvent):
        credit_code: str
        name: str
        region_code: str
        parent_code: str | None
        kind: str

        def apply(self, body: GovernmentBody) -> None:
            self.set_own_fields(body)
            body.records = []

    class RecordListed(DomainEvent):
        record_id: UUID

        def apply(self, body: GovernmentBody) -> None:
            body.records.append(self.record_id)


class CivilServant(Aggregate):
    """A civil servant; personal data sealed, only the masked ID in the clear."""

    name: SealedText
    citizen_id: SealedText
    masked_id: str
    body_code: str
    position: str
    records: list[UUID]
    reads: int

    class Created(DomainEvent):
        name: SealedText
        citizen_id: SealedText
        masked_id: str
        body_code: str
        position: str

        def apply(self, person: CivilServant) -> None:
            self.set_own_fields(person)
            person.records = []
            person.reads = 0

    class RecordListed(DomainEvent):
        record_id: UUID

        def apply(self, person: CivilServant) -> None:
            person.records.append(self.record_id)

    class PersonalDataRead(DomainEvent):
        """A person read this civil servant's name or ID; the access log of PIPL practice."""

        purpose: str
        on: date

        def apply(self, person: CivilServant) -> None:
            person.reads += 1
