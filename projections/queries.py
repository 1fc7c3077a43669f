"""Queries over the views, for the API and the web pages.

Each function takes an open psycopg connection and reads only the ``views`` schema. Rules that
depend on today's date (the publicity window, sanctions in force, working days left) are applied
here, with ``today`` defaulting to the business date in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ledger.calendar import WorkingCalendar
from ledger.clock import business_date, system_clock
from ledger.errors import LedgerError, ValidationError
from ledger.regions import RegionTable, fujian
from projections.evaluation import METRICS as SCORED_METRICS
from projections.evaluation import (
    Evaluation,
    Formula,
    Warning,
    early_warnings,
    evaluate,
    evaluate_body,
    evaluate_region,
    formula_in_force,
)
from projections.results import (
    Counts,
    DisclosedRecord,
    DisclosurePage,
    OpenDeadline,
    RecordPage,
    RecordState,
    RegionSummary,
    RegionTotals,
    SanctionInForce,
    SubjectSummary,
)
from projections.rollup import METRICS
from projections.search import lookup, recent_quarters, region_tag, value_tag
from projections.view import VIEWS_SCHEMA

__all__ = [
    "Evaluation", "Warning", "body_evaluation", "body_status", "disclosed_record",
    "due_before_within", "early_warnings", "evaluate_body", "evaluate_region", "open_deadlines",
    "public_disclosure", "record_list", "record_view", "records", "region_rollup",
    "subject_names", "subject_status", "warnings",
]

MAX_PER_PAGE = 100
Conn = psycopg.Connection[Any]


def _today(today: date | None) -> date:
    return today or business_date(system_clock())


def _rows(conn: Conn, query: str, params: Sequence[Any] | dict[str, Any] = (), *,
          prepare: bool | None = None) -> list[dict[str, Any]]:
    statement = sql.SQL(query).format(v=sql.Identifier(VIEWS_SCHEMA))
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(statement, params, prepare=prepare)
        return cursor.fetchall()


def _region(code: str, regions: RegionTable | None) -> str:
    """The code a region filter matches: the current code, since chains hold current codes."""
    return (regions or fujian()).current(code, field="region").code


# -- record view --------------------------------------------------------------------------------


def record_view(conn: Conn, record_id: UUID) -> RecordState | None:
    """The current state of one record, or ``None`` if the view has not seen it."""
    found = _rows(conn, "SELECT * FROM {v}.record_view WHERE record_id = %s", (record_id,))
    return _record(found[0]) if found else None


def records(
    conn: Conn, *, subject_id: UUID | None = None, region: str | None = None,
    status: str | None = None, limit: int = 50, offset: int = 0,
) -> list[RecordState]:
    """Records of a subject, a region (its own code only) or a status, newest decision first."""
    found = _rows(conn, (
        "SELECT * FROM {v}.record_view WHERE (%(subject)s::uuid IS NULL OR subject_id = "
        "%(subject)s) AND (%(region)s::text IS NULL OR region_code = %(region)s) AND "
        "(%(status)s::text IS NULL OR status = %(status)s) "
        "ORDER BY decision_date DESC, record_id LIMIT %(limit)s OFFSET %(offset)s"
    ), {"subject": subject_id, "region": region, "status": status,
        "limit": min(limit, MAX_PER_PAGE), "offset": offset})
    return [_record(row) for row in found]


def record_list(
    conn: Conn, *, region: str | None = None, status: str | None = None,
    category: str | None = None, severity: str | None = None, subject_code: str | None = None,
    source_code: str | None = None, page: int = 1, per_page: int = 20,
    regions: RegionTable | None = None,
) -> RecordPage:
    """One page of records matching the filters, newest decision first.

    ``region`` matches the region and everything that reports to it, old codes included.
    """
    _check_page(page, per_page)
    params = {
        "regions": (regions or fujian()).under(region, field="region") if region else None,
        "status": status, "category": category, "severity": severity,
        "subject": subject_code, "source": source_code,
        "limit": per_page, "offset": (page - 1) * per_page,
    }
    where = (
        "FROM {v}.record_view WHERE "
        "(%(regions)s::text[] IS NULL OR region_code = ANY(%(regions)s)) "
        "AND (%(status)s::text IS NULL OR status = %(status)s) "
        "AND (%(category)s::text IS NULL OR category = %(category)s) "
        "AND (%(severity)s::text IS NULL OR severity = %(severity)s) "
        "AND (%(subject)s::text IS NULL OR subject_code = %(subject)s) "
        "AND (%(source)s::text IS NULL OR source_code = %(source)s) "
    )
    total = _rows(conn, "SELECT count(*) AS n " + where, params)[0]["n"]
    found = _rows(conn, "SELECT * " + where + "ORDER BY decision_date DESC, record_id "
                  "LIMIT %(limit)s OFFSET %(offset)s", params)
    return RecordPage(items=[_record(row) for row in found], total=total, page=page,
                      per_page=per_page)


def _check_page(page: int, per_page: int) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page must be ≥ 1 and per_page 1–{MAX_PER_PAGE}", field="page")


def _record(row: dict[str, Any]) -> RecordState:
    return RecordState(**row, open_deadline_count=len(row["open_deadlines"]))


# -- open deadlines -----------------------------------------------------------------------------


def open_deadlines(
    conn: Conn, *, region: str | None = None, kind: str | None = None,
    due_before: date | None = None, overdue: bool | None = None, body_code: str | None = None,
    today: date | None = None, calendar: WorkingCalendar | None = None,
    regions: RegionTable | None = None, limit: int = 1000, party: str | None = None,
) -> list[OpenDeadline]:
    """Every open deadline matching the filters, earliest due first.

    ``region`` matches the region and everything that reports to it. ``overdue=True`` keeps
    deadlines recorded as overdue or already past their due date; ``False`` the others.
    Deadlines waiting for the calendar come last; they are never due within N days.
    """
    day = _today(today)
    found = _rows(conn, (
        "SELECT * FROM {v}.open_deadlines WHERE "
        "(%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text]) "
        "AND (%(kind)s::text IS NULL OR kind = %(kind)s) "
        "AND (%(before)s::date IS NULL OR due < %(before)s) "
        "AND (%(body)s::text IS NULL OR body_code = %(body)s) "
        "AND (%(party)s::text IS NULL OR party = %(party)s) "
        "AND (%(overdue)s::boolean IS NULL "
        "     OR (overdue OR coalesce(due < %(today)s, false)) = %(overdue)s) "
        "ORDER BY due NULLS LAST, record_id, key LIMIT %(limit)s"
    ), {"region": _region(region, regions) if region else None, "kind": kind,
        "before": due_before, "body": body_code, "overdue": overdue, "today": day,
        "limit": limit, "party": party})
    days_left = _DaysLeft(calendar or WorkingCalendar(), day)
    return [
        OpenDeadline(**{k: v for k, v in row.items() if k not in ("region_chain", "position")},
                     working_days_left=days_left(row["due"]))
        for row in found
    ]


def deadline_load(
    conn: Conn, *, since: date, until: date, today: date, region: str | None = None,
    kind: str | None = None, regions: RegionTable | None = None,
) -> tuple[dict[date, int], dict[str, int]]:
    """How many open deadlines fall due on each day from ``since`` to ``until`` (inclusive),
    and how many are overdue, by kind: the operator's load, counted in the database."""
    params = {"region": _region(region, regions) if region else None, "kind": kind,
              "since": since, "until": until, "today": today}
    where = ("FROM {v}.open_deadlines WHERE "
             "(%(region)s::text IS NULL OR region_chain @> ARRAY[%(region)s::text]) "
             "AND (%(kind)s::text IS NULL OR kind = %(kind)s) ")
    due = _rows(conn, "SELECT due, count(*) AS n " + where +
                "AND due BETWEEN %(since)s AND %(until)s AND NOT overdue GROUP BY due", params)
    late = _rows(conn, "SELECT kind, count(*) AS n " + where +
                 "AND (overdue OR coalesce(due < %(today)s, false)) GROUP BY kind", params)
    return {r["due"]: r["n"] for r in due}, {r["kind"]: r["n"] for r in late}


