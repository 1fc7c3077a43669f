"""Loading the sample into an empty ledger, and telling whether it is there."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger.application import Ledger
from ledger.errors import ValidationError
from ledger.sample.clock import SAMPLE_START, SampleClock
from ledger.sample.life import play
from ledger.sample.plan import (
    SEED,
    LedgerFactory,
    SamplePlan,
    sample_plan,
)
from ledger.sample.ratings import play_ratings
from ledger.sample.registers import play_registers
from ledger.sample.warnings import play_warnings


@dataclass(frozen=True)
class SampleSummary:
    """What the sample holds, and whether this call loaded it."""

    loaded: bool
    bodies: int
    civil_servants: int
    records: int
    events: int
    examples: dict[str, UUID]


def load_sample(ledger_factory: LedgerFactory, *, seed: int = SEED) -> SampleSummary:
    """Load the sample into a ledger that lacks it; a ledger that has it is left as it is.

    ``ledger_factory`` builds a ledger on the clock it is given; the loader moves that clock.
    """
    plan = sample_plan(seed)
    clock = SampleClock(SAMPLE_START)
    ledger = ledger_factory(clock)
    try:
        if _present(ledger, plan):
            return _summary(ledger, plan, loaded=False)
        play(ledger, clock, plan)
        play_registers(ledger, clock, plan)
        play_ratings(ledger, clock, plan)
        play_warnings(ledger, clock, plan)
        return _summary(ledger, plan, loaded=True)
    finally:
        ledger.close()


def sample_summary(ledger: Ledger, *, seed: int = SEED) -> SampleSummary | None:
    """What the sample holds if this ledger has it, else ``None``."""
    plan = sample_plan(seed)
    return _summary(ledger, plan, loaded=False) if _present(ledger, plan) else None


def _present(ledger: Ledger, plan: SamplePlan) -> bool:
    ids = [item.record_id for item in plan.records]
    present = ledger.existing_records(ids)
    if present and len(present) < len(ids):
        raise ValidationError("holds part of the sample only; load the sample into an empty "
                              "database", field="database")
    return bool(present)


def _summary(ledger: Ledger, plan: SamplePlan, *, loaded: bool) -> SampleSummary:
    return SampleSummary(loaded=loaded, bodies=len(plan.bodies), civil_servants=len(plan.people),
                         records=len(plan.records),
                         events=ledger.recorder.max_notification_id() or 0,
                         examples=plan.examples())
