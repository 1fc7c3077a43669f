"""Texts of the recorded early warnings and the operators' steps on them, in Simplified Chinese
and English."""

from __future__ import annotations

WARNING_TEXTS: dict[str, tuple[str, str]] = {
    "warning_board": ("预警处置", "Warnings to act on"),
    "warning_board_hint": (
        "评价时触发的预警记入台账；本地区操作员（或上级）应在规定工作日内确认，逾期未确认的预警上报上级地区。",
        "Warnings raised when evaluations are taken are recorded; the region's operator (or one "
        "above) acknowledges each within the rule set's working days, or it is escalated to "
        "the region above."),
    "warning_state": ("状态", "State"),
    "warning_open": ("待确认", "Open"),
    "warning_escalated": ("逾期未确认，已上报", "Escalated"),
    "warning_acknowledged": ("已确认", "Acknowledged"),
    "warning_followed_up": ("已处置", "Followed up"),
    "warning_closed": ("已办结", "Closed"),
    "warning_message": ("预警内容", "Warning"),
    "warning_raised_on": ("预警日期", "Raised on"),
    "warning_number": ("第{n}次", "number {n}"),
    "warning_rule": ("预警规则", "Rule"),
    "warning_inputs": ("触发时的指标", "Metrics when raised"),
    "warning_region": ("负责地区", "Region responsible"),
    "warning_escalated_to": ("已上报", "escalated to"),
    "warning_due": ("确认期限", "Acknowledge by"),
    "warning_acknowledged_on": ("确认日期", "Acknowledged on"),
    "warning_follow_up": ("处置措施", "Follow-up"),
    "warning_reasons": ("处置说明（不采取措施的，说明理由）", "What was done, or why nothing"),
    "warning_result": ("处置结果", "Result"),
    "warning_note": ("确认意见（可选）", "Note (optional)"),
    "warning_actions": ("处置", "Act on it"),
    "warning_acknowledge": ("确认预警", "Acknowledge"),
    "warning_record_follow_up": ("记录处置措施", "Record the follow-up"),
    "warning_record_result": ("记录处置结果并办结", "Record the result and close"),
    "follow_up_interview": ("约谈", "Interview (约谈)"),
    "follow_up_supervision": ("督导", "Supervision (督导)"),
    "follow_up_circular": ("通报", "Circular (通报)"),
    "follow_up_none": ("不采取措施", "None"),
    "no_recorded_warnings": ("本地区暂无记录的预警。", "No recorded warnings here."),
    "take_evaluations_today": ("进行今日评价并记录预警", "Take today's evaluations and record "
                                                  "the warnings"),
    "evaluations_taken": ("已记录{n}条评价、{w}条新预警。",
                          "Recorded {n} evaluations and {w} new warnings."),
}
