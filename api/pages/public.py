"""The public disclosure pages: no sign-in, bodies' public records only, marks always shown."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import ServicesDep, optional_account
from api.exports import export
from api.pages import render
from ledger.errors import RecordNotFoundError
from ledger.regions import fujian
from ledger.values import Category, Severity
from projections import queries

router = APIRouter(tags=["pages"])
PER_PAGE = 20
COLUMNS = [("subject_name", "主体名称"), ("subject_code", "统一社会信用代码"),
           ("document_number", "决定文号"), ("category", "类别"), ("severity", "失信程度"),
           ("decision_date", "决定日期"), ("deciding_authority", "决定机关"),
           ("publicity_max_end", "公示截止"), ("under_objection", "异议处理中"),
           ("under_reconsideration", "复议或诉讼中")]


def region_choices() -> list[dict[str, str]]:
    return [{"code": r.code, "name": r.name, "name_en": r.name_en}
            for r in fujian().all() if (not r.retired and r.level in ("province", "city"))
            or r.code == "350128"]


@router.get("/", response_class=Response)
def disclosure(
    request: Request, services: ServicesDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(pattern=r"^(\d{6})?$")] = None,
    category: Annotated[Category | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    format: Annotated[str | None, Query(pattern="^(csv|xlsx)$")] = None,
) -> Response:
    """Search the public disclosure of government bodies' dishonesty records."""
    filters: dict[str, Any] = {
        "q": q, "region": region or None, "category": category.value if category else None,
        "severity": severity.value if severity else None}
    with services.views() as conn:
        if format:
            result = queries.public_disclosure(conn, **filters, page=1,
                                               per_page=queries.MAX_PER_PAGE,
                                               today=services.today())
            return export([i.model_dump() for i in result.items], COLUMNS, format, "disclosure")
        result = queries.public_disclosure(conn, **filters, page=page, per_page=PER_PAGE,
                                           today=services.today())
    return render(request, "disclosure.html", {
        "items": result.items, "total": result.total, "capped": result.total_capped,
        "page": page, "pages": max(1, -(-result.total // PER_PAGE)), **filters,
        "categories": [c.value for c in Category], "severities": [v.value for v in Severity],
        "regions": region_choices(),
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }, account=optional_account(request))


@router.get("/disclosure/records/{record_id}", response_class=Response)
def disclosed_record(request: Request, record_id: UUID, services: ServicesDep) -> Response:
    """One disclosed record with all its public fields and its marks."""
    with services.views() as conn:
        row = queries.disclosed_record(conn, record_id, today=services.today())
    if row is None:
        raise RecordNotFoundError("this record is not on public disclosure", field="record_id")
    return render(request, "disclosure_record.html", {"row": row},
                  account=optional_account(request))
