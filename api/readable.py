"""Values as a person reads them: codes as labels in the page's language, instants in Beijing
time to the second, a fact's fields by name. The timeline page and the exports share them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from api.i18n import EVENTS, FIELDS, TEXTS, VALUES, WORK_TEXTS, waiting_note
from ledger import values as v
from ledger.clock import SHANGHAI
from ledger.deadline_keys import DeadlineKey
from ledger.errors import ValidationError
from ledger.events import DomainEvent, Immutable, Role
from ledger.record_events import PublicityDates, RecordContent
from ledger.regions import fujian

# Every code a record, a deadline or an actor carries: a cell holding exactly one of these is
# shown by its label.
CODES = frozenset(
    member.value for enum in (*(getattr(v, name) for name in dir(v)), Role)
    if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum
    for member in enum
) | {"platform"}
_EVENT_FIELDS = frozenset(DomainEvent.model_fields)


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    return fallback if pair is None else pair[1 if lang == "en" else 0]


def label(code: str, lang: str) -> str:
    """A code's label (``administrative_penalty`` → 行政处罚), or the code itself."""
    return _pick(VALUES.get(code) or TEXTS.get(code) or WORK_TEXTS.get(code), lang, code)


def field_name(name: str, lang: str) -> str:
    return _pick(FIELDS.get(name) or TEXTS.get(name), lang, name)


def event_name(name: str, lang: str) -> str:
    return _pick(EVENTS.get(name), lang, name)


def beijing(instant: datetime) -> datetime:
    """The wall-clock time in Asia/Shanghai, to the second, without the zone (for xlsx)."""
    return instant.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)


def beijing_time(instant: datetime, lang: str) -> str:
    """``2026-05-06 09:30:00 北京时间``."""
    return f"{beijing(instant):%Y-%m-%d %H:%M:%S} {label('beijing_time', lang)}"


def yes_no(flag: bool, lang: str) -> str:
    return label("yes" if flag else "no", lang)


def region_name(code: str, lang: str) -> str | None:
    """The current name of a Fujian region code (old codes included), or ``None``."""
    return fujian().name_of(code, lang)


def deadline_name(key: str, lang: str) -> str:
    """A deadline's key as words: ``objection-1-mark`` → 异议标注（第 1 件）."""
    try:
        parsed = DeadlineKey.parse(key)
    except ValidationError:  # another field named ``key``: shown as its label
        return label(key, lang)
    if parsed.kind is None:
        return label(key, lang)
    kind = label(parsed.kind.value, lang)
    return (f"{kind} (no. {parsed.number})" if lang == "en"
            else f"{kind}（第 {parsed.number} 件）")


def _deadline(deadline: v.Deadline, lang: str) -> str:
    name = deadline_name(deadline.key, lang)
    if deadline.due is None:
        note = waiting_note(deadline.starts_on, deadline.length, deadline.unit,
                            deadline.awaiting, lang)
        return f"{name}: {note}"
    if deadline.historical:  # ended before a migrated record was filed
        return (f"{name}, ended {deadline.due} (before the record was migrated)" if lang == "en"
                else f"{name}，{deadline.due} 已届满（记录迁入前）")
    return f"{name}, due {deadline.due}" if lang == "en" else f"{name}，{deadline.due} 截止"


def _window(window: PublicityDates, lang: str) -> str:
    if lang == "en":
        return (f"from {window.starts}, at the earliest to {window.min_end}, at the latest to "
                f"{window.max_end}{'; published' if window.published else ''}")
    return (f"自 {window.starts} 起，最短至 {window.min_end}，最长至 {window.max_end}"
            f"{'，已公示' if window.published else ''}")


def text(name: str, value: Any, lang: str) -> str | None:
    """A field's value as words, or ``None`` when there is nothing to show."""
    sep, colon = ("; ", ": ") if lang == "en" else ("；", "：")
    if value is None or value == () or value == {} or value == []:
        return None
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, StrEnum):
        return label(value.value, lang)
    if isinstance(value, datetime):
        return beijing_time(value, lang)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if name.endswith("_yuan") else str(value)
    if isinstance(value, int | UUID):
        return str(value)
    if isinstance(value, v.Organisation):
        return f"{value.name} ({value.code})" if lang == "en" else f"{value.name}（{value.code}）"
    if isinstance(value, v.Deadline):
        return _deadline(value, lang)
    if isinstance(value, PublicityDates):
        return _window(value, lang)
    if isinstance(value, Immutable):
        shown = fields(value, lang)
        return sep.join(f"{title}{colon}{words}" for title, words in shown) or None
    if isinstance(value, dict):
        return sep.join(f"{key}{colon}{item}" for key, item in value.items())
    if isinstance(value, tuple | list):
        items = [text(name, item, lang) for item in value]
        return ("; " if lang == "en" else "、").join(i for i in items if i)
    if name in ("closes", "key"):
        return deadline_name(str(value), lang)
    if name == "region_code":
        found = region_name(str(value), lang)
        return f"{value} {found}" if found else str(value)
    return str(value)


def fields(model: Immutable, lang: str) -> list[tuple[str, str]]:
    """A fact's (or a nested value's) fields with something to show, as (name, words); a
    record's filed content is shown field by field in its place."""
    shown: list[tuple[str, str]] = []
    for name in type(model).model_fields:
        if name in _EVENT_FIELDS:
            continue
        value = getattr(model, name)
        if isinstance(value, RecordContent):
            shown += fields(value, lang)
            continue
        words = text(name, value, lang)
        if words is not None:
            shown.append((field_name(name, lang), words))
    return shown


def cell(value: Any, lang: str) -> Any:
    """An export cell: labels for codes and yes/no, numbers and dates as they are."""
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, StrEnum) or (isinstance(value, str) and value in CODES):
        return label(str(value), lang)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return beijing(value)
    return value
