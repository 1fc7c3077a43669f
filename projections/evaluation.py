"""Integrity evaluation (政务诚信评价) and early warnings (预警), from a versioned formula.

The formula is data (``ledger.formulas``): built-in versions in ``ledger/data/formulas``, and
those an administrator publishes into the ledger, each with the dates it is in force, like the
ledger's rule sets. A body's score starts at ``base`` and loses points
for records in force (by severity), its own overdue deadlines (those whose party it is: the
formula's ``own_deadlines``, explanation and rectification) and overdue rectifications, and
regains some for repaired records; deadlines the platform or a source department missed on its
records are counted apart (``overdue_others_deadlines``) and cost it nothing. It never goes
below ``floor``. A region's score follows from its bodies: since version 2 it is the mean score
of the bodies registered in it and in every region below it (a body without records has full
marks), so a region always lies within the range of the regions that report to it and of its own
bodies. (Version 1 took points off a region per record, so the more bodies a region held the
lower it scored, and the province scored 0 while every city scored B.) Warnings are thresholds
on the rolled-up metrics (or on the score), each for bodies or for regions of one level of the
reporting tree; a county that reports to the province itself (Pingtan) is warned as a city.

The metrics are read from the ``subject_status`` and ``region_rollup`` views at query time, so
a new formula version applies at once, without a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict

from ledger.clock import business_date, system_clock
from ledger.formulas import (
    BODY_METRICS,
    PLAN_METRICS,
    FormulaBook,
    RegionMean,
    Weights,
    builtin_formulas,
)
from ledger.formulas import METRICS as METRICS  # re-exported for the views' readers
from ledger.formulas import Formula as Formula
from ledger.formulas import Grade as Grade
from ledger.formulas import WarningRule as WarningRule
from ledger.regions import RegionTable, fujian
from projections import plan_inputs
from projections.view import VIEWS_SCHEMA

FORMULAS = FormulaBook()
"""The built-in versions; the API passes the ledger's book, published versions included."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Warning(_Data):
    """A threshold a body or region has crossed, for operators to act on."""

    rule_id: str
    kind: Literal["body", "region"]
    code: str
    name: str
    metric: str
    value: Decimal
    message: str
    region_code: str | None = None
    """Where it was raised: the region itself, or the body's region."""


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
    bodies: int | None = None
    """How many bodies a region's score is the mean of."""
    third_party_score: Decimal | None = None
    """The mean of the third-party ratings weighed in (out of 100), from version 3."""


def formulas() -> tuple[Formula, ...]:
    """Every built-in formula version, oldest first."""
    return builtin_formulas()


def formula_in_force(on: date | None = None, book: FormulaBook | None = None) -> Formula:
    """The version in force on a day (today by default) in ``book`` (the built-in ones)."""
    return (book or FORMULAS).in_force(on or business_date(system_clock()))


def _deducted(weights: Weights, metrics: dict[str, int]) -> Decimal:
    score = weights.base
    for severity, weight in weights.deduct_per_record_in_force.items():
        score -= weight * metrics[f"in_force_{severity}"]
    # A body answers for its own deadlines; a region (version 1) for all within it.
    overdue = metrics.get("overdue_own_deadlines", metrics["overdue_deadlines"])
    score -= weights.deduct_per_overdue_deadline * overdue
    score -= weights.deduct_per_overdue_rectification * metrics["overdue_rectifications"]
    score -= weights.deduct_per_record_under_objection * metrics["under_objection"]
    score += weights.credit_per_repaired_record * metrics["repaired"]
    return max(weights.floor, min(weights.base, score))


def _mean(formula: Formula, scores: Sequence[Decimal]) -> Decimal:
    if not scores:
        return formula.body.base
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1"))


