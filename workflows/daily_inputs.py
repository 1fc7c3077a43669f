"""Input and outcome of the daily warnings workflow, and the time it waits for."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

WORKFLOW_ID = "ledger-daily-warnings"
# Asia/Shanghai keeps UTC+8 all year (as in ``workflows.inputs``).
SHANGHAI = timezone(timedelta(hours=8))
RUN_AT = timedelta(minutes=45)
"""How long after midnight (Beijing time) the day's evaluations are taken: after the quarterly
run at 00:30, so that a quarter's first day is evaluated once the quarter is recorded."""


class DailyWarningsInput(BaseModel):
    """Take the evaluations of ``on`` and record the warnings they raise."""

    model_config = ConfigDict(frozen=True)
    on: date | None = None


class DailyWarningsOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)
    raised: int = 0
    """Warnings recorded now; those still open were recorded before."""


def next_run(after: datetime) -> datetime:
    """The next ``RUN_AT`` Beijing time later than ``after``."""
    local = after.astimezone(SHANGHAI)
    run = datetime(local.year, local.month, local.day, tzinfo=SHANGHAI) + RUN_AT
    return run if run > local else run + timedelta(days=1)
