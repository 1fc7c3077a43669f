"""Page texts in Simplified Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from projections.results import OpenDeadline

TEXTS: dict[str, tuple[str, str]] = {
    "site": ("政务诚信记录公示平台", "Government Integrity Records"),
    "disclosure": ("信用信息公示", "Public disclosure"),
    "my_subject": ("本单位信用记录", "My subject's records"),
    "review_queue": ("审核工作台", "Review queue"),
    "deadline_board": ("时限监控", "Deadline board"),
    "audit": ("审计追溯", "Audit"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "search": ("查询", "Search"),
    "keyword": ("名称或统一社会信用代码", "Name or credit code"),
    "region": ("地区", "Region"),
    "category": ("类别", "Category"),
    "domain": ("领域", "Domain"),
    "severity": ("失信程度", "Severity"),
    "subject": ("主体", "Subject"),
    "document_number": ("决定文号", "Decision document"),
    "decision_date": ("决定日期", "Decision date"),
    "source": ("报送部门", "Source department"),
    "deciding_authority": ("决定机关", "Deciding authority"),
    "facts": ("失信事实", "Facts"),
    "legal_basis": ("法律依据", "Legal basis"),
    "decision_content": ("处理决定", "Decision"),
    "fine": ("罚款金额（元）", "Fine (yuan)"),
    "publicity": ("公示期", "Publicity period"),
    "status": ("状态", "Status"),
    "under_objection": ("异议处理中", "Under objection"),
    "under_reconsideration": ("复议或诉讼中", "Under reconsideration or litigation"),
    "no_results": ("没有符合条件的记录。", "No records match."),
    "export": ("导出", "Export"),
    "deadlines": ("待办时限", "Deadlines"),
    "due": ("截止日期", "Due"),
    "kind": ("类型", "Kind"),
    "overdue": ("已逾期", "Overdue"),
    "working_days_left": ("剩余工作日", "Working days left"),
    "submit_explanation": ("提交书面说明", "Submit a written explanation"),
    "file_objection": ("提出异议", "File an objection"),
    "apply_for_repair": ("申请信用修复", "Apply for credit repair"),
    "grounds": ("异议理由", "Grounds"),
    "text": ("说明内容", "Explanation"),
    "commitment": ("信用承诺", "Credit commitment"),
    "send": ("提交", "Submit"),
    "timeline": ("记录时间线", "Timeline"),
    "as_of": ("截至时间", "As of"),
    "download_bundle": ("下载审计包", "Download audit bundle"),
    "actor": ("操作人", "Actor"),
    "event": ("事实", "Fact"),
    "time": ("时间", "Time"),
    "done": ("已记录。", "Recorded."),
    "open_in_temporal": ("在 Temporal 中查看", "Open in Temporal"),
    "records": ("记录", "Records"),
    "mark": ("标注", "Mark"),
    "accept": ("受理", "Accept"),
    "reject": ("不予受理", "Reject"),
    "forward": ("转送", "Forward"),
    "reasons": ("理由", "Reasons"),
    "within_days": ("N 个工作日内到期", "Due within N working days"),
    "all": ("全部", "All"),
    "language": ("English", "中文"),
    "list_in_temporal": ("在 Temporal 中查看此列表", "This list in Temporal"),
    "regions_page": ("地区诚信评价与预警", "Regions: evaluation and warnings"),
    "reporting_regions": ("下级地区", "Regions reporting here"),
    "no_reporting_regions": ("没有下级地区。", "No region reports here."),
    "overdue_deadlines_here": ("查看本地区逾期事项", "Overdue deadlines in this region"),
    "score": ("评分", "Score"),
    "grade": ("等级", "Grade"),
    "warning": ("预警", "Warning"),
    "warnings": ("预警", "Warnings"),
    "no_warnings": ("暂无预警。", "No warnings."),
    "metric": ("指标", "Metric"),
    "in_force_serious": ("公示中的严重失信记录", "Serious records in force"),
    "open_deadlines": ("未办结时限", "Open deadlines"),
    "overdue_deadlines": ("逾期时限", "Overdue deadlines"),
    "overdue_rectifications": ("逾期未整改", "Overdue rectifications"),
    "repaired_share": ("已修复占比", "Share repaired"),
    "total": ("共 {n} 条 · 第 {page} 页，共 {pages} 页", "{n} records · page {page} of {pages}"),
    "total_capped": ("{n} 条以上，请缩小查询范围 · 第 {page} 页，可翻阅前 {pages} 页",
                     "{n}+ records, narrow the search to see them all · page {page} of the "
                     "first {pages}"),
    "pages": ("分页", "Pages"),
    "page_n": ("第 {n} 页", "Page {n}"),
    "previous_page": ("上一页", "Previous page"),
    "next_page": ("下一页", "Next page"),
    "page_beyond": ("没有第 {asked} 页，已显示最后一页（第 {page} 页）。",
                    "There is no page {asked}; this is the last page, page {page}."),
    # Filter forms: an empty field means no filter; these name a value that is not valid.
    "fix_filters": ("查询条件有误，请修改后再查询：", "Please correct the search and try again:"),
    "bad_choice": ("{label}：“{value}”不是可选的值，请从列表中选择。",
                   "{label}: “{value}” is not one of the choices; pick one from the list."),
    "bad_region": ("{label}：“{value}”不是福建省的地区代码。",
                   "{label}: “{value}” is not a Fujian region code."),
    "bad_number": ("{label}：请填写 {low} 到 {high} 之间的整数，或留空表示不限（现为“{value}”）。",
                   "{label}: enter a whole number from {low} to {high}, or leave it empty for "
                   "any (it is “{value}”)."),
    "too_long": ("{label}：最多 {n} 个字。", "{label}: at most {n} characters."),
}

VALUES: dict[str, tuple[str, str]] = {
    "court_judgment": ("司法判决", "Court judgment"),
    "administrative_penalty": ("行政处罚", "Administrative penalty"),
    "disciplinary_sanction": ("纪律处分/政务处分", "Disciplinary sanction"),
    "accountability": ("问责", "Accountability"),
    "dishonest_judgment_debtor": ("失信被执行人", "Dishonest judgment debtor"),
    "breach_of_commitment": ("违约毁约/不履行承诺", "Breach of commitment"),
    "government_procurement": ("政府采购", "Government procurement"),
    "ppp": ("政府和社会资本合作", "PPP"),
    "bidding": ("招标投标", "Bidding"),
    "investment_promotion": ("招商引资", "Investment promotion"),
    "local_government_debt": ("地方政府债务", "Local government debt"),
    "streets_and_townships": ("街道和乡镇", "Streets and townships"),
    "other": ("其他", "Other"),
    "minor": ("轻微", "Minor"),
    "general": ("一般", "General"),
    "serious": ("严重", "Serious"),
    "in_force": ("公示中", "In force"),
    "withdrawn": ("已撤销", "Withdrawn"),
    "deleted": ("已删除", "Deleted"),
    "repaired": ("已修复", "Repaired"),
    "expired": ("已到期", "Expired"),
    "explanation": ("书面说明", "Explanation"),
    "rectification": ("限期整改", "Rectification"),
    "objection_mark": ("异议标注", "Objection: mark"),
    "objection_acceptance": ("异议受理", "Objection: accept"),
    "objection_forwarding": ("异议转送", "Objection: forward"),
    "objection_decision": ("异议核实决定", "Objection: decision"),
    "review_decision": ("复核决定", "Review decision"),
    "revocation": ("撤销决定后处理", "After revocation"),
    "repair_forwarding": ("修复申请转送", "Repair: forward"),
    "repair_decision": ("修复决定", "Repair: decision"),
    "repair_answer": ("修复答复", "Repair: answer"),
    "repair_propagation": ("修复结果推送", "Repair: propagate"),
    "calendar_page": ("工作日历", "Working-day calendar"),
    "computable_until": ("时限可计算至", "Deadlines can be counted until"),
    "days": ("天", "days"),
    "published_years": ("已发布年度", "Published years"),
    "year": ("年度", "Year"),
    "notice": ("国务院通知文号", "State Council notice"),
    "revision": ("版次", "Revision"),
    "holidays": ("放假日期", "Holidays"),
    "workdays": ("调休上班日期", "Make-up working days"),
    "waiting_deadlines": ("等待日历的时限", "Deadlines waiting for the calendar"),
    "count": ("数量", "Count"),
    "publish_year": ("发布年度日历", "Publish a calendar year"),
    "publish": ("发布", "Publish"),
    # Early-warning rules, by id; the Chinese text comes from the formula itself.
    "county-overdue-rectifications": ("区县逾期未整改记录达到预警线",
                                      "Overdue rectifications in a county reached the threshold"),
    "city-overdue-deadlines": ("设区市逾期办理事项达到预警线",
                               "Overdue deadlines in a city reached the threshold"),
    "body-serious-records": ("机关严重失信记录达到预警线",
                             "A body's serious records reached the threshold"),
    "body-low-score": ("机关政务诚信评分低于及格线",
                       "A body's integrity score is below the pass mark"),
}


def waiting_note(starts_on: date, length: int | None, unit: str | None,
                 awaiting: Sequence[int], lang: str = "zh") -> str:
    """How a deadline waiting for the calendar reads: its period and what fixes its date."""
    years = "、".join(str(y) for y in awaiting) if lang != "en" else " and ".join(
        str(y) for y in awaiting)
    working = unit != "days"
    if lang == "en":
        period = f"{length} {'working ' if working else ''}days from {starts_on}"
        return f"{period}; the date is fixed when the {years} holiday calendar is published"
    period = f"自{starts_on}起{length}{'个工作日' if working else '日'}"
    return f"{period}；{years}年节假日安排公布后确定具体日期"


def calendar_warning(until: date, today: date, lang: str) -> str:
    """The banner operators and administrators see as the last countable day nears."""
    left, year = (until - today).days, until.year + 1
    if lang == "en":
        return (f"Working days are known only until {until} ({left} days left): publish the "
                f"State Council holiday notice for {year}. Deadlines reaching {year} wait for it.")
    return (f"工作日历仅覆盖至{until}（剩余{left}天）：请尽快发布{year}年国务院节假日安排。"
            f"跨入{year}年的时限将等待其公布后确定截止日期。")


def with_notes(rows: list[OpenDeadline], lang: str) -> list[OpenDeadline]:
    """Board rows, each waiting deadline with its note in ``lang``."""
    return [row if row.due is not None else row.model_copy(update={"note": waiting_note(
        row.starts_on, row.length, row.unit, row.awaiting, lang)}) for row in rows]


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = TEXTS.get(key) or VALUES.get(key)
        return pair[index] if pair else key

    return t
