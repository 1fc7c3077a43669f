"""Response rates and times of leads, per department or per region rolled up the reporting
tree, for the platform's operators (the page of ``GET /api/v1/leads/responses``), with CSV
and xlsx exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import Account
from api.deps import ServicesDep
from api.exports import export
from api.i18n import translator
from api.pages import ExportFormat, language, page_role, render
from api.pages.public import region_choices
from api.reads import RegionsDep
from ledger import access
from projections import leads as lr

router = APIRouter(tags=["pages"])
Watcher = Annotated[Account, page_role(*access.WATCHERS)]
COLUMNS = [("code", "rr_code"), ("name", "rr_name"), ("received", "rr_received"),
           ("answered", "rr_answered"), ("answer_share", "rr_answer_share"),
           ("answered_in_time", "rr_in_time"), ("in_time_share", "rr_in_time_share"),
           ("overdue", "rr_overdue"), ("mean_days", "rr_mean_days"),
           ("unfounded", "rr_unfounded"), ("record_filed", "rr_record_filed"),
           ("commitment_breach", "rr_commitment_breach"), ("handed_over", "rr_handed_over")]
SHARES = ("answer_share", "in_time_share")


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Shares as percentages and mean days to one decimal, as people read them."""
    out = dict(row)
    for key in SHARES:
        out[key] = None if row[key] is None else f"{row[key] * 100:.1f}%"
    out["mean_days"] = None if row["mean_days"] is None else round(row["mean_days"], 1)
    return out


@router.get("/leads/responses", response_class=Response)
def lead_responses(
    request: Request, services: ServicesDep, account: Watcher, regions: RegionsDep,
    by: Annotated[str, Query(pattern="^(department|region)$")] = "department",
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    format: ExportFormat = None,
) -> Response:
    """How many leads each department or region answered, how many in time, and how fast."""
    lang = language(request)
    t = translator(lang)
    with services.views() as conn:
        rows = [_shown(r) for r in lr.lead_responses(conn, by=by, region=region)]
    if format:
        return export(rows, [(k, t(text)) for k, text in COLUMNS], format,
                      f"lead-responses-{by}", lang=lang)
    query = f"by={by}" + (f"&region={region}" if region else "")
    return render(request, "lead_responses.html", {
        "items": rows, "by": by, "region": region, "query": query, "columns": COLUMNS,
        "regions": region_choices(regions),
    }, account=account)
