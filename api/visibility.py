"""Which of a subject's records a department or an official may see in the shared views
(the rule is ``ledger.access.may_read``). A subject of whom a department sees no record is
answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from api.auth import Account
from ledger import access
from ledger.application import Ledger
from ledger.errors import RecordNotFoundError
from ledger.events import Role


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
