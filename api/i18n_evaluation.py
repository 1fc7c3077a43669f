"""Texts of the quarterly and annual evaluations and the third-party ratings, in Simplified
Chinese and English."""

from __future__ import annotations

EVALUATION_TEXTS: dict[str, tuple[str, str]] = {
    "period_evaluations": ("季度和年度政务诚信评价", "Quarterly and annual evaluations"),
    "period": ("评价期间", "Period"),
    "period_end": ("期末日期", "Period ends"),
    "taken_on": ("评价日期", "Taken on"),
    "formula_id": ("评价指标版本", "Formula"),
    "evaluated": ("评价对象数", "Evaluated"),
    "no_periods": ("尚无季度或年度评价。", "No quarterly or annual evaluation yet."),
    "record_period": ("补录已结束期间的评价", "Record an ended period"),
    "record_period_hint": ("每季度首日凌晨由系统自动评价上一季度（第一季度首日同时评价上一年度）；"
                           "错过时在此补录。评价按该期间最后一日有效的评价指标，读取当前视图，"
                           "记入日志后不再改动。",
                           "The system evaluates the quarter just ended early on each quarter's "
                           "first day (and the year on the first quarter's); record one here "
                           "when that run was missed. It is evaluated under the formula in "
                           "force on the period's last day, from the views as they stand now, "
                           "and is not changed once in the log."),
    "choose_period": ("请选择一个已结束且尚未评价的期间。",
                      "Choose a period that has ended and was not evaluated yet."),
    "subject_kind": ("对象类型", "Subject"),
    "kind_body": ("机关", "Body"),
    "kind_region": ("地区", "Region"),
    "third_party_score": ("第三方评价（百分制）", "Third-party rating (of 100)"),
    "third_party_ratings_title": ("第三方评价", "Third-party ratings"),
    "rating_source": ("评价机构", "Source"),
    "rating_document": ("评价文件", "Document"),
    "out_of_100": ("百分制得分", "Score of 100"),
    "no_ratings": ("尚无第三方评价。", "No third-party ratings."),
    "import_ratings": ("导入第三方评价", "Import ratings"),
    "import_ratings_hint": ("CSV 或 xlsx 文件，列为 source、subject_kind（body 或 region）、"
                            "subject_code、period、score、scale（可空，默认 100）、document；"
                            "同一机构、期间和对象再次导入不作改动。",
                            "A CSV or xlsx file with columns source, subject_kind (body or "
                            "region), subject_code, period, score, scale (optional, 100 by "
                            "default), document; the same source, period and subject again "
                            "changes nothing."),
    "import_ratings_counts": ("共 {rows} 行：新评价 {filed} 条，已导入未变 {unchanged} 条，"
                              "有误 {error} 条。",
                              "{rows} rows: {filed} new ratings, {unchanged} imported before, "
                              "{error} with errors."),
    "choose_ratings_file": ("请选择 .csv 或 .xlsx 文件。", "Choose a .csv or .xlsx file."),
    "commitments_fulfilled": ("已兑现承诺", "Commitments fulfilled"),
    "commitments_breached": ("失信承诺", "Commitments breached"),
    "commitments_overdue": ("逾期未兑现承诺", "Commitments overdue"),
    "leads_received": ("收到线索", "Leads received"),
    "leads_answered": ("办结线索", "Leads answered"),
    "leads_answered_in_time": ("按期办结线索", "Leads answered in time"),
    "leads_overdue": ("逾期线索", "Leads overdue"),
    "leads_founded": ("查实线索", "Leads found true"),
    "suggestions_received": ("人大建议和政协提案", "Suggestions and proposals"),
    "suggestions_answered": ("已办理建议提案", "Suggestions and proposals answered"),
    "suggestions_answered_in_time": ("按期办理建议提案", "Answered in time"),
    "suggestions_overdue": ("逾期办理建议提案", "Suggestions and proposals overdue"),
    "third_party_ratings": ("第三方评价来源数", "Third-party sources"),
}
