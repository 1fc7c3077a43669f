"""Seriously dishonest subjects (严重失信): a flag derived from the records in force.

The flag is a view, not a fact. Whether it holds depends on today's date (a record in force
stops counting the day after its publicity window ends, before the system records the expiry)
and on the rule set in force today, and it must end by itself when a record expires, is
repaired, withdrawn or deleted. A recorded flag would need a second fact, and a workflow to
write it, for every one of those ends, and could disagree with the records it names; derived
from the records on each read it cannot. The records themselves are the facts, and a subject's
flag on any past day can be computed again from the log.

``assess`` is the rule, over plain record facts; the views' query (``flags``) and the ledger's
aggregates (``facts_of``) both feed it, so the in-memory ledger and the views agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel

from ledger.record import CreditRecord
from ledger.rules import RuleSet
from ledger.values import RecordStatus, Severity
from projections.view import VIEWS_SCHEMA

SERIOUS_RECORDS, RECORDS_IN_FORCE, CATEGORY = "serious_records", "records_in_force", "category"
"""The reasons a subject is flagged, each naming the rule value it meets."""


class RecordFact(BaseModel):
    """What the rule reads of one record: no content, no personal data."""

    record_id: UUID
    subject_id: UUID
    subject_type: str
    region_code: str
    category: str
    severity: str
    status: str
    source_code: str
    decision_date: date
    publicity_max_end: date

    def in_force(self, today: date) -> bool:
        return self.status == RecordStatus.IN_FORCE.value and today <= self.publicity_max_end


class Reason(BaseModel):
    kind: str
    rule: str
    """The rule value met, as ``name=value`` of the rule set."""
    records: list[UUID]


class SeriousDishonesty(BaseModel):
    """A flagged subject: why, the records behind it, and the rule set that says so."""

    subject_id: UUID
    subject_type: str
    region_code: str
    rule_set_id: str
    on: date
    reasons: list[Reason]
    records: list[RecordFact]


def assess(rules: RuleSet, records: Iterable[RecordFact], today: date) -> (
    SeriousDishonesty | None
):
    """The flag of one subject's records on a day, or ``None`` when no criterion holds."""
    live = sorted((r for r in records if r.in_force(today)),
                  key=lambda r: (r.decision_date, r.record_id))
    if not live:
        return None
    serious = [r for r in live if r.severity == Severity.SERIOUS.value]
    counted = [r for r in live if r.severity != Severity.MINOR.value]
    listed = {c.value for c in rules.serious_dishonesty_categories}
    of_category = [r for r in live if r.category in listed]
    reasons: list[Reason] = []
    if len(serious) >= rules.serious_dishonesty_serious_records:
        reasons.append(Reason(kind=SERIOUS_RECORDS, records=[r.record_id for r in serious],
                              rule="serious_dishonesty_serious_records="
                                   f"{rules.serious_dishonesty_serious_records}"))
    if len(counted) >= rules.serious_dishonesty_records:
        reasons.append(Reason(kind=RECORDS_IN_FORCE, records=[r.record_id for r in counted],
                              rule=f"serious_dishonesty_records={rules.serious_dishonesty_records}"))
    if of_category:
        reasons.append(Reason(kind=CATEGORY, records=[r.record_id for r in of_category],
                              rule="serious_dishonesty_categories="
                                   + ",".join(sorted(listed))))
    if not reasons:
        return None
    behind = {i for reason in reasons for i in reason.records}
    first = live[0]
    return SeriousDishonesty(
        subject_id=first.subject_id, subject_type=first.subject_type,
        region_code=first.region_code, rule_set_id=rules.id, on=today, reasons=reasons,
        records=[r for r in live if r.record_id in behind])


def fact_of(record: CreditRecord) -> RecordFact:
    """The rule's facts of a record aggregate, as the ledger holds it (either store)."""
    content = record.content
    return RecordFact(
        record_id=record.id, subject_id=content.subject_id,
        subject_type=content.subject_type.value, region_code=content.region_code,
        category=content.category.value, severity=content.severity.value,
        status=record.status.value, source_code=content.source.code,
        decision_date=content.decision_date, publicity_max_end=record.publicity_max_end)


def facts_of(records: Iterable[CreditRecord]) -> list[RecordFact]:
    return [fact_of(r) for r in records]


_COLUMNS = ("record_id, subject_id, subject_type, region_code, category, severity, status, "
            "source_code, decision_date, publicity_max_end")


def _read(conn: psycopg.Connection[Any], where: str, params: dict[str, Any]) -> (
    list[RecordFact]
):
    statement = sql.SQL("SELECT " + _COLUMNS + " FROM {v}.record_view WHERE status = "
                        "'in_force' AND %(today)s <= publicity_max_end" + where).format(
        v=sql.Identifier(VIEWS_SCHEMA))
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(statement, params)
        return [RecordFact(**row) for row in cursor.fetchall()]


def flag(conn: psycopg.Connection[Any], rules: RuleSet, subject_id: UUID, today: date) -> (
    SeriousDishonesty | None
):
    """One subject's flag from the record view."""
    return assess(rules, _read(conn, " AND subject_id = %(subject)s",
                               {"today": today, "subject": subject_id}), today)


def flags(conn: psycopg.Connection[Any], rules: RuleSet, today: date, *,
          regions: Sequence[str] | None = None, subject_type: str | None = None) -> (
    list[SeriousDishonesty]
):
    """Every flagged subject (of these regions, of this type), by region then subject."""
    found = _read(conn, " AND (%(regions)s::text[] IS NULL OR region_code = ANY(%(regions)s))"
                  " AND (%(type)s::text IS NULL OR subject_type = %(type)s)",
                  {"today": today, "regions": list(regions) if regions is not None else None,
                   "type": subject_type})
    by_subject: dict[UUID, list[RecordFact]] = {}
    for fact in found:
        by_subject.setdefault(fact.subject_id, []).append(fact)
    assessed = (assess(rules, facts, today) for facts in by_subject.values())
    return sorted((f for f in assessed if f is not None),
                  key=lambda f: (f.region_code, str(f.subject_id)))
