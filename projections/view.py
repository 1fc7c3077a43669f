"""What a view is: a name, its tables, the events it handles, and how it applies them.

A view is bound to the PostgreSQL schema it writes (``views`` when live, a scratch schema while it
is rebuilt), so the same code fills the live tables and their replacements. The follower calls
``begin`` with a page, ``apply`` for each event of it, then ``flush``, all in the transaction that
also stores the view's position.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from projections.facts import RECORD_EVENTS
from projections.log import Entry
from projections.tables import Counters, Row, Rows, Table, create_tables

VIEWS_SCHEMA = "views"


class View:
    """Base of the views; subclasses set ``name``, ``tables`` and ``handles``."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    handles: ClassVar[frozenset[type[DomainEvent]]]

    def __init__(self, schema: str = VIEWS_SCHEMA) -> None:
        self.schema = schema

    cost: ClassVar[float] = 1.0
    """The view's work per event relative to other views', to split a rebuild over processes
    (``projections.rebuild_split``); a rough figure from the rebuild benchmark is enough."""

    revision: ClassVar[int] = 0
    """Raised when what the view writes into its rows changes though its tables do not."""

    @classmethod
    def fingerprint(cls) -> str:
        """Names the table definitions and the revision; a change means a rebuild."""
        text = ",".join(t.fingerprint() for t in cls.tables)
        if cls.revision:
            text += f";revision {cls.revision}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def create_tables(self, cursor: psycopg.Cursor[Any], schema: str | None = None, *,
                      indexes: bool = True) -> None:
        create_tables(cursor, self.tables, schema or self.schema, indexes=indexes)

    def create_indexes(self, cursor: psycopg.Cursor[Any]) -> None:
        """The plain indexes of tables made with ``indexes=False``."""
        for table in self.tables:
            for statement in table.index_statements(self.schema):
                cursor.execute(statement)

    def keep_last_page(self) -> None:
        """Have the working sets carry the last page's changes into the next (a rebuild)."""
        for value in vars(self).values():
            if isinstance(value, Rows):
                value.keep_last_page = True

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        """Read what the page's events will change (one query per table, not per event)."""

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        raise NotImplementedError

    def working_sets(self) -> list[Rows | Counters]:
        """The rows and counters the view holds for a page."""
        return [value for value in vars(self).values() if isinstance(value, Rows | Counters)]

    def flush(self, cursor: psycopg.Cursor[Any]) -> None:
        """Write back what the page changed (what each working set holds)."""
        for held in self.working_sets():
            held.flush(cursor)

    def discard(self) -> None:
        """Forget a page whose transaction was rolled back."""
        for held in self.working_sets():
            held.clear()


class RowView(View):
    """A view of one table, a row per aggregate, keyed by its first column: a record's (by
    default) or, where ``stored`` says so, a commitment's, a warning's …"""

    def __init__(self, schema: str = VIEWS_SCHEMA, regions: RegionTable | None = None) -> None:
        super().__init__(schema)
        self.regions = regions or fujian()
        self.rows = Rows(self.tables[0], schema)

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.rows.start_page()
        self.rows.load(cursor, self.tables[0].key[0], self.stored(page))

    def stored(self, page: Sequence[Entry]) -> Collection[Any]:
        """The aggregates whose rows the page's events may change and that have rows already."""
        return stored_records(page)


class AggregateRowView(RowView):
    """A row per aggregate other than a record: ``new_row`` makes it from the aggregate's first
    event (``first``) and ``change`` changes it with each later one. An event of an aggregate
    without a row here (another holder's deadline) is passed over."""

    first: ClassVar[type[DomainEvent]]

    def stored(self, page: Sequence[Entry]) -> Collection[Any]:
        return stored_aggregates(page, self.first)

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        if isinstance(event, self.first):
            self.rows.put(self.new_row(event, position))
            return
        held = self.rows.get(event.originator_id)
        if held is None:
            return
        row = dict(held, position=position)
        self.change(row, event)
        self.rows.put(row)

    def new_row(self, event: Any, position: int) -> Row:
        raise NotImplementedError

    def change(self, row: Row, event: Any) -> None:
        raise NotImplementedError


class SharedPage(list[Entry]):
    """A page that several views are given at once (by a rebuild): what one view works out
    from it is kept with it for the others, and goes when the page goes."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        super().__init__(entries)
        self.worked_out: dict[Any, Any] = {}


def stored_records(page: Sequence[Entry],
                   kinds: frozenset[type[DomainEvent]] = RECORD_EVENTS) -> list[Any]:
    """The records that the page's events of ``kinds`` change and that may have rows already.

    A filing is a record's first event, so a record filed on this page has no row from before
    it and is not looked up: a page of fresh records costs no reads.
    """
    shared = page.worked_out if isinstance(page, SharedPage) else None
    if shared is not None and ("stored", kinds) in shared:
        found: list[Any] = shared["stored", kinds]
        return found
    filed, touched = set(), []
    for entry in page:
        event = entry.event
        if isinstance(event, ev.RecordFiled):
            filed.add(event.originator_id)
        elif event is not None and type(event) in kinds:
            touched.append(event.originator_id)
    found = list(set(touched).difference(filed))
    if shared is not None:
        shared["stored", kinds] = found
    return found


def stored_aggregates(page: Sequence[Entry], first: type[DomainEvent]) -> set[Any]:
    """The aggregates the page's events change, but those created on it (by ``first``, their
    first event): only those may have rows already, so only those are looked up."""
    created = {e.event.originator_id for e in page if isinstance(e.event, first)}
    return {e.event.originator_id for e in page if e.event is not None} - created
