"""Which of a subject's records a department or an official may see in the shared views.

A department sees the records it filed and those with an objection or a repair application
forwarded to it (then or earlier): the matters it decides. An official sees their own
subject's records. Every other reader (reviewer, operator, auditor, administrator) sees all.
A subject of whom a department sees no record is answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from api.auth import Account
from ledger.application import Ledger
from ledger.errors import RecordNotFoundError
from ledger.events import Role
from ledger.record import CreditRecord
from ledger.values import Objection, Repair


def department_sees(record: CreditRecord, code: str | None) -> bool:
    """Whether the department ``code`` filed the record or had a matter of it forwarded."""
    matters: list[Objection | Repair] = [*record.objections.values(), *record.repairs.values()]
    return code is not None and code in (
        {record.content.source.code} | {m.forwarded_to for m in matters if m.forwarded_to})


def visible(account: Account, ledger: Ledger, records: Iterable[UUID],
            subject_code: str | None = None) -> list[UUID] | None:
    """The records among ``records`` (one subject's) the account sees; ``None`` when it sees
    them all. ``subject_code`` is the subject's credit code or id, for an official."""
    if account.role is Role.SUBJECT_OFFICIAL:
        return None if account.subject == subject_code else []
    if account.role is not Role.SOURCE_DEPARTMENT:
        return None
    seen = []
    for record_id in records:
        try:
            if department_sees(ledger.record(record_id), account.subject):
                seen.append(record_id)
        except RecordNotFoundError:
            continue
    return seen