def misses_by_party(conn: Conn, *, region: str, own: Sequence[str], today: date,
                    regions: RegionTable | None = None) -> list[dict[str, Any]]:
    """Overdue deadlines in a region that are not its bodies' own (``own``: the formula's
    ``own_deadlines``), by who had to act: the credit platform (``platform``) or the
    department a matter was forwarded to. They cost the bodies nothing and count here."""
    return _rows(conn, (
        "SELECT party, count(*)::int AS overdue, array_agg(DISTINCT kind ORDER BY kind) AS kinds "
        "FROM {v}.open_deadlines WHERE region_chain @> ARRAY[%(region)s::text] "
        "AND NOT kind = ANY(%(own)s::text[]) AND kind <> 'commitment_due' "
        "AND (overdue OR coalesce(due < %(today)s, false)) "
        "GROUP BY party ORDER BY count(*) DESC, party"
    ), {"region": _region(region, regions), "own": list(own), "today": today})


def due_before_within(calendar: WorkingCalendar, today: date, working_days: int) -> date:
    """The ``due_before`` that keeps deadlines due within N working days (0: due today).

    Past the last published year the days are counted as if every weekday worked: a filter
    of the board, not a legal date.
    """
    last = calendar.reach(today, working_days)[0] if working_days else today
    return last + timedelta(days=1)


