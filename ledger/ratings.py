"""Third-party ratings (第三方评价): scores an outside organisation gave a body or a region for a
period, imported with their source so the evaluation can weigh them (``ledger.formulas``).

A rating is one fact: the source organisation, the body or region rated, the period (``2026``,
``2026-H1`` or ``2026-Q3``), the score on the source's own scale and the document it was
published in. Its id derives from the source, the period and the subject, so importing the same
rating again changes nothing; the same source, period and subject with another score is refused
(a source's correction is a matter for a new document, not an overwrite).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError
from pydantic import Field, StringConstraints, model_validator

from ledger.clock import business_date
from ledger.commands import Command, ShortText
from ledger.errors import ValidationError
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.identifiers import LEDGER_NAMESPACE
from ledger.parts import LedgerPart
from ledger.record import require_role
from ledger.regions import RegionTable

RatedKind = Literal["body", "region"]
PERIOD = r"^\d{4}(-Q[1-4]|-H[12])?$"
Period = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=PERIOD)]


def period_end(period: str) -> date:
    """The last day of a period: ``2026`` → 2026-12-31, ``2026-H1`` → 2026-06-30,
    ``2026-Q3`` → 2026-09-30."""
    if not re.fullmatch(PERIOD, period):
        raise ValidationError("must be a year (2026), a half (2026-H1) or a quarter (2026-Q3)",
                              field="period")
    year, _, part = period.partition("-")
    month = {"": 12, "H1": 6, "H2": 12, "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12}[part]
    return date(int(year), month, calendar.monthrange(int(year), month)[1])


def rating_id(source: str, period: str, kind: RatedKind, code: str) -> UUID:
    """The same source, period and subject give the same rating."""
    key = f"rating/{' '.join(source.split())}/{period.upper()}/{kind}:{code.upper()}"
    return uuid5(LEDGER_NAMESPACE, key)


class ImportRating(Command):
    """Import one third-party rating; the same source, period and subject again is the same
    rating."""

    source: ShortText
    """The organisation that rated (a university, a survey firm, a commissioned evaluator)."""
    subject_kind: RatedKind
    subject_code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                                   min_length=6, max_length=18)]
    """A body's unified credit code, or a region's six-digit code."""
    period: Period
    score: Decimal = Field(ge=0, max_digits=7, decimal_places=2)
    scale: Decimal = Field(default=Decimal(100), gt=0, le=1000, max_digits=6, decimal_places=2)
    """The top of the source's scale; the evaluation reads every score out of 100."""
    document: ShortText
    """Where the source published the rating (report title and number)."""

    @model_validator(mode="after")
    def _score_within_scale(self) -> ImportRating:
        if self.score > self.scale:
            raise ValueError(f"score {self.score} is above the scale's top ({self.scale})")
        return self


class ThirdPartyRating(Aggregate):
    """One source's rating of one body or region for one period."""

    source: str
    subject_kind: RatedKind
    subject_code: str
    subject_name: str
    region_code: str
    period: str
    period_end: date
    score: Decimal
    scale: Decimal
    document: str
    imported_on: date

    class Imported(DomainEvent):
        source: str
        subject_kind: RatedKind
        subject_code: str
        subject_name: str
        region_code: str
        """The region rated, or the one the body rated is registered in."""
        period: str
        period_end: date
        score: Decimal
        scale: Decimal
        document: str
        imported_on: date

        def apply(self, rating: ThirdPartyRating) -> None:
            self.set_own_fields(rating)

    @property
    def out_of_100(self) -> Decimal:
        return (self.score * 100 / self.scale).quantize(Decimal("0.01"))


ThirdPartyRating.Imported.aggregate_class = ThirdPartyRating


@dataclass(frozen=True)
class RatingImported:
    id: UUID
    created: bool


class Ratings(LedgerPart):
    """Mixed into ``Ledger``: third-party ratings."""

    def import_rating(self, cmd: ImportRating, actor: Actor) -> RatingImported:
        """Record a rating; the same one again changes nothing, another score for the same
        source, period and subject is refused."""
        require_role(actor, Role.OPERATOR, Role.ADMINISTRATOR, Role.SYSTEM)
        rid = rating_id(cmd.source, cmd.period, cmd.subject_kind, cmd.subject_code)
        if self._exists(rid):
            return self._again(rid, cmd)
        code, name, region = self._rated(cmd, self.regions)
        rating = ThirdPartyRating.create(
            ThirdPartyRating.Imported, rid, actor, self.clock(), source=" ".join(
                cmd.source.split()), subject_kind=cmd.subject_kind, subject_code=code,
            subject_name=name, region_code=region, period=cmd.period,
            period_end=period_end(cmd.period), score=cmd.score, scale=cmd.scale,
            document=cmd.document, imported_on=business_date(self.clock()))
        try:
            self.save_events(rating.collect_events())
        except IntegrityError:
            return self._again(rid, cmd)
        return RatingImported(rid, created=True)

    def _again(self, rid: UUID, cmd: ImportRating) -> RatingImported:
        held: ThirdPartyRating = self._get(rid, ThirdPartyRating)
        if (held.score, held.scale) != (cmd.score, cmd.scale):
            raise ValidationError(
                f"{held.source} rated {held.subject_code} for {held.period} at {held.score}/"
                f"{held.scale} already (document {held.document}); a different score is "
                "not taken over it", field="score")
        return RatingImported(rid, created=False)

    def _rated(self, cmd: ImportRating, regions: RegionTable) -> tuple[str, str, str]:
        if cmd.subject_kind == "region":
            region = regions.current(cmd.subject_code, field="subject_code")
            return region.code, region.name, region.code
        body = self.body(cmd.subject_code, field="subject_code")
        return body.credit_code, body.name, body.region_code

    def rating(self, rid: UUID) -> ThirdPartyRating:
        found: ThirdPartyRating = self._get(rid, ThirdPartyRating)
        return found
