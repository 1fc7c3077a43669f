"""The registers' usual commands: a body's commitment, a hotline lead, a short filing on
either, an evaluation formula to publish, and the operators and warnings of the region."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any
from uuid import UUID

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.events import Actor, Role
from ledger.warning_steps import Raised
from tests.support.world import BODY_CODE, DEPT, SOURCE_CODE, uscc

OTHER_CODE = uscc("11350000MB05678")
OTHER_DEPT = Actor(id="dept-fj-finance", role=Role.SOURCE_DEPARTMENT, subject=OTHER_CODE)


def commitment(reference: str = "闽承诺〔2026〕1号", **overrides: Any) -> rc.MakeCommitment:
    fields: dict[str, Any] = {
        "department": {"name": "福建省纪委监委", "code": SOURCE_CODE},
        "reference": reference, "maker_code": BODY_CODE, "kind": "payment",
        "content": "2026年6月30日前付清中标企业货款。", "source_document": "鼓自然〔2026〕8号",
        "made_to": "福州某建设有限公司", "made_on": date(2026, 5, 6), "due": date(2026, 6, 30),
        "public": True,
    }
    fields.update(overrides)
    return rc.MakeCommitment.model_validate(fields)


def commitments_made(ledger: Ledger, count: int) -> list[UUID]:
    """The department makes commitments numbered 1 to ``count``; their ids in that order."""
    return [ledger.make_commitment(commitment(f"闽承诺〔2026〕{n}号"), DEPT).id
            for n in range(1, count + 1)]


def lead(reference: str = "12345-20260506-0001", **overrides: Any) -> rc.ReceiveLead:
    fields: dict[str, Any] = {
        "origin": "hotline_12345", "reference": reference, "received_on": date(2026, 5, 6),
        "summary": "市民反映鼓楼区自然资源局拖欠工程款。", "body_code": BODY_CODE,
        "department": {"name": "福建省纪委监委", "code": SOURCE_CODE},
    }
    fields.update(overrides)
    return rc.ReceiveLead.model_validate(fields)


def short_filing(number: int = 1, **overrides: Any) -> rc.ShortFiling:
    fields: dict[str, Any] = {
        "document_number": f"闽纪认〔2026〕{number}号", "decision_date": date(2026, 5, 6),
        "severity": "general", "legal_basis": "《保障中小企业款项支付条例》第八条",
        "decision_content": "认定失信并予以公示。",
    }
    fields.update(overrides)
    return rc.ShortFiling.model_validate(fields)


def new_formula(**overrides: Any) -> dict[str, Any]:
    """Version 2 with a general record in force costing 10 points instead of 4."""
    text = (resources.files("ledger") / "data" / "formulas" / "integrity-2026-v2.json")
    data: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    data["body"]["deduct_per_record_in_force"]["general"] = 10
    return data | {"id": "integrity-2027-v4", "title": "第4版", "effective_from": "2027-01-02",
                   "effective_to": None} | overrides


CITY_OPERATOR = Actor(id="operator-fuzhou", role=Role.OPERATOR, subject="350100")
COUNTY_OPERATOR = Actor(id="operator-gulou", role=Role.OPERATOR, subject="350102")
XIAMEN_OPERATOR = Actor(id="operator-xiamen", role=Role.OPERATOR, subject="350200")
PROVINCE_OPERATOR = Actor(id="operator-1", role=Role.OPERATOR)


def overdue_body(value: int = 3) -> Raised:
    return Raised(kind="body", code=BODY_CODE, name="福州市鼓楼区自然资源局",
                  rule_id="body-overdue-deadlines", metric="overdue_own_deadlines",
                  value=Decimal(value), message="机关逾期未办结时限过多", score=Decimal("82.5"),
                  metrics={"records": 4, "overdue_own_deadlines": value})


def low_region(code: str = "350100", name: str = "福州市") -> Raised:
    return Raised(kind="region", code=code, name=name, rule_id="city-low-score",
                  metric="score", value=Decimal("58.0"), message="地区评分低于60分",
                  score=Decimal("58.0"), metrics={"records": 40})
