"""Third-party ratings in the sample: two sources rate several cities and a body in each, for
two periods, so the evaluation has ratings to weigh and a latest period to pick (loaded after
the commitments and leads, on the sample's last day)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ledger.application import Ledger
from ledger.events import Actor, Role
from ledger.ratings import ImportRating
from ledger.regions import fujian
from ledger.sample.clock import SampleClock
from ledger.sample.plan import SamplePlan

OPERATOR = Actor(id="operator-sample", role=Role.OPERATOR)
SOURCES = (("福州大学公共管理学院", "福大公管评〔2026〕{n}号"),
           ("福建省营商环境第三方评估中心", "闽营评〔2026〕{n}号"))
PERIODS = ("2026-H1", "2026-Q3")
CITIES = 5


def play_ratings(ledger: Ledger, clock: SampleClock, plan: SamplePlan) -> None:
    """Rate the first few cities and one body registered in each."""
    bodies: dict[str, str] = {}
    for body in plan.bodies:
        bodies.setdefault(body.city, body.command.credit_code)
    table = fujian()
    for n, (city, code) in enumerate(list(bodies.items())[:CITIES]):
        region = table.current(city).code
        for s, (source, document) in enumerate(SOURCES):
            for p, period in enumerate(PERIODS):
                for kind, subject in (("region", region), ("body", code)):
                    clock.now += timedelta(seconds=20)
                    score = Decimal(70 + (n * 7 + s * 5 + p * 3 + len(kind)) % 28)
                    ledger.import_rating(ImportRating(
                        source=source, subject_kind=kind, subject_code=subject,
                        period=period, score=score,
                        document=document.format(n=n * 10 + s * 2 + p + 1)), OPERATOR)