class _DaysLeft:
    """Working days from today to each due date, counted once per distinct date."""

    def __init__(self, calendar: WorkingCalendar, today: date) -> None:
        self.calendar, self.today = calendar, today
        self._known: dict[date, int | None] = {}

    def __call__(self, due: date | None) -> int | None:
        if due is None:
            return None
        if due not in self._known:
            try:
                self._known[due] = self.calendar.working_days_between(self.today, due)
            except LedgerError:
                self._known[due] = None
        return self._known[due]


# -- public disclosure --------------------------------------------------------------------------

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
    _check_page(page, per_page)
    if (page - 1) * per_page >= TOTAL_CAP:
        raise ValidationError(f"only the first {TOTAL_CAP:,} matches can be paged through; "
                              "narrow the search", field="page")
    tags = _filter_tags(region, category, severity, regions)
    if tags is None:  # a category or severity that no record can have
        return DisclosurePage(items=[], total=0, page=page, per_page=per_page)
    text = (q or "").strip()
    params: dict[str, Any] = {"today": _today(today), "cap": TOTAL_CAP, "tags": tags,
                              "limit": per_page, "offset": (page - 1) * per_page}
    if text:
        params |= {"code": text.upper(), "text": text,
                   "keys": tags + lookup(conn, VIEWS_SCHEMA, text)}
        where = _TEXT_BY_KEYS
    else:
        where = _TAGS if tags else ""
    total, span = _count(conn, where, params)
    found = _rows(conn, f"SELECT {_DISCLOSED_FIELDS} " + _DISCLOSED + _narrowed(where, span)
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
        found: int = _rows(conn, "SELECT count(*) AS n FROM (SELECT 1 " + _DISCLOSED
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
    tags = [region_tag(_region(region, regions))] if region else []
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
    found = _rows(conn, f"SELECT {_DISCLOSED_FIELDS} " + _DISCLOSED + "AND record_id = %(id)s",
                  {"today": _today(today), "id": record_id})
    return DisclosedRecord(**found[0]) if found else None


# -- subject status -----------------------------------------------------------------------------


def subject_status(conn: Conn, subject_id: UUID, today: date | None = None,
                   formula: Formula | None = None,
                   only: Collection[UUID] | None = None) -> SubjectSummary | None:
    """A subject's records by state and severity, marks, sanctions in force and deadlines.

    With ``only``, just those of its records count, and the evaluation (which counts them all)
    is left out.
    """
    subjects = _rows(conn, "SELECT * FROM {v}.subject_status_subjects WHERE subject_id = %s",
                     (subject_id,))
    if not subjects:
        return None
    rows = _rows(conn, "SELECT * FROM {v}.subject_status_records WHERE subject_id = %s "
                 "ORDER BY record_id", (subject_id,))
    rows = [r for r in rows if only is None or r["record_id"] in only]
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        by_severity = counts.setdefault(row["status"], {})
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + 1
    sanctions = _rows(conn, (
        "SELECT record_id, number, kind, starts_on, ends_on FROM {v}.subject_status_sanctions "
        "WHERE subject_id = %(id)s AND lifted IS NULL AND starts_on <= %(today)s "
        "AND %(today)s <= ends_on ORDER BY ends_on, record_id, number"
    ), {"id": subject_id, "today": _today(today)})
    sanctions = [s for s in sanctions if only is None or s["record_id"] in only]
    return SubjectSummary(
        **subjects[0], records=len(rows), counts=counts,
        under_objection=[r["record_id"] for r in rows if r["under_objection"]],
        under_reconsideration=[r["record_id"] for r in rows
                               if r["under_reconsideration"] is not None],
        sanctions_in_force=[SanctionInForce(**s) for s in sanctions],
        open_deadlines=sum(len(r["open_deadlines"]) for r in rows),
        overdue_deadlines=sum(len(r["overdue_deadlines"]) for r in rows),
        evaluation=evaluate_body(conn, subjects[0]["credit_code"], formula=formula)
        if subjects[0]["credit_code"] and only is None else None,
    )


def body_status(conn: Conn, credit_code: str, today: date | None = None,
                formula: Formula | None = None,
                only: Collection[UUID] | None = None) -> SubjectSummary | None:
    """``subject_status`` of the government body with this credit code."""
    found = _rows(conn, "SELECT subject_id FROM {v}.subject_status_subjects "
                  "WHERE credit_code = %s", (credit_code,))
    return (subject_status(conn, found[0]["subject_id"], today, formula, only) if found
            else None)


def body_evaluation(conn: Conn, credit_code: str, formula: Formula | None = None) -> (
    Evaluation | None
):
    """A body's evaluation (full marks while it has no records), or ``None`` if unknown."""
    found = _rows(conn, "SELECT name FROM {v}.subject_status_subjects WHERE credit_code = %s",
                  (credit_code,))
    if not found:
        return None
    return evaluate_body(conn, credit_code, formula=formula) or evaluate(
        formula or formula_in_force(), "body", credit_code, found[0]["name"],
        dict.fromkeys(SCORED_METRICS, 0))


def document_numbers(conn: Conn, record_ids: Sequence[UUID]) -> dict[UUID, str]:
    """Each record's decision document number, for lists that name records."""
    found = _rows(conn, "SELECT record_id, document_number FROM {v}.record_view "
                        "WHERE record_id = ANY(%(ids)s)", {"ids": list(record_ids)})
    return {row["record_id"]: row["document_number"] for row in found}


def subject_names(conn: Conn, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """For lists that show codes: each body's name by credit code, and each civil servant's
    masked ID and body by subject id (a deadline's party)."""
    people = []
    for code in codes:
        try:
            people.append(UUID(code))
        except ValueError:
            continue
    found = _rows(conn, (
        "SELECT coalesce(credit_code, subject_id::text) AS code, subject_type, name, masked_id, "
        "body_code FROM {v}.subject_status_subjects "
        "WHERE credit_code = ANY(%(codes)s) OR subject_id = ANY(%(people)s)"
    ), {"codes": list(codes), "people": people})
    return {row["code"]: row for row in found}


def warnings(conn: Conn, *, region: str | None = None, kind: str | None = None,
             formula: Formula | None = None, regions: RegionTable | None = None) -> (
    list[Warning]
):
    """Early warnings raised now; ``region`` keeps the region's own, those of the regions
    below it and those of the bodies in any of them."""
    table = regions or fujian()
    raised = [w for w in early_warnings(conn, formula=formula, regions=table)
              if kind is None or w.kind == kind]
    if region is None:
        return raised
    inside = set(table.under(region, field="region"))
    body_regions = {row["credit_code"]: row["region_code"] for row in _rows(
        conn, "SELECT credit_code, region_code FROM {v}.subject_status_subjects "
        "WHERE credit_code = ANY(%s)", ([w.code for w in raised if w.kind == "body"],))}
    return [w for w in raised
            if (w.code if w.kind == "region" else body_regions.get(w.code)) in inside]


# -- region roll-up -----------------------------------------------------------------------------


def region_rollup(conn: Conn, region: str, regions: RegionTable | None = None) -> RegionSummary:
    """A region's counts by domain and severity, including every region below it."""
    table = regions or fujian()
    here = table.current(region, field="region")
    cells = _rows(conn, "SELECT * FROM {v}.region_rollup WHERE region_code = %s",
                  (here.code,))
    by_domain: dict[str, dict[str, int]] = {}
    by_severity: dict[str, dict[str, int]] = {}
    for cell in cells:
        _add(by_domain.setdefault(cell["domain"], {}), cell)
        _add(by_severity.setdefault(cell["severity"], {}), cell)
    children = table.children(here.code)
    sums = ", ".join(f"sum({m})::int AS {m}" for m in METRICS)
    child_rows = {row["region_code"]: row for row in _rows(
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
