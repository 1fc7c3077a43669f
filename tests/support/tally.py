"""What a fault test expected to find after the fault, what it found, and the difference."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql
from temporalio.client import Client

from ledger import record_events as ev
from ledger.application import Ledger
from projections.log import LogTable
from tests.support.projections import rebuilt_snapshot, snapshot
from workflows.inputs import workflow_id
from workflows.plans import started_deadlines

DEADLINE_WORKFLOWS = "WorkflowType = 'DeadlineWorkflow'"
LADDER = (ev.DeadlineMissed, ev.DeadlineUrged, ev.DeadlineEscalated)
SYSTEM_STEPS = (ev.ReminderSent, *LADDER)


@dataclass(frozen=True)
class Tally:
    """``found`` of ``expected``; ``lost``: expected but absent; ``extra``: present more often
    than expected (doubled), or not expected at all."""

    what: str
    expected: int
    found: int
    lost: int
    extra: int

    def __str__(self) -> str:
        return (f"{self.what}: {self.found} of {self.expected}, lost {self.lost}, "
                f"doubled or extra {self.extra}")

    @classmethod
    def of(cls, what: str, expected: Counter[Any], found: Counter[Any]) -> Tally:
        return cls(what, expected.total(), found.total(), (expected - found).total(),
                   (found - expected).total())


def deadlines_called_for(ledger: Ledger, ids: Iterable[UUID]) -> Counter[str]:
    """One workflow id per deadline that a record's facts started."""
    return Counter({workflow_id(rid, d.key) for rid in ids for event in ledger.timeline(rid)
                    for d in started_deadlines(event)})


async def tally_workflows(client: Client, ledger: Ledger, ids: Iterable[UUID]) -> Tally:
    """Deadline workflow runs against the deadlines the records call for: one run each."""
    runs = Counter([execution.id async for execution in client.list_workflows(
        DEADLINE_WORKFLOWS)])
    return Tally.of("deadline workflows", deadlines_called_for(ledger, ids), runs)


def tally_overdue_facts(ledger: Ledger, ids: Iterable[UUID], overdue: set[UUID]) -> Tally:
    """Missed, urged and escalated once for each overdue record; no system step elsewhere."""
    expected: Counter[tuple[UUID, str]] = Counter()
    found: Counter[tuple[UUID, str]] = Counter()
    for rid in ids:
        if rid in overdue:
            expected.update((rid, kind.__name__) for kind in LADDER)
        found.update((rid, type(e).__name__) for e in ledger.timeline(rid)
                     if isinstance(e, SYSTEM_STEPS))
    return Tally.of("overdue facts in the ledger", expected, found)


def tally_views(url: str, log: LogTable) -> Tally:
    """Rows of the live views against the same views rebuilt from the whole log."""
    def rows(tables: dict[str, list[tuple[Any, ...]]]) -> Counter[tuple[str, str]]:
        return Counter((name, repr(row)) for name, found in tables.items() for row in found)

    return Tally.of("view rows", rows(rebuilt_snapshot(url, log)), rows(snapshot(url, "views")))


def ladder_facts(url: str, log: LogTable) -> tuple[int, int]:
    """How many missed, urged and escalated facts the log holds so far, and how many records
    are part-way up their ladder (one or two of the three)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(sql.SQL(
            "SELECT count(*) FROM {} WHERE topic = ANY(%s) GROUP BY originator_id"
        ).format(log.identifier), ([get_topic(kind) for kind in LADDER],)).fetchall()
    return sum(n for n, in rows), sum(n < len(LADDER) for n, in rows)
