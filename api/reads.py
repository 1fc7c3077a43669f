"""What the API's routes and the pages read from the views, one read per question.

A page is a route's read plus a template: the deadline board and ``GET /api/v1/deadlines`` read
the same open deadlines, the official's page and ``GET /api/v1/subjects/{id}/status`` the same
subject status. Each read takes the services (the ledger's calendar and business date, the
views' connection) so callers cannot read today or the calendar differently, and the region
table comes from one dependency, the ledger's own (``RegionsDep``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import Depends

from api.deps import Services, ServicesDep
from ledger.errors import RecordNotFoundError
from ledger.regions import RegionTable
from projections import deadlines, disclosure, subjects
from projections.results import DisclosedRecord, OpenDeadline, SubjectSummary


def region_table(services: ServicesDep) -> RegionTable:
    """The region table a request reads with: the one the ledger checks filings against."""
    return services.ledger.regions


RegionsDep = Annotated[RegionTable, Depends(region_table)]


def due_before(services: Services, within: int | None, before: date | None = None) -> (
    date | None
):
    """The ``due_before`` of a filter "due within N working days", or the earlier of it and
    ``before`` when both are given."""
    if within is None:
        return before
    bound = deadlines.due_before_within(services.ledger.settings().calendar(), services.today(),
                                        within)
    return min(bound, before) if before else bound


def open_deadlines(services: Services, *, region: str | None = None, kind: str | None = None,
                   due_before: date | None = None, overdue: bool | None = None,
                   party: str | None = None, limit: int = 1000,
                   regions: RegionTable | None = None) -> list[OpenDeadline]:
    """Open deadlines matching the filters, earliest first, with working days left today."""
    with services.views() as conn:
        return deadlines.open_deadlines(
            conn, region=region, kind=kind, due_before=due_before, overdue=overdue,
            party=party, limit=limit, today=services.today(),
            calendar=services.ledger.settings().calendar(), regions=regions)


@dataclass(frozen=True)
class Load:
    """Open deadlines due on each of the next working days, and the overdue ones by kind,
    most first: the operator's load under a region and kind."""

    due: list[tuple[date, int]]
    overdue: list[tuple[str, int]]
    known_until: date | None
    """The last published working day, when the days shown stop there."""

    DAYS = 20


def deadline_load(services: Services, *, region: str | None, kind: str | None,
                  regions: RegionTable | None = None) -> Load:
    """The load over the next ``Load.DAYS`` working days, as far as the calendar is known."""
    calendar, today = services.ledger.settings().calendar(), services.today()
    last = calendar.computable_until(today)
    days: list[date] = []
    day = today
    while len(days) < Load.DAYS and day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    with services.views() as conn:
        per_day, late = deadlines.deadline_load(
            conn, since=today, until=days[-1] if days else today, today=today, region=region,
            kind=kind, regions=regions)
    return Load(due=[(d, per_day.get(d, 0)) for d in days],
                overdue=sorted(late.items(), key=lambda item: (-item[1], item[0])),
                known_until=last if len(days) < Load.DAYS else None)


def disclosed_record(services: Services, record_id: UUID) -> DisclosedRecord:
    """One record as the public may see it today; not found if it may not."""
    with services.views() as conn:
        found = disclosure.disclosed_record(conn, record_id, today=services.today())
    if found is None:
        raise RecordNotFoundError("this record is not on public disclosure", field="record_id")
    return found


def subject_status(services: Services, *, subject_id: UUID | None = None,
                   credit_code: str | None = None,
                   only: Collection[UUID] | None = None) -> SubjectSummary | None:
    """A subject's status (by its id, or a body's by its credit code) as of today; with
    ``only``, just those of its records count."""
    with services.views() as conn:
        if credit_code is not None:
            return subjects.body_status(conn, credit_code, today=services.today(), only=only)
        assert subject_id is not None
        return subjects.subject_status(conn, subject_id, today=services.today(), only=only)
