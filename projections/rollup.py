"""``region_rollup``: counts per region, domain and severity, rolled up the reporting tree.

A record counts in its own region and in every region it reports to (township, county, city,
province — ``RegionTable.reporting_chain``, so 平潭 counts under the province directly and a
retired code counts where its area is now). Each record's own state is kept in a side table;
at the end of a page the change of every touched record is added to the counters, so a page
costs one upsert per touched counter row, however many events it held.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ledger import record_events as ev
from ledger.events import DomainEvent
from ledger.regions import RegionTable, fujian
from projections import facts
from projections.log import Entry
from projections.queries import Conn, fetch
from projections.records import MARK_COLUMNS, apply_change
from projections.results import Counts, RegionSummary, RegionTotals
from projections.tables import Counters, Row, Rows, Table
from projections.view import View, stored_records

METRICS = (
    "records", "body_records", "in_force", "published", "under_objection",
    "under_reconsideration", "repaired", "withdrawn", "deleted", "expired", "open_deadlines",
    "overdue_deadlines", "overdue_rectifications",
)

ROLLUP = Table(
    name="region_rollup",
    columns=(
        ("region_code", "text"), ("domain", "text"), ("severity", "text"),
        *((name, "integer NOT NULL DEFAULT 0") for name in METRICS),
    ),
    key=("region_code", "domain", "severity"),
)

ROLLUP_RECORDS = Table(
    name="region_rollup_records",
    columns=(
        ("record_id", "uuid"),
        ("region_code", "text NOT NULL"),
        ("domain", "text NOT NULL"),
        ("severity", "text NOT NULL"),
        ("subject_type", "text NOT NULL"),
        *MARK_COLUMNS,
    ),
    key=("record_id",),
)


def metrics(row: Row | None) -> dict[str, int]:
    """What one record adds to the counters of each region it rolls up to."""
    if row is None:
        return dict.fromkeys(METRICS, 0)
    status = row["status"]
    return {
        "records": 1,
        "body_records": int(row["subject_type"] == "body"),
        "in_force": int(status == "in_force"),
        "published": int(row["published"]),
        "under_objection": int(row["under_objection"]),
        "under_reconsideration": int(row["under_reconsideration"] is not None),
        "repaired": int(status == "repaired"),
        "withdrawn": int(status == "withdrawn"),
        "deleted": int(status == "deleted"),
        "expired": int(status == "expired"),
        "open_deadlines": len(row["open_deadlines"]),
        "overdue_deadlines": len(row["overdue_deadlines"]),
        "overdue_rectifications": int("rectification" in row["overdue_deadlines"]),
    }


class RegionRollup(View):
    """Record counts by region (rolled up the reporting tree), domain and severity."""

    cost = 1.5  # see View.cost
    name = "region_rollup"
    tables = (ROLLUP, ROLLUP_RECORDS)
    handles = facts.RECORD_EVENTS

    def __init__(self, schema: str = "views", regions: RegionTable | None = None) -> None:
        super().__init__(schema)
        self.regions = regions or fujian()
        self.records = Rows(ROLLUP_RECORDS, schema)
        self.counters = Counters(ROLLUP, schema)
        self._before: dict[Any, tuple[dict[str, int], tuple[str, str] | None]] = {}
        self._chains: dict[str, list[str]] = {}

    def begin(self, cursor: psycopg.Cursor[Any], page: Sequence[Entry]) -> None:
        self.records.start_page()
        self.counters.clear()
        self._before.clear()
        self.records.load(cursor, "record_id", stored_records(page))

    def apply(self, cursor: psycopg.Cursor[Any], event: DomainEvent, position: int) -> None:
        record_id = event.originator_id
        if isinstance(event, ev.RecordFiled):
            content = event.content
            row: Row = {
                "record_id": record_id, "region_code": content.region_code,
                "domain": content.domain.value, "severity": content.severity.value,
                "subject_type": content.subject_type.value, "status": "in_force",
                "published": False, "under_objection": False, "under_reconsideration": None,
                "open_deadlines": [], "overdue_deadlines": [],
            }
            self._before.setdefault(record_id, (metrics(None), None))
        else:
            found = self.records.get(record_id)
            if found is None:
                raise LookupError(f"no row for record {record_id}")
            row = found
            if record_id not in self._before:
                self._before[record_id] = (metrics(row), (row["domain"], row["severity"]))
            apply_change(row, facts.change_of(event))
        self.records.put(row)

    def flush(self, cursor: psycopg.Cursor[Any]) -> None:
        for record_id, (before, was) in self._before.items():
            row = self.records.get(record_id)
            if row is None:
                continue
            after, now = metrics(row), (row["domain"], row["severity"])
            if was is not None and was != now:
                # A correction moved the record to another domain or severity.
                self._count(row["region_code"], was, {n: -before[n] for n in METRICS})
                before = metrics(None)
            delta = {name: after[name] - before[name] for name in METRICS}
            if any(delta.values()):
                self._count(row["region_code"], now, delta)
        self.records.flush(cursor)
        self.counters.flush(cursor)
        self._before.clear()

    def _count(self, region_code: str, key: tuple[str, str], delta: dict[str, int]) -> None:
        for region in self._chain(region_code):
            self.counters.add((region, *key), delta)

    def _chain(self, code: str) -> list[str]:
        chain = self._chains.get(code)
        if chain is None:
            chain = self._chains[code] = self.regions.reporting_chain(code)
        return chain

    def discard(self) -> None:
        self.records.clear()
        self.counters.clear()
        self._before.clear()


# -- queries ------------------------------------------------------------------------------------


def region_rollup(conn: Conn, region: str, regions: RegionTable | None = None) -> RegionSummary:
    """A region's counts by domain and severity, including every region below it."""
    table = regions or fujian()
    here = table.current(region, field="region")
    cells = fetch(conn, "SELECT * FROM {v}.region_rollup WHERE region_code = %s",
                  (here.code,))
    by_domain: dict[str, dict[str, int]] = {}
    by_severity: dict[str, dict[str, int]] = {}
    for cell in cells:
        _add(by_domain.setdefault(cell["domain"], {}), cell)
        _add(by_severity.setdefault(cell["severity"], {}), cell)
    children = table.children(here.code)
    sums = ", ".join(f"sum({m})::int AS {m}" for m in METRICS)
    child_rows = {row["region_code"]: row for row in fetch(
        conn, f"SELECT region_code, {sums} FROM {{v}}.region_rollup "
        "WHERE region_code = ANY(%s) GROUP BY region_code", ([c.code for c in children],))}
    return RegionSummary(
        code=here.code, name=here.name, totals=_counts(_sum(cells)),
        by_domain={k: Counts(**v) for k, v in sorted(by_domain.items())},
        by_severity={k: Counts(**v) for k, v in sorted(by_severity.items())},
        children=[RegionTotals(code=c.code, name=c.name,
                               totals=_counts(child_rows.get(c.code, {})))
                  for c in sorted(children, key=lambda c: c.code)],
    )


def _add(into: dict[str, int], cell: dict[str, Any]) -> None:
    for metric in METRICS:
        into[metric] = into.get(metric, 0) + cell[metric]


def _sum(cells: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for cell in cells:
        _add(total, cell)
    return total


def _counts(values: dict[str, Any]) -> Counts:
    return Counts(**{m: int(values.get(m) or 0) for m in METRICS})
