"""Early warnings in the sample: the formula's body rule on serious records raised on bodies of
several cities (their serious records in the sample are the inputs), in every state — open,
escalated (left unacknowledged past its working days), acknowledged, followed up and closed
(loaded last, on the sample's last day)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from ledger.application import Ledger
from ledger.clock import business_date
from ledger.events import SYSTEM, Actor, Role
from ledger.regions import fujian
from ledger.sample.clock import SampleClock
from ledger.sample.plan import SamplePlan
from ledger.warning_events import FollowUp
from ledger.warning_steps import Raised

BODIES = 5
"""Bodies warned, one per city, the first left open and each next taken one step further."""


def play_warnings(ledger: Ledger, clock: SampleClock, plan: SamplePlan) -> None:
    """Raise the sample's warnings and take each as far as its place says."""
    today = business_date(clock())
    formula = ledger.formula_book().in_force(today)
    serious = Counter(item.command.subject_code for item in plan.records
                      if item.command.severity.value == "serious" and item.command.subject_code)
    cities: dict[str, tuple[str, str]] = {}
    for body in plan.bodies:
        code = body.command.credit_code
        if serious[code] and body.city not in cities:
            cities[body.city] = (code, body.command.name)
    table = fujian()
    for n, (city, (code, name)) in enumerate(list(cities.items())[:BODIES]):
        clock.now += timedelta(seconds=30)
        raised = Raised(kind="body", code=code, name=name, rule_id="body-serious-records",
                        metric="in_force_serious", value=Decimal(serious[code]),
                        message="机关严重失信记录达到预警线", score=Decimal(100),
                        metrics={"in_force_serious": serious[code]})
        on = today if n == 0 else today - timedelta(days=20)
        found = ledger.raise_warnings(on, formula.id, [raised], SYSTEM)
        if not found:
            continue  # loaded before
        wid = found[0]
        operator = Actor(id=f"operator-{table.current(city).code}", role=Role.OPERATOR,
                         subject=table.current(city).code)
        if n == 1:  # nobody acknowledged it: overdue, so escalated to the region above
            ledger.holder_step(wid, lambda h, s: h.miss(SYSTEM, clock(), "acknowledgement"))
            continue
        if n >= 2:
            ledger.acknowledge_warning(wid, operator, "已收到，正在核查")
        if n >= 3:
            ledger.record_warning_follow_up(
                wid, operator, FollowUp.INTERVIEW if n == 4 else FollowUp.CIRCULAR,
                "约谈单位主要负责人，督促限期整改" if n == 4 else "在全市范围内通报")
        if n >= 4:
            ledger.record_warning_result(wid, operator, "涉及的严重失信记录已整改并申请修复")
