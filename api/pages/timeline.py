"""The auditor's timeline of a record: every fact in order, in the page's language, with times
in Beijing time; as it stood at a chosen moment, typed as Beijing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from api import charts
from api.auth import Account
from api.exports import export
from api.pages import language, render
from api.readable import beijing, beijing_time, event_name, fields, label
from ledger.application import Ledger
from ledger.clock import business_date, parse_instant
from ledger.errors import ValidationError
from ledger.events import DomainEvent
from ledger.record import CreditRecord
from ledger.values import StepStatus

EVENT_COLUMNS = [("version", "序号"), ("time", "时间（北京时间）"), ("event", "事实"),
                 ("event_type", "事实类型"), ("actor_role", "操作人角色"), ("actor_id", "操作人"),
                 ("details", "内容")]


@dataclass(frozen=True)
class AsOf:
    """The moment asked for, and what the page must say about it."""

    instant: datetime | None
    typed: str
    unreadable: bool = False

    @classmethod
    def read(cls, typed: str | None) -> AsOf:
        """``2026-05-06T09:30`` (the form's datetime-local) or anything ``parse_instant``
        reads; what it cannot read is said on the page, and the whole history is shown."""
        if not typed:
            return cls(None, "")
        try:
            return cls(parse_instant(typed), typed)
        except ValidationError:
            return cls(None, typed, unreadable=True)

    def notice(self, facts: list[DomainEvent], shown: list[DomainEvent], now: datetime,
               lang: str) -> str | None:
        if self.unreadable:
            return label("as_of_unreadable", lang).format(value=self.typed)
        if self.instant is None:
            return None
        when = f"{beijing(self.instant):%Y-%m-%d %H:%M:%S}"
        if not shown:
            return label("not_yet_filed", lang).format(
                as_of=when, filed=beijing_time(facts[0].timestamp, lang))
        if self.instant > now:
            return label("as_of_future", lang).format(as_of=when)
        return None


def rows(events: list[DomainEvent], lang: str) -> list[dict[str, Any]]:
    """One row per fact: when, what, who, and its fields as (name, words)."""
    sep, colon = ("; ", ": ") if lang == "en" else ("；", "：")
    found = []
    for event in events:
        shown = fields(event, lang)
        found.append({
            "version": event.originator_version, "time": beijing(event.timestamp),
            "time_text": beijing_time(event.timestamp, lang),
            "event": event_name(type(event).__name__, lang), "event_type": type(event).__name__,
            "actor_role": label(event.actor.role.value, lang), "actor_id": event.actor.id,
            "fields": shown, "details": sep.join(f"{name}{colon}{words}" for name, words in shown),
        })
    return found


def life(record: CreditRecord | None, shown: list[DomainEvent], found: list[dict[str, Any]],
         today: date, lang: str) -> str:
    """The record's life as a picture: each fact shown, and its publicity window."""
    moments = [charts.Moment(row["version"], row["time"].date(), row["event"]) for row in found]
    window = (record.publicity_starts, record.publicity_max_end) if record else None
    return charts.life(label("life_of_record", lang), moments, publicity=window, today=today,
                       labels={"publicity": label("publicity", lang),
                               "today": label("today", lang)})


def timeline_page(request: Request, ledger: Ledger, record_id: UUID, as_of: str | None,
                  fmt: str | None, account: Account) -> Response:
    """The page (or its export) of one record's facts up to the moment asked for."""
    lang = language(request)
    moment = AsOf.read(as_of)
    facts = ledger.timeline(record_id)
    shown = [e for e in facts if moment.instant is None or e.timestamp <= moment.instant]
    found = rows(shown, lang)
    if fmt in ("csv", "xlsx"):
        return export(found, EVENT_COLUMNS, fmt, f"timeline-{record_id}", lang=lang)
    record = None
    if shown:
        record = (ledger.record_as_of(record_id, moment.instant) if moment.instant
                  else ledger.record(record_id))
    picture = life(record, shown, found, business_date(moment.instant or ledger.clock()), lang)
    if fmt == "svg":
        return charts.download(picture, f"timeline-{record_id}")
    context: dict[str, Any] = {
        "record_id": record_id, "events": found, "as_of_value": moment.typed,
        "notice": moment.notice(facts, shown, ledger.clock(), lang), "status": None,
        "marks": {}, "open_repairs": [], "picture": picture}
    if record is not None:
        context |= {"status": record.status.value, "marks": {
            "under_objection": record.under_objection,
            "under_reconsideration": record.under_reconsideration},
            "open_repairs": [n for n, p in record.repairs.items()
                             if p.status is StepStatus.FILED]}
    return render(request, "timeline.html", context, account=account)
