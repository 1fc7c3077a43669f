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

from collections.abc import Sequence
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from ledger.values import Scope, SubjectType
from projections import facts
from projections.log import Entry
from projections.records import apply_change
from projections.search import row_keys
from projections.tables import Row, Rows, Table
from projections.view import View, stored_records

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


class PublicDisclosure(View):
    """Public records of government bodies, with their marks; no personal data."""

    cost = 3.0  # see View.cost
    name = "public_disclosure"
    tables = (DISCLOSURE,)
    handles = facts.RECORD_EVENTS
    # search keys: quarter tags (1), grams hashed from code points (2); corrected content (3);
    # repaired records kept unpublished (4)
    revision = 4

    def __init__(self, schema: str = "views", regions: RegionTable | None = None) -> None:
        super().__init__(schema)
        self.regions = regions or fujian()
        self.rows = Rows(DISCLOSURE, schema)

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.rows.start_page()
        self.rows.load(cursor, "record_id", stored_records(page))

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
