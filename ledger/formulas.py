"""Evaluation formulas (政务诚信评价指标): versioned data with effective dates, like rule sets.

Built-in versions ship as JSON under ``ledger/data/formulas``; an administrator publishes more
into the ledger (``Ledger.publish_formula``), each in force from its effective date until a
later one starts. The views score bodies and regions with the version in force on the day
asked for (``projections.evaluation``); the ledger only keeps the versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ledger.versions import Book, Version, load_builtin

METRICS = (
    "records", "in_force", "in_force_minor", "in_force_general", "in_force_serious",
    "under_objection", "repaired", "open_deadlines", "overdue_deadlines",
    "overdue_rectifications",
)
# A body's overdue deadlines split by whose they are.
BODY_METRICS = (*METRICS, "overdue_own_deadlines", "overdue_others_deadlines")
# The plan's inputs (version 3 on): commitments, leads, suggestions and proposals, ratings.
PLAN_METRICS = (
    "commitments_fulfilled", "commitments_breached", "commitments_overdue",
    "leads_received", "leads_answered", "leads_answered_in_time", "leads_overdue",
    "leads_founded", "suggestions_received", "suggestions_answered",
    "suggestions_answered_in_time", "suggestions_overdue", "third_party_ratings",
)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Weights(_Data):
    base: Decimal = Field(gt=0, le=1000)
    floor: Decimal = Field(ge=0, le=1000)
    deduct_per_record_in_force: dict[Literal["minor", "general", "serious"], Decimal]
    deduct_per_overdue_deadline: Decimal = Field(ge=0, le=1000)
    deduct_per_overdue_rectification: Decimal = Field(ge=0, le=1000)
    deduct_per_record_under_objection: Decimal = Field(ge=0, le=1000)
    credit_per_repaired_record: Decimal = Field(ge=0, le=1000)

    @field_validator("floor")
    @classmethod
    def _floor_below_base(cls, floor: Decimal, info: ValidationInfo) -> Decimal:
        base = info.data.get("base")
        if base is not None and floor > base:
            raise ValueError(f"must not be above base ({base})")
        return floor


class PlanWeights(_Data):
    """How the plan's inputs move a score (from version 3): commitments kept and broken, leads
    about the body found true, the leads and the deputies' suggestions and CPPCC proposals it
    had to verify answered late, and third-party ratings, which make up ``third_party_share``
    of the score where a body or region has any (their mean, read out of 100)."""

    credit_per_commitment_fulfilled: Decimal = Field(ge=0, le=1000)
    deduct_per_commitment_breached: Decimal = Field(ge=0, le=1000)
    deduct_per_commitment_overdue: Decimal = Field(ge=0, le=1000)
    deduct_per_lead_founded: Decimal = Field(ge=0, le=1000)
    """A lead about the body that ended in a record filed or a commitment found breached."""
    deduct_per_lead_overdue: Decimal = Field(ge=0, le=1000)
    """A lead the body, as the department verifying it, let pass its due date."""
    lead_timeliness_points: Decimal = Field(ge=0, le=1000)
    """Lost in proportion to the share of its leads answered late (of those in time or late)."""
    suggestion_timeliness_points: Decimal = Field(ge=0, le=1000)
    """The same for NPC deputies' suggestions and CPPCC proposals."""
    third_party_share: Decimal = Field(ge=0, le=1)

    def adjust(self, score: Decimal, metrics: dict[str, int], rating: Decimal | None,
               weights: Weights, *, inputs: bool = True) -> Decimal:
        """``score`` moved by the plan's inputs (``inputs``; a region scored as its bodies'
        mean has them in its bodies' scores already), kept within the weights' floor and
        base, then blended with the rating."""
        if inputs:
            m = {**dict.fromkeys(PLAN_METRICS, 0), **metrics}
            score += self.credit_per_commitment_fulfilled * m["commitments_fulfilled"]
            score -= self.deduct_per_commitment_breached * m["commitments_breached"]
            score -= self.deduct_per_commitment_overdue * m["commitments_overdue"]
            score -= self.deduct_per_lead_founded * m["leads_founded"]
            score -= self.deduct_per_lead_overdue * m["leads_overdue"]
            score -= self.lead_timeliness_points * _late_share(
                m["leads_answered_in_time"], m["leads_overdue"])
            score -= self.suggestion_timeliness_points * _late_share(
                m["suggestions_answered_in_time"], m["suggestions_overdue"])
            score = max(weights.floor, min(weights.base, score))
        if rating is not None and self.third_party_share:
            score = (1 - self.third_party_share) * score + self.third_party_share * rating
        return score.quantize(Decimal("0.1"))


def _late_share(in_time: int, late: int) -> Decimal:
    return Decimal(late) / (in_time + late) if in_time + late else Decimal(0)


class RegionMean(_Data):
    """A region scores the mean of its bodies' scores, those of the regions below included;
    bodies without records count at full marks, or are ``left_out``."""

    score: Literal["mean_of_bodies"]
    bodies_without_records: Literal["counted", "left_out"] = "counted"


class Grade(_Data):
    grade: str = Field(min_length=1, max_length=20)
    min_score: Decimal


class WarningRule(_Data):
    """Raise a warning when ``metric`` reaches ``at_least`` (or the score falls ``below``)."""

    id: str = Field(min_length=1, max_length=64)
    applies_to: Literal["body", "region"]
    level: Literal["province", "city", "county"] | None = None
    metric: str
    at_least: Decimal | None = None
    below: Decimal | None = None
    message: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_threshold(self) -> WarningRule:
        if (self.at_least is None) == (self.below is None):
            raise ValueError(f"warning {self.id} needs exactly one of at_least and below")
        return self

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in (*BODY_METRICS, *PLAN_METRICS, "score"):
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(BODY_METRICS)}, "
                             f"{', '.join(PLAN_METRICS)}, score")
        return metric

    def raised_by(self, value: Decimal) -> bool:
        if self.at_least is not None:
            return value >= self.at_least
        return self.below is not None and value < self.below


class Formula(Version):
    """One version of the evaluation: weights for bodies and regions, grades, warnings."""

    body: Weights
    region: Weights | RegionMean
    grades: list[Grade] = Field(min_length=1, max_length=20)
    warnings: list[WarningRule] = Field(max_length=100)
    own_deadlines: list[str] = Field(default=["explanation", "rectification"])
    """Deadline keys a body itself must meet; only these cost it points when missed."""
    plan: PlanWeights | None = None
    """The plan's inputs, from version 3; without them a version scores as it always did."""

    def grade(self, score: Decimal) -> str:
        for grade in sorted(self.grades, key=lambda g: g.min_score, reverse=True):
            if score >= grade.min_score:
                return grade.grade
        return self.grades[-1].grade


@cache
def builtin_formulas() -> tuple[Formula, ...]:
    """Every formula version shipped with the ledger, oldest first."""
    return load_builtin(Formula, "formulas", parse_float=Decimal)


class FormulaBook(Book[Formula]):
    """The built-in and published formula versions; picks the one in force on a day."""

    what, field = "evaluation formula", "on"

    def __init__(self, published: Iterable[Formula] = ()) -> None:
        super().__init__(builtin_formulas(), published)

    def __contains__(self, formula_id: object) -> bool:
        return formula_id in self._by_id
