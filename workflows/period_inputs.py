"""Input and outcome of the quarterly evaluation workflow, and the day it waits for."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

WORKFLOW_ID = "ledger-period-evaluations"
# Asia/Shanghai keeps UTC+8 all year (as in ``workflows.inputs``).
SHANGHAI = timezone(timedelta(hours=8))
RUN_AT = timedelta(minutes=30)
"""How long after midnight (Beijing time) on a quarter's first day the periods are taken."""


class PeriodEvaluationInput(BaseModel):
    """Take the evaluations due on ``on`` (the first day of a quarter)."""

    model_config = ConfigDict(frozen=True)
    on: date | None = None


class PeriodEvaluationOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)
    recorded: list[str] = []
    """The periods recorded now (``2026-Q4``, ``2026``); none when recorded before."""


def next_quarter_start(after: datetime) -> datetime:
    """The first quarter's first day, at ``RUN_AT`` Beijing time, later than ``after``."""
    local = after.astimezone(SHANGHAI)
    month = (local.month - 1) // 3 * 3 + 1
    start = datetime(local.year, month, 1, tzinfo=SHANGHAI) + RUN_AT
    while start <= local:
        month += 3
        year = local.year + (month - 1) // 12
        start = datetime(year, (month - 1) % 12 + 1, 1, tzinfo=SHANGHAI) + RUN_AT
    return start
