"""Search attributes of deadline workflows, and the operators' visibility query over them.

A namespace allows only 3 Datetime and 10 Keyword custom attributes, so every deadline shares
one generic set. They are stored unencrypted: never put personal data in them (a civil servant's
records carry the person's opaque id, never a name or citizen ID). Lists come from visibility,
which needs no running worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from workflows.inputs import DeadlineInput, DeadlineState, Ladder, start_of_day

DEADLINE_AT = SearchAttributeKey.for_datetime("DeadlineAt")
"""The moment the deadline passes: 00:00 Asia/Shanghai of the day after the due date."""
DEADLINE_KIND = SearchAttributeKey.for_keyword("DeadlineKind")
DEADLINE_STATE = SearchAttributeKey.for_keyword("DeadlineState")
RECORD_ID = SearchAttributeKey.for_keyword("RecordId")
SUBJECT_CODE = SearchAttributeKey.for_keyword("SubjectCode")
REGION_CODE = SearchAttributeKey.for_keyword("RegionCode")

KEYS: tuple[SearchAttributeKey[str] | SearchAttributeKey[datetime], ...] = (
    DEADLINE_AT, DEADLINE_KIND, DEADLINE_STATE, RECORD_ID, SUBJECT_CODE, REGION_CODE,
)
WORKFLOW_TYPE = "DeadlineWorkflow"


def initial_attributes(input: DeadlineInput, subject_code: str, region_code: str) -> (
    TypedSearchAttributes
):
    """The attributes a deadline workflow starts with."""
    return TypedSearchAttributes([
        SearchAttributePair(DEADLINE_AT, input.ladder.missed_at),
        SearchAttributePair(DEADLINE_KIND, input.kind.value),
        SearchAttributePair(DEADLINE_STATE, DeadlineState.OPEN.value),
        SearchAttributePair(RECORD_ID, str(input.record_id)),
        SearchAttributePair(SUBJECT_CODE, subject_code),
        SearchAttributePair(REGION_CODE, region_code),
    ])


def state_updates(state: DeadlineState, ladder: Ladder | None = None) -> (
    list[SearchAttributeUpdate[str] | SearchAttributeUpdate[datetime]]
):
    """The upserts for a change of state (and, on an extension, of the due moment)."""
    updates: list[SearchAttributeUpdate[str] | SearchAttributeUpdate[datetime]] = [
        DEADLINE_STATE.value_set(state.value)
    ]
    if ladder is not None:
        updates.append(DEADLINE_AT.value_set(ladder.missed_at))
    return updates


async def register_search_attributes(client: Client, namespace: str = "default") -> list[str]:
    """Add the project's attributes to a namespace (a no-op when present); return those added."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    known = set(existing.custom_attributes) | set(existing.system_attributes)
    missing = {key.name: _indexed_type(key) for key in KEYS if key.name not in known}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


def _indexed_type(key: SearchAttributeKey[str] | SearchAttributeKey[datetime]) -> (
    IndexedValueType.ValueType
):
    return IndexedValueType.ValueType(int(key.indexed_value_type))


@dataclass(frozen=True)
class DeadlineWorkflowRow:
    """A deadline workflow as Temporal's visibility lists it: one row of the operators' list.

    Not the views' ``projections.results.OpenDeadline``."""

    workflow_id: str
    record_id: UUID | None
    kind: str
    state: str
    deadline_at: datetime | None
    subject_code: str
    region_code: str


def _quote(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"not a valid filter value: {value!r}")
    return f"'{value}'"


def deadlines_query(
    *, region: str | None = None, kind: str | None = None, due_before: date | None = None,
    overdue_at: datetime | None = None, include_closed: bool = False,
) -> str:
    """The visibility query for open deadlines; it works as typed in the Temporal web UI too.

    ``due_before`` keeps deadlines whose due date is before that day; ``overdue_at`` keeps those
    that had passed at that moment.
    """
    clauses = [f"WorkflowType = '{WORKFLOW_TYPE}'"]
    if not include_closed:
        clauses.append("ExecutionStatus = 'Running'")
    if region is not None:
        clauses.append(f"{REGION_CODE.name} = {_quote(region)}")
    if kind is not None:
        clauses.append(f"{DEADLINE_KIND.name} = {_quote(kind)}")
    if due_before is not None:
        clauses.append(f"{DEADLINE_AT.name} <= '{start_of_day(due_before).isoformat()}'")
    if overdue_at is not None:
        clauses.append(f"{DEADLINE_AT.name} <= '{overdue_at.isoformat()}'")
    return " AND ".join(clauses)


async def list_deadlines(client: Client, query: str, limit: int = 1000) -> (
    list[DeadlineWorkflowRow]
):
    """Run a deadlines query; rows in the order of their due moment."""
    rows: list[DeadlineWorkflowRow] = []
    async for execution in client.list_workflows(query, limit=limit):
        attrs = execution.typed_search_attributes
        record = attrs.get(RECORD_ID)
        rows.append(DeadlineWorkflowRow(
            workflow_id=execution.id,
            record_id=UUID(record) if record else None,
            kind=attrs.get(DEADLINE_KIND) or "",
            state=attrs.get(DEADLINE_STATE) or "",
            deadline_at=attrs.get(DEADLINE_AT),
            subject_code=attrs.get(SUBJECT_CODE) or "",
            region_code=attrs.get(REGION_CODE) or "",
        ))
    return sorted(rows, key=lambda r: (r.deadline_at is None, r.deadline_at, r.workflow_id))


def has_search_attributes(attrs: TypedSearchAttributes, keys: Sequence[
    SearchAttributeKey[str] | SearchAttributeKey[datetime]
] = (DEADLINE_STATE,)) -> bool:
    """Whether a workflow started with the project's attributes (so it may upsert them)."""
    return all(attrs.get(key) is not None for key in keys)
