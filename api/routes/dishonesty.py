"""Seriously dishonest subjects (严重失信): the flag, its reasons and the records behind it.

Departments read it for disqualification (取消资格) and strict assessment (从严考核); the
public reads it only when the rule set in force says so, and then bodies only. The flag is
derived from the record view on each read (``projections.dishonesty``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import Account
from api.deps import Region, Services, ServicesDep, TokenFirstRoute, require
from api.reads import RegionsDep
from ledger import access
from ledger.errors import NotFoundError
from ledger.rules import RuleSet
from projections import dishonesty
from projections.dishonesty import SeriousDishonesty

router = APIRouter(prefix="/api/v1", tags=["serious dishonesty"], route_class=TokenFirstRoute)
READERS = Depends(require(*access.DISHONESTY_READERS))


class FlagOut(BaseModel):
    flagged: bool
    flag: SeriousDishonesty | None


def _rules(services: Services) -> RuleSet:
    return services.ledger.settings().rule_book().in_force(services.today())


@router.get("/serious-dishonesty", response_model=list[SeriousDishonesty])
def flagged_subjects(
    services: ServicesDep, _: Annotated[Account, READERS], table: RegionsDep,
    region: Region = None,
    subject_type: Annotated[str | None, Query(pattern=r"^(body|civil_servant)$")] = None,
) -> list[SeriousDishonesty]:
    """Every seriously dishonest subject (of a region and those under it), with the reasons."""
    inside = table.under(region, field="region") if region else None
    with services.views() as conn:
        return dishonesty.flags(conn, _rules(services), services.today(), regions=inside,
                                subject_type=subject_type)


@router.get("/subjects/{subject_id}/serious-dishonesty", response_model=FlagOut)
def subject_flag(subject_id: UUID, services: ServicesDep,
                 _: Annotated[Account, READERS]) -> FlagOut:
    """Whether a subject is seriously dishonest today, why, and the records behind it."""
    with services.views() as conn:
        found = dishonesty.flag(conn, _rules(services), subject_id, services.today())
    return FlagOut(flagged=found is not None, flag=found)


@router.get("/public/serious-dishonesty", response_model=list[SeriousDishonesty])
def public_flags(services: ServicesDep) -> list[SeriousDishonesty]:
    """The seriously dishonest bodies, only where the rule set in force makes the flag public."""
    rules = _rules(services)
    if not rules.serious_dishonesty_public:
        raise NotFoundError("the rule set in force does not make the flag public",
                            field="serious_dishonesty_public")
    with services.views() as conn:
        found = dishonesty.flags(conn, rules, services.today(), subject_type="body")
    # The reasons only: a record behind the flag may not be public itself.
    return [f.model_copy(update={"records": [], "reasons": [
        r.model_copy(update={"records": []}) for r in f.reasons]}) for f in found]
