"""The daily sweep: publicity windows and sanction periods that ended are recorded as such.

A Temporal Schedule (``ledger-expiry-sweep``, 00:05 Asia/Shanghai every day) starts
``ExpirySweepWorkflow``; its one activity walks the horizons that ended and takes the ledger's
idempotent system step for each (``expire_publicity``, ``lift_sanction``), heartbeating as it
goes. A missed day is caught up the next day, since the sweep takes everything ended before today.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.inputs import TASK_QUEUE, SweepInput, SweepOutcome

SCHEDULE_ID = "ledger-expiry-sweep"


@workflow.defn
class ExpirySweepWorkflow:
    """One day's sweep of ended publicity windows and sanction periods."""

    @workflow.run
    async def run(self, input: SweepInput) -> SweepOutcome:
        return await workflow.execute_activity(
            "sweep_expiries", input, result_type=SweepOutcome,
            start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
        )


async def ensure_sweep_schedule(client: Client, *, task_queue: str = TASK_QUEUE) -> bool:
    """Create the daily sweep's Schedule if missing; True when it was created now."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ExpirySweepWorkflow.run, SweepInput(), id=SCHEDULE_ID, task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(0)], minute=[ScheduleRange(5)])],
            time_zone_name="Asia/Shanghai",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                              catchup_window=timedelta(days=1)),
    )
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        return False
    return True
