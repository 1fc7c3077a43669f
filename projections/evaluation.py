"""Integrity evaluation (政务诚信评价) and early warnings (预警), from a versioned formula.

The formula is data: ``projections/data/integrity-*.json``, one file per version with the dates
it is in force, like the ledger's rule sets. A score starts at ``base`` and loses points for
records in force (by severity), overdue deadlines and overdue rectifications, and regains some
for repaired records; it never goes below ``floor``. Bodies and regions have their own weights,
since a city holds many bodies' records. Warnings are thresholds on the same metrics (or on the
score), each for bodies or for regions of one level of the reporting tree.

The metrics are read from the ``subject_status`` and ``region_rollup`` views at query time, so
a new formula version applies at once, without a rebuild.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledger.clock import business_date, system_clock
from ledger.errors import ValidationError
from ledger.regions import RegionTable, fujian
from projections.view import VIEWS_SCHEMA

METRICS = (
    "records", "in_force", "in_force_minor", "in_force_general", "in_force_serious",
    "under_objection", "repaired", "open_deadlines", "overdue_deadlines",
    "overdue_rectifications",
)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Weights(_Data):
    base: Decimal
    floor: Decimal
    deduct_per_record_in_force: dict[Literal["minor", "general", "serious"], Decimal]
    deduct_per_overdue_deadline: Decimal
    deduct_per_overdue_rectification: Decimal
    deduct_per_record_under_objection: Decimal
    credit_per_repaired_record: Decimal


class Grade(_Data):
    grade: str
    min_score: Decimal


class WarningRule(_Data):
    """Raise a warning when ``metric`` reaches ``at_least`` (or the score falls ``below``)."""

    id: str
    applies_to: Literal["body", "region"]
    level: Literal["province", "city", "county"] | None = None
    metric: str
    at_least: Decimal | None = None
    below: Decimal | None = None
    message: str

    @model_validator(mode="after")
    def _one_threshold(self) -> WarningRule:
        if (self.at_least is None) == (self.below is None):
            raise ValueError(f"warning {self.id} needs exactly one of at_least and below")
        if self.metric not in (*METRICS, "score"):
            raise ValueError(f"warning {self.id} names unknown metric {self.metric!r}")
        return self

    def raised_by(self, value: Decimal) -> bool:
        if self.at_least is not None:
            return value >= self.at_least
        return self.below is not None and value < self.below


class Formula(_Data):
    """One version of the evaluation: weights for bodies and regions, grades, warnings."""

    id: str
    title: str
    effective_from: date
    effective_to: date | None
    body: Weights
    region: Weights
    grades: list[Grade] = Field(min_length=1)
    warnings: list[WarningRule]

    def grade(self, score: Decimal) -> str:
        for grade in sorted(self.grades, key=lambda g: g.min_score, reverse=True):
            if score >= grade.min_score:
                return grade.grade
        return self.grades[-1].grade


class Warning(_Data):
    """A threshold a body or region has crossed, for operators to act on."""

    rule_id: str
    kind: Literal["body", "region"]
    code: str
    name: str
    metric: str
    value: Decimal
    message: str


class Evaluation(_Data):
    """A body's or region's score under one formula version, with the metrics behind it."""

    kind: Literal["body", "region"]
    code: str
    name: str
    formula_id: str
    score: Decimal
    grade: str
    metrics: dict[str, int]
    repaired_share: Decimal | None
    warnings: list[Warning]


@cache
def formulas() -> tuple[Formula, ...]:
    """Every formula version shipped with the projections, oldest first."""
    folder = resources.files("projections") / "data"
    found = [
        Formula.model_validate(json.loads(entry.read_text(encoding="utf-8"),
                                          parse_float=Decimal))
        for entry in folder.iterdir() if entry.name.startswith("integrity-")
    ]
    return tuple(sorted(found, key=lambda f: f.effective_from))


def formula_in_force(on: date | None = None) -> Formula:
    day = on or business_date(system_clock())
    candidates = [f for f in formulas() if f.effective_from <= day
                  and (f.effective_to is None or day <= f.effective_to)]
    if not candidates:
        raise ValidationError(f"no evaluation formula is in force on {day}", field="on")
    return max(candidates, key=lambda f: f.effective_from)


def evaluate(formula: Formula, kind: Literal["body", "region"], code: str, name: str,
             metrics: dict[str, int], level: str | None = None) -> Evaluation:
    """Score one body or region from its metrics, and check the formula's warnings."""
    weights = formula.body if kind == "body" else formula.region
    score = weights.base
    for severity, weight in weights.deduct_per_record_in_force.items():
        score -= weight * metrics[f"in_force_{severity}"]
    score -= weights.deduct_per_overdue_deadline * metrics["overdue_deadlines"]
    score -= weights.deduct_per_overdue_rectification * metrics["overdue_rectifications"]
    score -= weights.deduct_per_record_under_objection * metrics["under_objection"]
    score += weights.credit_per_repaired_record * metrics["repaired"]
    score = max(weights.floor, min(weights.base, score))
    warnings = []
    for rule in formula.warnings:
        if rule.applies_to != kind or (rule.level is not None and rule.level != level):
            continue
        value = score if rule.metric == "score" else Decimal(metrics[rule.metric])
        if rule.raised_by(value):
            warnings.append(Warning(rule_id=rule.id, kind=kind, code=code, name=name,
                                    metric=rule.metric, value=value, message=rule.message))
    records = metrics["records"]
    return Evaluation(
        kind=kind, code=code, name=name, formula_id=formula.id, score=score,
        grade=formula.grade(score), metrics=metrics, warnings=warnings,
        repaired_share=(Decimal(metrics["repaired"]) / records).quantize(Decimal("0.001"))
        if records else None,
    )


