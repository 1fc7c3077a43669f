"""Third-party ratings (第三方评价): imported by an operator or administrator one at a time or
from a CSV or xlsx file, each with its source; read and exported by those who watch the
evaluation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from api.auth import Account
from api.deps import Region, ServicesDep, TokenFirstRoute, require
from api.exports import EXPORT_CAP, export_capped
from api.uploads import CSV_XLSX, saved, suffix_of
from ledger import access
from ledger.bulk.ratings import import_ratings
from ledger.errors import ValidationError
from ledger.ratings import ImportRating
from projections.ratings import ratings

router = APIRouter(prefix="/api/v1/ratings", tags=["ratings"], route_class=TokenFirstRoute)
IMPORTERS = Depends(require(*access.OPERATORS))
READERS = Depends(require(*access.WATCHERS))

COLUMNS = [("source", "评价机构"), ("subject_kind", "对象类型"), ("subject_code", "对象代码"),
           ("subject_name", "对象名称"), ("region_code", "地区代码"), ("period", "评价期间"),
           ("score", "得分"), ("scale", "满分"), ("out_of_100", "百分制得分"),
           ("document", "文件"), ("imported_on", "导入日期")]


class RatingImported(BaseModel):
    id: UUID
    created: bool
    """False when the same rating was imported before (nothing changed)."""


class RowOut(BaseModel):
    line: int
    status: Literal["filed", "unchanged", "error"]
    id: UUID | None = None
    field: str | None = None
    reason: str | None = None


class RatingOut(BaseModel):
    rating_id: UUID
    source: str
    subject_kind: str
    subject_code: str
    subject_name: str
    region_code: str
    period: str
    period_end: date
    score: Decimal
    scale: Decimal
    out_of_100: Decimal
    document: str
    imported_on: date


@router.post("", response_model=RatingImported, status_code=201)
def import_one(body: ImportRating, services: ServicesDep,
               account: Annotated[Account, IMPORTERS]) -> RatingImported:
    """Import one third-party rating (the same source, period and subject again changes
    nothing)."""
    done = services.ledger.import_rating(body, account.actor())
    return RatingImported(id=done.id, created=done.created)


@router.post("/import", response_model=list[RowOut])
def import_file(services: ServicesDep, account: Annotated[Account, IMPORTERS],
                file: Annotated[UploadFile, File()]) -> list[RowOut]:
    """Import every row of a CSV or xlsx file (columns source, subject_kind, subject_code,
    period, score, scale, document); each row's result, refused rows with their field."""
    suffix = suffix_of(file, CSV_XLSX)
    if suffix is None:
        raise ValidationError("must be a .csv or .xlsx file", field="file")
    with saved(file, suffix, "ledger-ratings-") as path:
        return [RowOut(line=r.line, status=r.status, id=r.record_id, field=r.field,
                       reason=r.reason)
                for r in import_ratings(services.ledger, path, account.actor())]


@router.get("", response_model=list[RatingOut])
def list_ratings(services: ServicesDep, _: Annotated[Account, READERS], region: Region = None,
                 subject: str | None = None) -> list[dict[str, Any]]:
    """Third-party ratings, latest period first."""
    with services.views() as conn:
        return ratings(conn, region=region, subject=subject)


@router.get("/export", response_class=Response)
def export_ratings(services: ServicesDep, _: Annotated[Account, READERS],
                   format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
                   region: Region = None) -> Response:
    """The ratings as a CSV or xlsx file."""
    with services.views() as conn:
        rows = ratings(conn, region=region, limit=EXPORT_CAP + 1)
    return export_capped(rows, COLUMNS, format, "third-party-ratings")
