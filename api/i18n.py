"""Page texts in Simplified Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from api.i18n_evaluation import EVALUATION_TEXTS
from api.i18n_registers import REGISTER_TEXTS
from api.i18n_warnings import WARNING_TEXTS
from api.i18n_work import WORK_TEXTS
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
    "subject": ("主体", "Subject"),
    "fine": ("罚款金额（元）", "Fine (yuan)"),
    "publicity": ("公示期", "Publicity period"),
    "proof_verified": ("已核验：第 {n} 号检查点（签署于 {t}），{k} 个见证方联署",
                       "Verified against checkpoint {n} signed at {t}, cosigned by {k} "
                       "witnesses"),
    "proof_pending": ("尚未核验：本记录还没有可核验的已签署检查点。",
                      "Not verified yet: no signed checkpoint covers this record."),
    "proof_download": ("下载证明包（可用 credit-ledger audit verify 离线核验）",
                       "Download the proof bundle (verify offline with credit-ledger audit "
                       "verify)"),
    "status": ("状态", "Status"),
    "under_objection": ("异议处理中", "Under objection"),
    "under_reconsideration": ("复议或诉讼中", "Under reconsideration or litigation"),
    "no_results": ("没有符合条件的记录。", "No records match."),
    "export": ("导出", "Export"),
    "deadlines": ("待办时限", "Deadlines"),
    "due": ("截止日期", "Due"),
    "overdue": ("已逾期", "Overdue"),
    "working_days_left": ("剩余工作日", "Working days left"),
    "submit_explanation": ("提交书面说明", "Submit a written explanation"),
    "file_objection": ("提出异议", "File an objection"),
    "apply_for_repair": ("申请信用修复", "Apply for credit repair"),
    "grounds": ("异议理由", "Grounds"),
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
    "overdue_own_deadlines": ("本单位逾期事项", "Its own overdue deadlines"),
    "overdue_others_deadlines": ("平台或报送部门逾期事项（不扣分）",
                                 "Overdue with the platform or source (no deduction)"),
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
    # Timelines and exports.
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "beijing_time": ("北京时间", "Beijing time (UTC+8)"),
    "as_of_beijing": ("截至时间（北京时间）", "As of (Beijing time)"),
    "details": ("内容", "Details"),
    "event_type": ("事实类型", "Fact type"),
    "not_yet_filed": ("截至 {as_of}（北京时间），该记录尚未报送（报送时间：{filed}）。"
                      "请选择此后的时间。",
                      "As of {as_of} (Beijing time) this record had not been filed yet (it was "
                      "filed at {filed}). Choose a later time."),
    "as_of_future": ("{as_of}（北京时间）尚未到来，以下为记录当前的情况。",
                     "{as_of} (Beijing time) has not come yet; this is the record as it is now."),
    "as_of_unreadable": ("无法识别截至时间“{value}”，请按“2026-05-06 09:30”的格式填写；"
                         "以下为记录当前的情况。",
                         "“{value}” is not a time this page can read; write it like "
                         "2026-05-06 09:30. This is the record as it is now."),
    "export_capped": ("仅导出前 {n} 条：符合条件的记录可能更多，请缩小查询范围后分别导出。",
                      "Only the first {n} rows are exported; more may match, so narrow the "
                      "search and export each part."),
    "export_up_to": ("最多 {n} 条", "up to {n} rows"),
    "soonest_shown": ("此处仅列最近到期的 {n} 项。", "Only the {n} soonest are listed here."),
    "bodies": ("机关数", "Bodies"),
    "no_bodies": ("本地区尚无登记的机关，无从评分", "No body is registered here to score"),
    "score_is_mean": ("辖区内（含下级地区）{n} 个机关评分的平均值，尚无记录的机关按满分计",
                      "the mean score of the {n} bodies here and in the regions below; a body "
                      "without records has full marks"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "region_name": ("所在地区", "Region"),
    "value": ("数值", "Value"),
    "message": ("预警内容", "Warning"),
    "rule_id": ("预警规则", "Rule"),
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
    "objection_case": ("异议办理总时限", "Objection: whole case"),
    "review_decision": ("复核决定", "Review decision"),
    "revocation": ("撤销决定后处理", "After revocation"),
    "repair_forwarding": ("修复申请转送", "Repair: forward"),
    "repair_decision": ("修复决定", "Repair: decision"),
    "repair_answer": ("修复答复", "Repair: answer"),
    "repair_propagation": ("修复结果推送", "Repair: propagate"),
    "commitment_due": ("承诺履行期限", "Commitment: due"),
    "lead_verification": ("线索核查", "Lead: verify"),
    "warning_acknowledgement": ("预警确认", "Warning: acknowledge"),
    "listing_removal": ("履行后删除失信信息", "Listing: removal after performance"),
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
    # Codes a record's facts carry (ledger.values, ledger.events.Role).
    "review_request": ("申请复核", "Review request"),
    "body": ("机关", "Government body"),
    "civil_servant": ("公务员", "Civil servant"),
    "public": ("向社会公开", "Public"),
    "shared": ("政务共享", "Shared between authorities"),
    "working_days": ("工作日", "working days"),
    "corrected": ("更正", "Corrected"),
    "supplemented": ("补充", "Supplemented"),
    "publicity_stopped": ("停止公示", "Publicity stopped"),
    "upheld": ("维持", "Upheld"),
    "unverifiable": ("无法核实", "Cannot be verified"),
    "revoked": ("撤销", "Revoked"),
    "changed": ("变更", "Changed"),
    "honours_disqualification": ("取消评优评先资格", "Disqualified from honours"),
    "public_criticism": ("通报批评", "Public criticism"),
    "promotion_restriction": ("限制晋升", "Promotion restricted"),
    "lighter": ("从轻", "Lighter"),
    "reduced": ("减轻", "Reduced"),
    "exempted": ("免予处理", "Exempted"),
    "reconsideration": ("行政复议", "Administrative reconsideration"),
    "litigation": ("行政诉讼", "Administrative litigation"),
    "open": ("待办理", "Open"),
    "plan_submitted": ("已提交整改方案", "Plan submitted"),
    "completion_reported": ("已报告整改完成", "Completion reported"),
    "done": ("已完成", "Done"),
    "filed": ("已提出", "Filed"),
    "marked": ("已标注", "Marked"),
    "accepted": ("已受理", "Accepted"),
    "rejected": ("不予受理", "Rejected"),
    "forwarded": ("已转送", "Forwarded"),
    "decided": ("已决定", "Decided"),
    "approved": ("已同意", "Approved"),
    "refused": ("未同意", "Refused"),
    "source_department": ("报送部门", "Source department"),
    "subject_official": ("主体经办人", "Subject official"),
    "platform_reviewer": ("平台审核人员", "Platform reviewer"),
    "operator": ("运行监测人员", "Operator"),
    "auditor": ("审计人员", "Auditor"),
    "administrator": ("管理员", "Administrator"),
    "system": ("系统", "System"),
    "platform": ("信用平台", "Credit platform"),
    "audit_inspection": ("审计抽查", "Audit inspection"),
    "record_verification": ("核实报送记录的当事人", "Verifying a record's subject"),
    "objection_handling": ("异议核实", "Handling an objection"),
    "repair_handling": ("信用修复核实", "Handling a repair"),
    "legal_proceedings": ("复议、诉讼", "Legal proceedings"),
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


# The facts of a record (ledger.record_events), by class name.
EVENTS: dict[str, tuple[str, str]] = {
    "RecordFiled": ("报送记录", "Record filed"),
    "Published": ("公示", "Published"),
    "ExplanationRequested": ("要求书面说明", "Explanation requested"),
    "ExplanationSubmitted": ("提交书面说明", "Explanation submitted"),
    "RectificationOrdered": ("责令限期整改", "Rectification ordered"),
    "RectificationPlanSubmitted": ("提交整改方案", "Rectification plan submitted"),
    "RectificationCompletionReported": ("报告整改完成", "Rectification reported complete"),
    "RectificationVerified": ("整改核验通过", "Rectification verified"),
    "RectificationRejected": ("整改核验未通过", "Rectification not accepted"),
    "RectificationExtended": ("延长整改期限", "Rectification extended"),
    "ObjectionFiled": ("提出异议", "Objection filed"),
    "ObjectionMarked": ("异议标注", "Objection marked"),
    "ObjectionAccepted": ("受理异议", "Objection accepted"),
    "ObjectionRejected": ("异议不予受理", "Objection rejected"),
    "ObjectionForwarded": ("转送异议", "Objection forwarded"),
    "ObjectionExtended": ("延长异议办理期限", "Objection extended"),
    "ObjectionDecided": ("异议核实决定", "Objection decided"),
    "ReviewRequested": ("申请复核", "Review requested"),
    "ReviewDecided": ("复核决定", "Review decided"),
    "ReconsiderationMarked": ("标注复议或诉讼", "Reconsideration or litigation marked"),
    "ReconsiderationConcluded": ("复议或诉讼终结", "Reconsideration or litigation concluded"),
    "Withdrawn": ("撤回记录", "Withdrawn"),
    "Corrected": ("更正记录", "Corrected"),
    "RepairApplied": ("申请信用修复", "Credit repair applied for"),
    "RepairForwarded": ("转送修复申请", "Repair application forwarded"),
    "RepairExtended": ("延长修复办理期限", "Repair extended"),
    "RepairDecided": ("信用修复决定", "Repair decided"),
    "RepairPropagated": ("推送修复结果", "Repair propagated"),
    "RepairRevoked": ("撤销信用修复（提供虚假材料）", "Repair revoked (false material)"),
    "PublicityExpired": ("公示期满", "Publicity expired"),
    "PerformanceRecorded": ("记录被执行人履行义务", "Performance recorded"),
    "ListingExtended": ("延长失信名单期限", "Listing extended"),
    "SanctionImposed": ("实施惩戒", "Sanction imposed"),
    "SanctionLifted": ("解除惩戒", "Sanction lifted"),
    "SanctionRestored": ("恢复惩戒", "Sanction restored"),
    "MitigationRecorded": ("记录从轻、减轻或免予处理", "Mitigation recorded"),
    "ReminderSent": ("发送到期提醒", "Reminder sent"),
    "DeadlineEvent": ("时限变更", "Deadlines changed"),
    "DeadlineAwaitsCalendar": ("时限待节假日安排确定", "Deadline waits for the calendar"),
    "DeadlineDated": ("确定时限日期", "Deadline dated"),
    "DeadlinesClosed": ("关闭未办结时限", "Open deadlines closed"),
    "DeadlineMissed": ("时限逾期", "Deadline missed"),
    "DeadlineUrged": ("催办", "Deadline urged"),
    "DeadlineEscalated": ("逾期上报", "Deadline escalated"),
}

# The fields of those facts and of a record's content, by name.
FIELDS: dict[str, tuple[str, str]] = {
    "content": ("报送内容", "Content"),
    "subject_type": ("主体类型", "Subject type"),
    "subject_id": ("主体标识", "Subject id"),
    "subject_code": ("主体代码", "Subject code"),
    "subject_name": ("主体名称", "Subject name"),
    "source": ("报送部门", "Source department"),
    "document_number": ("决定文号", "Decision document"),
    "decision_date": ("决定日期", "Decision date"),
    "deciding_authority": ("决定机关", "Deciding authority"),
    "category": ("类别", "Category"),
    "domain": ("领域", "Domain"),
    "severity": ("失信程度", "Severity"),
    "matter": ("事项", "Matter"),
    "facts": ("失信事实", "Facts"),
    "legal_basis": ("法律依据", "Legal basis"),
    "decision_content": ("处理决定", "Decision"),
    "fine_yuan": ("罚款金额（元）", "Fine (yuan)"),
    "confiscation_yuan": ("没收金额（元）", "Confiscation (yuan)"),
    "region_code": ("地区", "Region"),
    "scope": ("公开范围", "Scope"),
    "responsible_persons": ("责任人", "Responsible persons"),
    "more_matters": ("其他处罚事项", "Further matters"),
    "rule_set_id": ("适用规则", "Rule set"),
    "filed_on": ("报送日期", "Filed on"),
    "content_digest": ("内容摘要值", "Content digest"),
    "publicity_starts": ("公示开始", "Publicity starts"),
    "publicity_min_end": ("最短公示期满", "Earliest end of publicity"),
    "publicity_max_end": ("公示截止", "Publicity ends"),
    "published": ("已公示", "Published"),
    "starts": ("开始计时", "Deadline started"),
    "closes": ("办结的时限", "Deadlines closed"),
    "text": ("说明内容", "Explanation"),
    "requirement": ("整改要求", "Requirement"),
    "plan": ("整改方案", "Plan"),
    "report": ("整改完成情况", "Completion report"),
    "reasons": ("理由", "Reasons"),
    "reason": ("原因", "Reason"),
    "number": ("件次", "Number"),
    "grounds": ("理由", "Grounds"),
    "case": ("异议办理总时限", "Whole-case deadline"),
    "to": ("送往", "Sent to"),
    "working_days": ("延长工作日", "Working days added"),
    "outcome": ("结果", "Outcome"),
    "changes": ("更正内容", "Changes"),
    "window": ("公示期", "Publicity window"),
    "notes": ("备注", "Notes"),
    "review_request_until": ("可申请复核至", "Review may be requested until"),
    "upheld": ("维持原结果", "Upheld"),
    "kind": ("类型", "Kind"),
    "case_number": ("案号", "Case number"),
    "commitment": ("信用承诺", "Credit commitment"),
    "answer": ("答复时限", "Answer deadline"),
    "decision": ("决定时限", "Decision deadline"),
    "approved": ("同意修复", "Approved"),
    "platforms": ("推送平台", "Platforms"),
    "on": ("日期", "On"),
    "months": ("期限（月）", "Months"),
    "starts_on": ("开始日期", "Starts on"),
    "ends_on": ("结束日期", "Ends on"),
    "key": ("时限", "Deadline"),
    "working_days_before": ("提前工作日", "Working days before"),
    "performed_on": ("履行日期", "Performed on"),
    "years": ("延长年数", "Years added"),
    "finding": ("虚假材料认定文书", "Finding of false material"),
    "barred_until": ("不得再次申请修复至", "No repair application until"),
}

# A record's fields read the same on its pages as in its facts and exports: their labels are
# kept once, in FIELDS.
TEXTS.update((name, FIELDS[name]) for name in (
    "category", "domain", "severity", "document_number", "decision_date", "source",
    "deciding_authority", "facts", "legal_basis", "decision_content", "kind", "text",
    "commitment", "reasons", "subject_type", "matter", "fine_yuan", "confiscation_yuan",
    "reason"))


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
        pair = (TEXTS.get(key) or VALUES.get(key) or WORK_TEXTS.get(key)
                or REGISTER_TEXTS.get(key) or EVALUATION_TEXTS.get(key)
                or WARNING_TEXTS.get(key))
        return pair[index] if pair else key

    return t
