"""Page texts in Simplified Chinese (default) and English: the catalogues in ``api/texts``, and
the texts made from a deadline's or the calendar's dates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from api.i18n_catalogues import CATALOGUES, PAGE_TEXTS, refuse_shared_keys
from projections.results import OpenDeadline

TEXTS = dict(CATALOGUES["general"])
VALUES = CATALOGUES["values"]
EVENTS = CATALOGUES["events"]
FIELDS = CATALOGUES["fields"]
WORK_TEXTS = CATALOGUES["work"]
"""The department's workspace and forms, the reviewer's tasks, where an official's matters
stand; templates with ``{who}``, ``{when}`` and an event's fields are filled in by
``api.pages.matters``."""
REGISTER_TEXTS = CATALOGUES["registers"]
EVALUATION_TEXTS = CATALOGUES["evaluation"]
WARNING_TEXTS = CATALOGUES["warnings"]

# A record's fields read the same on its pages as in its facts and exports: their labels are
# kept once, in FIELDS, and no page text may take their keys.
FIELD_LABELS = (
    "category", "domain", "severity", "document_number", "decision_date", "source",
    "deciding_authority", "facts", "legal_basis", "decision_content", "kind", "text",
    "commitment", "reasons", "subject_type", "matter", "fine_yuan", "confiscation_yuan",
    "reason")
refuse_shared_keys({**{name: CATALOGUES[name] for name in PAGE_TEXTS},
                    "fields": {name: FIELDS[name] for name in FIELD_LABELS}})
TEXTS.update((name, FIELDS[name]) for name in FIELD_LABELS)


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
