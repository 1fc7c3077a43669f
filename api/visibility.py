"""Which of a subject's records a department or an official may see in the shared views
(the rule is ``ledger.access.may_read``). A subject of whom a department sees no record is
answered as one that does not exist.

A department reaches only the commitments and leads it is responsible for
(``ledger.access.responsible``); any other is answered like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from api.auth import Account
from ledger import access
from ledger.application import Ledger
from ledger.commitment import Commitment
from ledger.errors import RecordNotFoundError
from ledger.events import Role
from ledger.lead import Lead
from ledger.register_commands import CommitmentStep, LeadStep
from ledger.register_steps import CommitmentNotFoundError, LeadNotFoundError


def visible(account: Account, ledger: Ledger, records: Iterable[UUID],
            subject_code: str | None = None) -> list[UUID] | None:
    """The records among ``records`` (one subject's) the account sees; ``None`` when it sees
    them all. ``subject_code`` is the subject's credit code or id, for an official."""
    if account.role is Role.SUBJECT_OFFICIAL:
        return None if access.sees_subject(account.actor(), subject_code) else []
    if account.role is not Role.SOURCE_DEPARTMENT:
        return None
    seen = []
    for record_id in records:
        try:
            if access.may_read(account.actor(), ledger.record(record_id)):
                seen.append(record_id)
        except RecordNotFoundError:
            continue
    return seen


Held = TypeVar("Held", Commitment, Lead)


def responsible_for(account: Account, held: Held) -> Held:
    """``held``, if the account is the department responsible for it."""
    if access.responsible(account.actor(), held):
        return held
    if isinstance(held, Commitment):
        raise CommitmentNotFoundError("no commitment with this id", field="commitment_id")
    raise LeadNotFoundError("no lead with this id", field="lead_id")


Step = CommitmentStep | LeadStep
"""A step a department takes on a commitment or lead it is responsible for."""


def responsible_for_step(account: Account, ledger: Ledger, step: type[Step],
                         held_id: UUID) -> None:
    """Nothing, if the account is the department responsible for the commitment or lead
    ``held_id`` that ``step`` is taken on; else it is answered as one that does not exist."""
    if issubclass(step, CommitmentStep):
        responsible_for(account, ledger.commitment(held_id))
    else:
        responsible_for(account, ledger.lead(held_id))


def run_as_responsible(account: Account, ledger: Ledger, step: Step) -> Any:
    """What ``step`` answers, carried out for the department responsible for its commitment or
    lead (checked first, so that another account learns nothing of it)."""
    held_id = step.commitment_id if isinstance(step, CommitmentStep) else step.lead_id
    responsible_for_step(account, ledger, type(step), held_id)
    return ledger.execute(step, account.actor())
