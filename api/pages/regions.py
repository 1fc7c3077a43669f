"""The operators' regions page: roll-up, integrity evaluation and early warnings along the tree,
with the warnings recorded in the log and their state (``api.pages.warnings``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import charts
from api.auth import Account
from api.deps import ServicesDep
from api.exports import EXPORT_CAP, export, export_capped
from api.i18n import translator
from api.pages import language, page_role, region_tree, render
from api.pages.forms import FilterForm
from api.readable import label
from api.reads import RegionsDep
from api.routes.warnings import COLUMNS as RECORDED_COLUMNS
from api.routes.warnings import scope
from ledger import access
from ledger.regions import PROVINCE, Region, RegionTable
from projections import deadlines, subjects
from projections import warnings as board
from projections.evaluation import Evaluation, Warning, evaluate_regions, formula_in_force

router = APIRouter(tags=["pages"])
WATCHERS = page_role(*access.WATCHERS)
REGION_COLUMNS = [("code", "地区代码"), ("name", "地区"), ("records", "记录数"),
                  ("in_force", "公示中"), ("under_objection", "异议处理中"),
                  ("open_deadlines", "未办结时限"), ("overdue_deadlines", "逾期时限"),
                  ("overdue_rectifications", "逾期未整改"), ("repaired", "已修复"),
                  ("repaired_share", "已修复占比"), ("bodies", "机关数"), ("score", "评分"),
                  ("grade", "等级"), ("warnings", "预警数")]
WARNING_COLUMNS = [("kind", "对象"), ("code", "代码"), ("name", "名称"),
                   ("region_name", "所在地区"), ("metric", "指标"), ("value", "数值"),
                   ("message", "预警内容"), ("rule_id", "预警规则")]
BOARD_ROWS = 200


def _row(region: Region, evaluation: Evaluation, warnings: int) -> dict[str, Any]:
    return {**evaluation.metrics, "code": region.code, "name": region.name,
            "name_en": region.name_en, "score": evaluation.score, "grade": evaluation.grade,
            "repaired_share": evaluation.repaired_share, "bodies": evaluation.bodies,
            "warnings": warnings}


def _inside(region: str, warnings: list[Warning], regions: RegionTable) -> int:
    """How many of the warnings listed were raised in the region or below it."""
    codes = set(regions.under(region))
    return sum(1 for w in warnings if w.region_code in codes)


def _warning_row(warning: Warning, lang: str, regions: RegionTable) -> dict[str, Any]:
    where = warning.region_code
    region = regions.current(where) if where else None
    return {**warning.model_dump(), "kind": label(warning.kind, lang),
            "metric": label(warning.metric, lang), "rule_id": label(warning.rule_id, lang),
            "region_name": (region.name_en if lang == "en" else region.name) if region else None}


@router.get("/regions", response_class=Response)
def regions_page(
    request: Request, services: ServicesDep, account: Annotated[Account, WATCHERS],
    regions: RegionsDep, region: str | None = None,
    table: Literal["regions", "warnings", "recorded"] = "regions",
    format: Annotated[str | None, Query(pattern="^(csv|xlsx|svg)$")] = None,
) -> Response:
    """A region's evaluation, every region reporting to it, and the warnings raised in it."""
    form = FilterForm(language(request))
    code = form.region("region", region, regions)
    if form.errors:
        return render(request, "regions.html", {
            "regions": region_tree(regions), "region": None, "form": form.typed,
            "errors": form.errors}, account=account, status=422)
    here = regions.current(code or PROVINCE, field="region")
    children = sorted(regions.children(here.code), key=lambda r: r.code)
    lang = language(request)
    with services.views() as conn:
        found = evaluate_regions(conn, [here.code, *(child.code for child in children)])
        raised = subjects.warnings(conn, region=here.code, regions=regions)
        misses = deadlines.misses_by_party(
            conn, region=here.code, today=services.today(),
            own=formula_in_force(services.today()).own_deadlines, regions=regions)
        names = subjects.subject_names(conn, [m["party"] for m in misses])
        recorded = board.recorded_warnings(conn, region=scope(services, account, here.code),
                                           limit=EXPORT_CAP + 1)
    evaluation = found[here.code]
    rows = [_row(child, found[child.code], _inside(child.code, raised, regions))
            for child in children]
    picture = scores(rows, lang)
    if format == "svg":
        return charts.download(picture, f"scores-{here.code}")
    if format and table == "warnings":
        return export([_warning_row(w, lang, regions) for w in raised], WARNING_COLUMNS, format,
                      f"warnings-{here.code}", lang=lang)
    if format and table == "recorded":
        t = translator(lang)
        return export_capped([{**w, "state": t(f"warning_{w['state']}")} for w in recorded],
                             RECORDED_COLUMNS, format, f"recorded-warnings-{here.code}",
                             lang=lang)
    if format:
        return export(rows, REGION_COLUMNS, format, f"regions-{here.code}", lang=lang)
    chain = [regions.current(code) for code in reversed(regions.reporting_chain(here.code))]
    return render(request, "regions.html", {
        "here": here, "chain": chain, "evaluation": evaluation, "rows": rows,
        "warnings": raised, "regions": region_tree(regions), "region": here.code, "errors": {},
        "picture": picture, "misses": [_miss_row(m, names, lang) for m in misses],
        "board": recorded[:BOARD_ROWS], "taken": _count(request.query_params.get("taken")),
        "raised": _count(request.query_params.get("raised")),
    }, account=account)


def _count(text: str | None) -> int | None:
    """A count the snapshot form's redirect carries, if it is one."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _miss_row(miss: dict[str, Any], names: dict[str, dict[str, Any]], lang: str) -> (
    dict[str, Any]
):
    """Who missed deadlines in the region that were not its bodies' to meet."""
    party = miss["party"]
    who = (label("credit_platform", lang) if party == "platform"
           else names.get(party, {}).get("name") or party)
    return {"who": who, "code": None if party == "platform" else party,
            "overdue": miss["overdue"], "kinds": [label(k, lang) for k in miss["kinds"]]}


def scores(rows: list[dict[str, Any]], lang: str) -> str:
    """The reporting regions' scores as bars, those with warnings in red; regions without
    bodies have no score and are left out (the table says so)."""
    warned = label("warnings", lang)
    return charts.bars(label("scores_by_region", lang), [
        charts.Bar(row["name_en"] if lang == "en" else row["name"], row["score"],
                   warned=bool(row["warnings"]),
                   note=f"({warned} {row['warnings']})" if row["warnings"] else "")
        for row in rows if row["bodies"] != 0])
