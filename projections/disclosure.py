"""``public_disclosure``: what the public pages may show, and nothing else.

The rule of docs/domain.md: records of government bodies only, public scope, published, inside the
publicity window, not repaired, withdrawn, deleted or expired, with the "under objection" and
"under reconsideration" marks. Records of civil servants never enter this table, nor do the
responsible persons of a body's record, so no query over it can leak personal data. A record
leaves the table for good when it stops being publishable; a repaired one stays, unpublished,
since a repair obtained with false material can be revoked and the record shown again. The
window's dates are checked by the queries, because "today" moves without any event.

``search_keys`` serves the public search (``projections.search``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from ledger import record_events as ev
from ledger.errors import ValidationError
from ledger.events import DomainEvent
from ledger.regions import RegionTable
from ledger.values import Scope, SubjectType
from projections import facts
from projections.queries import Conn, check_page, current_region, fetch, or_today
from projections.records import apply_change
from projections.results import DisclosedRecord, DisclosurePage
from projections.search import lookup, recent_quarters, region_tag, row_keys, value_tag
from projections.tables import Row, Table
from projections.view import VIEWS_SCHEMA, RowView

DISCLOSURE = Table(
    name="public_disclosure",
    columns=(
        ("record_id", "uuid"),
        ("subject_code", "text NOT NULL"),
        ("subject_name", "text NOT NULL"),
        ("region_code", "text NOT NULL"),
        ("category", "text NOT NULL"),
        ("domain", "text NOT NULL"),
        ("severity", "text NOT NULL"),
        ("document_number", "text NOT NULL"),
        ("decision_date", "date NOT NULL"),
        ("deciding_authority", "text NOT NULL"),
        ("deciding_authority_code", "text NOT NULL"),
        ("facts", "text NOT NULL"),
        ("legal_basis", "text NOT NULL"),
        ("decision_content", "text NOT NULL"),
        ("fine_yuan", "numeric"),
        ("confiscation_yuan", "numeric"),
        ("publicity_starts", "date NOT NULL"),
        ("publicity_max_end", "date NOT NULL"),
        ("published", "boolean NOT NULL"),
        ("under_objection", "boolean NOT NULL"),
        ("under_reconsideration", "text"),
        ("position", "bigint NOT NULL"),
        ("search_keys", "integer[] NOT NULL"),
    ),
    key=("record_id",),
    indexes=("(subject_code)", "USING gin (search_keys)", "(decision_date DESC, record_id)"),
)


def disclosable(event: ev.RecordFiled) -> bool:
    content = event.content
    return content.subject_type is SubjectType.BODY and content.scope is Scope.PUBLIC


class PublicDisclosure(RowView):
    """Public records of government bodies, with their marks; no personal data."""

    cost = 3.0  # see View.cost
    name = "public_disclosure"
    tables = (DISCLOSURE,)
    handles = facts.RECORD_EVENTS
    # search keys: quarter tags (1), grams hashed from code points (2); corrected content (3);
    # repaired records kept unpublished (4)
    revision = 4

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, ev.RecordFiled):
            if disclosable(event):
                self.rows.put(self._row(event, position))
            return
        row = self.rows.get(event.originator_id)
        if row is None:
            return
        change = facts.change_of(event)
        if change.published is False and not isinstance(event, ev.RepairDecided):
            # Withdrawn, deleted, expired or publicity stopped: never shown again.
            self.rows.delete(event.originator_id)
            return
        if change.published is False:
            row["published"] = False  # repaired: hidden while the repair stands
        if change.published:
            row["published"] = True
        if change.under_objection is not None:
            row["under_objection"] = change.under_objection
        if change.under_reconsideration is not facts.UNCHANGED:
            row["under_reconsideration"] = change.under_reconsideration
        if change.content or change.window:
            self._correct(row, change)
        row["position"] = position
        self.rows.put(row)

    def _correct(self, row: Row, change: facts.Change) -> None:
        """The corrected content replaces the filed one: the public sees only what stands."""
        apply_change(row, facts.Change(content=change.content, window=change.window))
        authority = (change.content or {}).get("deciding_authority")
        if authority is not None:
            row["deciding_authority"] = authority.name
            row["deciding_authority_code"] = authority.code
        row["search_keys"] = row_keys(
            row["subject_name"], row["document_number"],
            self.regions.reporting_chain(row["region_code"]), row["category"],
            row["severity"], row["decision_date"])

    def _row(self, event: ev.RecordFiled, position: int) -> Row:
        content = event.content
        return {
            "record_id": event.originator_id,
            "subject_code": content.subject_code,
            "subject_name": content.subject_name or "",
            "region_code": content.region_code,
            "category": content.category.value,
            "domain": content.domain.value,
            "severity": content.severity.value,
            "document_number": content.document_number,
            "decision_date": content.decision_date,
            "deciding_authority": content.deciding_authority.name,
            "deciding_authority_code": content.deciding_authority.code,
            "facts": content.facts,
            "legal_basis": content.legal_basis,
            "decision_content": content.decision_content,
            "fine_yuan": content.fine_yuan,
            "confiscation_yuan": content.confiscation_yuan,
            "publicity_starts": event.publicity_starts,
            "publicity_max_end": event.publicity_max_end,
            "published": False,
            "under_objection": False,
            "under_reconsideration": None,
            "position": position,
            "search_keys": row_keys(content.subject_name or "", content.document_number,
                                    self.regions.reporting_chain(content.region_code),
                                    content.category.value, content.severity.value,
                                    content.decision_date),
        }


# -- queries ------------------------------------------------------------------------------------


_DISCLOSED = (
    "FROM {v}.public_disclosure WHERE published "
    "AND publicity_starts <= %(today)s AND %(today)s <= publicity_max_end "
)
_DISCLOSED_FIELDS = ", ".join(name for name in DisclosedRecord.model_fields)
TOTAL_CAP = 1_000
"""Searches count matches up to here and page no further: counting or skipping hundreds of
thousands of rows for every search costs the database more than any reader of the pages uses,
so the pages show "1,000+" and a narrower search finds the rest."""


def public_disclosure(
    conn: Conn, *, q: str | None = None, region: str | None = None,
    category: str | None = None, severity: str | None = None, page: int = 1,
    per_page: int = 20, today: date | None = None, regions: RegionTable | None = None,
) -> DisclosurePage:
    """One page of the public disclosure list: bodies' public records inside their window.

    ``q`` matches part of the body's name or document number, or the whole credit code;
    ``region`` matches the region and everything that reports to it. ``total`` counts up to
    ``TOTAL_CAP`` matches, and only pages within the first ``TOTAL_CAP`` can be read.
    """
    check_page(page, per_page)
    if (page - 1) * per_page >= TOTAL_CAP:
        raise ValidationError(f"only the first {TOTAL_CAP:,} matches can be paged through; "
                              "narrow the search", field="page")
    tags = _filter_tags(region, category, severity, regions)
    if tags is None:  # a category or severity that no record can have
        return DisclosurePage(items=[], total=0, page=page, per_page=per_page)
    text = (q or "").strip()
    params: dict[str, Any] = {"today": or_today(today), "cap": TOTAL_CAP, "tags": tags,
                              "limit": per_page, "offset": (page - 1) * per_page}
    if text:
        params |= {"code": text.upper(), "text": text,
                   "keys": tags + lookup(conn, VIEWS_SCHEMA, text)}
        where = _TEXT_BY_KEYS
    else:
        where = _TAGS if tags else ""
    total, span = _count(conn, where, params)
    found = fetch(conn, f"SELECT {_DISCLOSED_FIELDS} " + _DISCLOSED + _narrowed(where, span)
                  + "ORDER BY decision_date DESC, record_id LIMIT %(limit)s OFFSET %(offset)s",
                  params | {"span": span}, prepare=False)
    return DisclosurePage(items=[DisclosedRecord(**row) for row in found], total=total,
                          total_capped=total >= TOTAL_CAP, page=page, per_page=per_page)


def _count(conn: Conn, where: str, params: dict[str, Any]) -> tuple[int, list[int] | None]:
    """How many rows match, up to ``TOTAL_CAP``, and the span of recent quarters holding that
    many (``None``: the whole table).

    The index cannot give matches newest first, and counting a thousand of a common filter's
    matches anywhere in the table takes a scan whose cost depends on where they lie. So
    the count looks in ever longer spans of recent quarters (the rows' quarter tags, in the
    same index) and stops at the first that holds ``TOTAL_CAP`` matches. Every match outside
    that span is older than all of those, so the page read from the span alone is the same as
    the whole table's, at the cost of fetching the span's matches only.
    """
    def count(span: list[int] | None) -> int:
        # Never prepared: a plan made for no values in particular (which PostgreSQL may pick
        # for a statement prepared on a pooled connection) walks a million rows for a rare text.
        found: int = fetch(conn, "SELECT count(*) AS n FROM (SELECT 1 " + _DISCLOSED
                           + _narrowed(where, span) + "LIMIT %(cap)s) AS found",
                           params | {"span": span}, prepare=False)[0]["n"]
        return found

    if where:  # the unfiltered list is newest-first in the date index already
        for span in recent_quarters(params["today"]):
            found = count(span)
            if found >= TOTAL_CAP:
                return found, span
            if found * 4 < TOTAL_CAP:  # too few to reach it within two more doublings
                break
    return count(None), None


def _narrowed(where: str, span: list[int] | None) -> str:
    return where.format(span="" if span is None else "AND search_keys && %(span)s::integer[] ")


# Each condition narrows to a span of quarters where ``{span}`` stands (``_count``).
_TAGS = "AND search_keys @> %(tags)s::integer[] {span}"
# ``strpos`` of the lower-cased texts is what ILIKE '%text%' does, without its wildcards, and
# the planner does not take it for rarer than it is (it guesses ILIKE matches next to nothing).
_TEXT_BY_KEYS = (
    "AND ((subject_code = %(code)s AND search_keys @> %(tags)s::integer[] {span}) "
    "OR (search_keys @> %(keys)s::integer[] {span}"
    "AND (strpos(lower(subject_name), lower(%(text)s)) > 0 "
    "OR strpos(lower(document_number), lower(%(text)s)) > 0))) "
)


def _filter_tags(region: str | None, category: str | None, severity: str | None,
                 regions: RegionTable | None) -> list[int] | None:
    """The search keys the filters ask for; ``None`` if a value is not a known one."""
    tags = [region_tag(current_region(region, regions))] if region else []
    for kind, value in (("category", category), ("severity", severity)):
        if value:
            tag = value_tag(kind, value)
            if tag is None:
                return None
            tags.append(tag)
    return tags


def disclosed_record(conn: Conn, record_id: UUID, today: date | None = None) -> (
    DisclosedRecord | None
):
    """One record's public page, or ``None`` if the public may not see it (today)."""
    found = fetch(conn, f"SELECT {_DISCLOSED_FIELDS} " + _DISCLOSED + "AND record_id = %(id)s",
                  {"today": or_today(today), "id": record_id})
    return DisclosedRecord(**found[0]) if found else None


def disclosed(conn: Conn, record_ids: list[UUID], today: date) -> set[UUID]:
    """Which of these records the public may see today (the condition of
    ``disclosed_record``): a breach record is linked from a public commitment only
    then."""
    if not record_ids:
        return set()
    found = fetch(conn, """
        SELECT record_id FROM {v}.public_disclosure WHERE published
          AND publicity_starts <= %(today)s AND %(today)s <= publicity_max_end
          AND record_id = ANY(%(ids)s)""", {"today": today, "ids": record_ids})
    return {row["record_id"] for row in found}
