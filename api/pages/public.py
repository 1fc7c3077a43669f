"""The public disclosure pages: no sign-in, bodies' public records only, marks always shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api import reads
from api.deps import ServicesDep, optional_account
from api.exports import export
from api.pages import ExportFormat, language, render
from api.pages.forms import PER_PAGE, FilterForm, page_count, page_number, pager
from api.readable import region_name
from api.reads import RegionsDep
from ledger.proof.audit import ProofUnavailableError
from ledger.proof.cosignatures import configured_witnesses
from ledger.proof.public_bundle import public_record_bundle, verify_public
from ledger.proof.sealer import trusted_public_key
from ledger.regions import RegionTable
from ledger.values import Category, Severity
from projections import disclosure as public_view
from projections import queries
from projections.results import DisclosedRecord, DisclosurePage

router = APIRouter(tags=["pages"])
BEIJING = ZoneInfo("Asia/Shanghai")
COLUMNS = [("subject_name", "主体名称"), ("subject_code", "统一社会信用代码"),
           ("document_number", "决定文号"), ("category", "类别"), ("severity", "失信程度"),
           ("decision_date", "决定日期"), ("deciding_authority", "决定机关"),
           ("publicity_max_end", "公示截止"), ("under_objection", "异议处理中"),
           ("under_reconsideration", "复议或诉讼中"), ("region_code", "地区代码"),
           ("region_name", "地区"), ("domain", "领域"), ("fine_yuan", "罚款金额（元）"),
           ("confiscation_yuan", "没收金额（元）"), ("publicity_starts", "公示开始")]


def region_choices(regions: RegionTable) -> list[dict[str, str]]:
    """The regions a public list filters by: the province, its cities and 平潭."""
    return [{"code": r.code, "name": r.name, "name_en": r.name_en}
            for r in regions.all() if (not r.retired and r.level in ("province", "city"))
            or r.code == "350128"]


@router.get("/", response_class=Response)
def disclosure(
    request: Request, services: ServicesDep, regions: RegionsDep,
    q: str | None = None, region: str | None = None, category: str | None = None,
    severity: str | None = None, page: str | None = None,
    format: ExportFormat = None,
) -> Response:
    """Search the public disclosure of government bodies' dishonesty records."""
    form = FilterForm(language(request), labels={"q": "keyword"})
    filters: dict[str, Any] = {
        "q": form.text("q", q, max_length=100), "region": form.region("region", region, regions),
        "category": form.choice("category", category, (c.value for c in Category)),
        "severity": form.choice("severity", severity, (v.value for v in Severity))}
    context: dict[str, Any] = {
        **filters, "form": form.typed, "errors": form.errors,
        "categories": [c.value for c in Category], "severities": [v.value for v in Severity],
        "regions": region_choices(regions), "export_cap": public_view.TOTAL_CAP,
        "query": urlencode({k: v for k, v in filters.items() if v})}
    account = optional_account(request)
    if form.errors:
        return render(request, "disclosure.html", context, account=account, status=422)
    with services.views() as conn:
        if format:
            return _export(conn, services, filters, format, language(request))
        asked = page_number(page)
        result = _page(conn, services, filters, asked)
    pages = page_count(result.total)
    return render(request, "disclosure.html", {
        **context, "items": result.items, "total": result.total,
        "capped": result.total_capped, "page": result.page, "pages": pages,
        "pager": pager(result.page, pages, {k: v for k, v in filters.items() if v}),
        "beyond": asked if asked != result.page else None,
    }, account=account)


def _export(conn: queries.Conn, services: ServicesDep, filters: dict[str, Any], fmt: str,
            lang: str) -> Response:
    """Every match, as far as a search counts (``disclosure.TOTAL_CAP``); a file cut there says
    so."""
    per_page = min(queries.MAX_PER_PAGE, public_view.TOTAL_CAP)
    items: list[DisclosedRecord] = []
    capped, page = False, 0
    while len(items) < public_view.TOTAL_CAP:
        page += 1
        result = public_view.public_disclosure(conn, **filters, page=page, per_page=per_page,
                                           today=services.today())
        items, capped = items + result.items, result.total_capped
        if len(result.items) < per_page:
            break
    rows = [{**item.model_dump(), "region_name": region_name(item.region_code, lang)}
            for item in items[:public_view.TOTAL_CAP]]
    return export(rows, COLUMNS, fmt, "disclosure", lang=lang,
                  capped_at=len(rows) if capped else None)


def _page(conn: queries.Conn, services: ServicesDep, filters: dict[str, Any],
          asked: int) -> DisclosurePage:
    """The page asked for or, past the end, the last one (only the first
    ``disclosure.TOTAL_CAP`` matches can be paged through)."""
    def read(page: int) -> DisclosurePage:
        return public_view.public_disclosure(conn, **filters, page=page, per_page=PER_PAGE,
                                         today=services.today())

    result = read(min(asked, public_view.TOTAL_CAP // PER_PAGE))
    last = page_count(result.total)
    return read(last) if result.page > last else result


@router.get("/disclosure/records/{record_id}", response_class=Response)
def disclosed_record(request: Request, record_id: UUID, services: ServicesDep) -> Response:
    """One disclosed record with all its public fields, its marks, and whether its history
    verifies against the latest signed checkpoint."""
    row = reads.disclosed_record(services, record_id)
    bundle = _bundle(services, record_id)
    key = trusted_public_key(services.config)
    witnesses = configured_witnesses(services.config)
    proof = verify_public(bundle, key, witnesses) if bundle and key else None
    shown = proof.signed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M UTC+8") if proof else ""
    return render(request, "disclosure_record.html", {
        "row": row, "record_id": record_id, "proof": proof, "proof_time": shown,
    }, account=optional_account(request))


@router.get("/disclosure/records/{record_id}/bundle.json", response_model=None)
def disclosed_record_bundle(record_id: UUID, services: ServicesDep) -> JSONResponse:
    """A disclosed record's proof bundle, checkable offline with `credit-ledger audit verify`;
    events that name civil servants are shown by their leaf hash only."""
    reads.disclosed_record(services, record_id)
    bundle = _bundle(services, record_id)
    if bundle is None:
        raise ProofUnavailableError("no signed checkpoint covers this record yet",
                                    field="record_id")
    return JSONResponse(bundle, headers={
        "Content-Disposition": f'attachment; filename="record-{record_id}-bundle.json"'})


def _bundle(services: ServicesDep, record_id: UUID) -> dict[str, Any] | None:
    """The public bundle under the latest checkpoint of the trusted key, if there is one."""
    key = trusted_public_key(services.config)
    if key is None or services.database_url is None:
        return None
    try:
        return public_record_bundle(services.ledger, services.database_url, record_id, key)
    except ProofUnavailableError:
        return None