def evaluate(formula: Formula, kind: Literal["body", "region"], code: str, name: str,
             metrics: dict[str, int], level: str | None = None,
             body_scores: Sequence[Decimal] = (), rating: Decimal | None = None) -> Evaluation:
    """Score one body or region and check the formula's warnings. A region scored as the mean
    of its bodies takes their scores (``body_scores``); its metrics are the rolled-up ones.
    From version 3 the plan's inputs in ``metrics`` and the ``rating`` move the score."""
    rule = formula.body if kind == "body" else formula.region
    score = _mean(formula, body_scores) if isinstance(rule, RegionMean) else _deducted(
        rule, metrics)
    if formula.plan is not None:
        score = formula.plan.adjust(score, metrics, rating, formula.body if isinstance(
            rule, RegionMean) else rule, inputs=not isinstance(rule, RegionMean))
    warnings = []
    for warning in formula.warnings:
        if warning.applies_to != kind or (warning.level is not None and warning.level != level):
            continue
        if warning.metric != "score" and warning.metric not in metrics:
            continue  # a body's metric on a region
        value = score if warning.metric == "score" else Decimal(metrics[warning.metric])
        if warning.raised_by(value):
            warnings.append(Warning(rule_id=warning.id, kind=kind, code=code, name=name,
                                    metric=warning.metric, value=value,
                                    message=warning.message,
                                    region_code=code if kind == "region" else None))
    records = metrics["records"]
    return Evaluation(
        kind=kind, code=code, name=name, formula_id=formula.id, score=score,
        grade=formula.grade(score), metrics=metrics, warnings=warnings,
        repaired_share=(Decimal(metrics["repaired"]) / records).quantize(Decimal("0.001"))
        if records else None,
        bodies=len(body_scores) if isinstance(rule, RegionMean) else None,
        third_party_score=rating if formula.plan is not None else None,
    )


# Every body, with or without records (``records`` = 0), and where it is registered.
_BODY_METRICS = (
    "SELECT s.credit_code AS code, s.name, s.region_code, count(r.record_id)::int AS records, "
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
    "AS overdue_rectifications, "
    "coalesce(sum((SELECT count(*) FROM unnest(overdue_deadlines) k "
    "WHERE k = ANY(%(own)s::text[]))), 0)::int AS overdue_own_deadlines "
    "FROM {v}.subject_status_subjects s "
    "LEFT JOIN {v}.subject_status_records r USING (subject_id) "
    "WHERE s.subject_type = 'body' AND (%(code)s::text IS NULL OR s.credit_code = %(code)s) "
    "AND (%(within)s::text[] IS NULL OR s.region_code = ANY(%(within)s)) "
    "GROUP BY s.credit_code, s.name, s.region_code"
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
    "FROM {v}.region_rollup WHERE (%(codes)s::text[] IS NULL OR region_code = ANY(%(codes)s)) "
    "GROUP BY region_code"
)


def _metric_rows(conn: psycopg.Connection[Any], query: str, schema: str = VIEWS_SCHEMA,
                 **params: Any) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(sql.SQL(query).format(v=sql.Identifier(schema)), params)
        return cursor.fetchall()


def _bodies(conn: psycopg.Connection[Any], formula: Formula, code: str | None = None,
            within: list[str] | None = None, schema: str = VIEWS_SCHEMA) -> (
                list[dict[str, Any]]):
    rows = _metric_rows(conn, _BODY_METRICS, schema, code=code, within=within,
                        own=formula.own_deadlines)
    plan = plan_inputs.body_inputs(conn, schema) if formula.plan is not None else {}
    for row in rows:
        row["overdue_others_deadlines"] = (
            (row["overdue_deadlines"] or 0) - row["overdue_own_deadlines"])
        if formula.plan is not None:
            row.update(plan.get(row["code"]) or plan_inputs.empty())
    return rows


def _metrics(row: dict[str, Any], names: Sequence[str] = METRICS) -> dict[str, int]:
    return {m: int(row.get(m) or 0) for m in names}


def _body_metrics(row: dict[str, Any]) -> dict[str, int]:
    return _metrics(row, (*BODY_METRICS, *PLAN_METRICS) if plan_inputs.RATING in row
                    else BODY_METRICS)


def _counted(row: dict[str, Any]) -> bool:
    """A body is evaluated once it has records or, from version 3, any of the plan's inputs."""
    return bool(row["records"]) or any(row.get(m) for m in PLAN_METRICS)


def _body_score(formula: Formula, row: dict[str, Any]) -> Decimal:
    return evaluate(formula, "body", row["code"], row["name"], _body_metrics(row),
                    rating=plan_inputs.rating_of(row)).score


def warning_level(table: RegionTable, code: str) -> str:
    """A region's level for the warnings: a county reporting to the province itself (平潭
    综合实验区, its own reporting node) is warned as a city."""
    region = table.current(code)
    if region.level == "county" and len(table.reporting_chain(region.code)) == 2:
        return "city"
    return region.level


def _scores_by_region(formula: Formula, bodies: Iterable[dict[str, Any]],
                      table: RegionTable) -> dict[str, list[Decimal]]:
    """Each body's score, under its own region and every region it reports to."""
    rule = formula.region
    left_out = isinstance(rule, RegionMean) and rule.bodies_without_records == "left_out"
    chains: dict[str, list[str]] = {}
    found: dict[str, list[Decimal]] = {}
    for row in bodies:
        if row["region_code"] is None or (left_out and not _counted(row)):
            continue
        score = _body_score(formula, row)
        if row["region_code"] not in chains:
            chains[row["region_code"]] = table.reporting_chain(row["region_code"])
        for code in chains[row["region_code"]]:
            found.setdefault(code, []).append(score)
    return found