_BODY_METRICS = (
    "SELECT s.credit_code AS code, s.name, count(*)::int AS records, "
    "count(*) FILTER (WHERE status = 'in_force')::int AS in_force, "
    "count(*) FILTER (WHERE status = 'in_force' AND severity = 'minor')::int AS in_force_minor, "
    "count(*) FILTER (WHERE status = 'in_force' AND severity = 'general')::int "
    "AS in_force_general, "
    "count(*) FILTER (WHERE status = 'in_force' AND severity = 'serious')::int "
    "AS in_force_serious, "
    "count(*) FILTER (WHERE under_objection)::int AS under_objection, "
    "count(*) FILTER (WHERE status = 'repaired')::int AS repaired, "
    "sum(cardinality(open_deadlines))::int AS open_deadlines, "
    "sum(cardinality(overdue_deadlines))::int AS overdue_deadlines, "
    "count(*) FILTER (WHERE 'rectification' = ANY(overdue_deadlines))::int "
    "AS overdue_rectifications "
    "FROM {v}.subject_status_records r JOIN {v}.subject_status_subjects s USING (subject_id) "
    "WHERE s.subject_type = 'body' AND (%(code)s::text IS NULL OR s.credit_code = %(code)s) "
    "GROUP BY s.credit_code, s.name"
)

_REGION_METRICS = (
    "SELECT region_code AS code, sum(records)::int AS records, "
    "sum(in_force)::int AS in_force, "
    "coalesce(sum(in_force) FILTER (WHERE severity = 'minor'), 0)::int AS in_force_minor, "
    "coalesce(sum(in_force) FILTER (WHERE severity = 'general'), 0)::int AS in_force_general, "
    "coalesce(sum(in_force) FILTER (WHERE severity = 'serious'), 0)::int AS in_force_serious, "
    "sum(under_objection)::int AS under_objection, sum(repaired)::int AS repaired, "
    "sum(open_deadlines)::int AS open_deadlines, "
    "sum(overdue_deadlines)::int AS overdue_deadlines, "
    "sum(overdue_rectifications)::int AS overdue_rectifications "
    "FROM {v}.region_rollup WHERE (%(code)s::text IS NULL OR region_code = %(code)s) "
    "GROUP BY region_code"
)


def _metric_rows(conn: psycopg.Connection[Any], query: str, code: str | None) -> (
    list[dict[str, Any]]
):
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(sql.SQL(query).format(v=sql.Identifier(VIEWS_SCHEMA)), {"code": code})
        return cursor.fetchall()


def _metrics(row: dict[str, Any]) -> dict[str, int]:
    return {m: int(row.get(m) or 0) for m in METRICS}


def evaluate_body(conn: psycopg.Connection[Any], credit_code: str, *,
                  formula: Formula | None = None) -> Evaluation | None:
    """The body's current evaluation, or ``None`` if it has no records."""
    rows = _metric_rows(conn, _BODY_METRICS, credit_code)
    if not rows:
        return None
    return evaluate(formula or formula_in_force(), "body", credit_code, rows[0]["name"],
                    _metrics(rows[0]))


def evaluate_region(conn: psycopg.Connection[Any], region: str, *,
                    formula: Formula | None = None,
                    regions: RegionTable | None = None) -> Evaluation:
    """The region's current evaluation, over its records and all below it."""
    here = (regions or fujian()).current(region, field="region")
    rows = _metric_rows(conn, _REGION_METRICS, here.code)
    metrics = _metrics(rows[0]) if rows else dict.fromkeys(METRICS, 0)
    return evaluate(formula or formula_in_force(), "region", here.code, here.name, metrics,
                    here.level)


def early_warnings(conn: psycopg.Connection[Any], *, formula: Formula | None = None,
                   regions: RegionTable | None = None) -> list[Warning]:
    """Every warning raised now, regions (province, cities, counties) first, then bodies."""
    used = formula or formula_in_force()
    table = regions or fujian()
    raised: list[Warning] = []
    for row in sorted(_metric_rows(conn, _REGION_METRICS, None), key=lambda r: r["code"]):
        region = table.current(row["code"])
        raised += evaluate(used, "region", region.code, region.name, _metrics(row),
                           region.level).warnings
    for row in sorted(_metric_rows(conn, _BODY_METRICS, None), key=lambda r: r["code"]):
        raised += evaluate(used, "body", row["code"], row["name"], _metrics(row)).warnings
    return raised