def evaluate_body(conn: psycopg.Connection[Any], credit_code: str, *,
                  formula: Formula | None = None) -> Evaluation | None:
    """The body's current evaluation, or ``None`` if it has no records."""
    used = formula or formula_in_force()
    rows = [row for row in _bodies(conn, used, credit_code) if _counted(row)]
    if not rows:
        return None
    return evaluate(used, "body", credit_code, rows[0]["name"], _body_metrics(rows[0]),
                    rating=plan_inputs.rating_of(rows[0]))


def evaluate_regions(conn: psycopg.Connection[Any], codes: Sequence[str], *,
                     formula: Formula | None = None, regions: RegionTable | None = None,
                     schema: str = VIEWS_SCHEMA) -> dict[str, Evaluation]:
    """The current evaluation of each region (by its current code), from one read of the
    views: the metrics of its records and all below it, the scores of its bodies."""
    used, table = formula or formula_in_force(), regions or fujian()
    heres = [table.current(code, field="region") for code in codes]
    rows = {row["code"]: row for row in _metric_rows(
        conn, _REGION_METRICS, schema, codes=[here.code for here in heres])}
    if used.plan is not None:
        for code, found in plan_inputs.region_inputs(
                conn, [here.code for here in heres], table, schema).items():
            rows[code] = {**rows.get(code, {}), **found}
    scores: dict[str, list[Decimal]] = {}
    if isinstance(used.region, RegionMean):
        within = sorted({c for here in heres for c in table.under(here.code, field="region")})
        scores = _scores_by_region(used, _bodies(conn, used, within=within, schema=schema),
                                   table)
    names = (*METRICS, *PLAN_METRICS) if used.plan is not None else METRICS
    return {here.code: evaluate(used, "region", here.code, here.name,
                                _metrics(rows.get(here.code, {}), names),
                                warning_level(table, here.code),
                                scores.get(here.code, ()),
                                plan_inputs.rating_of(rows.get(here.code, {})))
            for here in heres}


def evaluate_region(conn: psycopg.Connection[Any], region: str, *,
                    formula: Formula | None = None,
                    regions: RegionTable | None = None) -> Evaluation:
    """The region's current evaluation, over its records and bodies and all below it."""
    found = evaluate_regions(conn, [region], formula=formula, regions=regions)
    return next(iter(found.values()))


def early_warnings(conn: psycopg.Connection[Any], *, formula: Formula | None = None,
                   regions: RegionTable | None = None) -> list[Warning]:
    """Every warning raised now, regions (province, cities, counties) first, then bodies."""
    used = formula or formula_in_force()
    table = regions or fujian()
    bodies = sorted(_bodies(conn, used), key=lambda r: r["code"])
    scores = _scores_by_region(used, bodies, table) if isinstance(
        used.region, RegionMean) else {}
    raised: list[Warning] = []
    for row in sorted(_metric_rows(conn, _REGION_METRICS, codes=None), key=lambda r: r["code"]):
        region = table.current(row["code"])
        raised += evaluate(used, "region", region.code, region.name, _metrics(row),
                           warning_level(table, region.code),
                           scores.get(region.code, ())).warnings
    for row in bodies:
        if _counted(row):
            raised += [w.model_copy(update={"region_code": row["region_code"]}) for w in evaluate(
                used, "body", row["code"], row["name"], _body_metrics(row),
                rating=plan_inputs.rating_of(row)).warnings]
    return raised


def evaluate_all(conn: psycopg.Connection[Any], formula: Formula, on: date, *,
                 regions: RegionTable | None = None,
                 schema: str = VIEWS_SCHEMA) -> list[Evaluation]:
    """Every body with records (from version 3, or with any of the plan's inputs) and every
    region in force ``on``, evaluated under ``formula``: what a dated snapshot records
    (``ledger.evaluations``); ``schema`` holds the views read (a replay's own, say)."""
    table = regions or fujian()
    bodies = [evaluate(formula, "body", row["code"], row["name"], _body_metrics(row),
                       rating=plan_inputs.rating_of(row))
              for row in sorted(_bodies(conn, formula, schema=schema), key=lambda r: r["code"])
              if _counted(row)]
    codes = sorted(r.code for r in table.all(on) if not r.retired)
    found = evaluate_regions(conn, codes, formula=formula, regions=table, schema=schema)
    return [*bodies, *(found[code] for code in sorted(found))]
