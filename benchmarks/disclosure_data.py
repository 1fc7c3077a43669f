"""A province-sized public disclosure: realistic record histories and two ways to project them.

Histories are made by the domain code itself (``CreditRecord.file`` with the rule set in force
on the filing day and the working-day calendar, then objections, reconsideration marks and
withdrawals on some records), for government bodies in every county of Fujian, with decision
dates spread over the last three years and a skewed number of records per body.

``populate`` feeds those events straight to ``PublicDisclosure``'s own ``begin``/``apply``/
``flush`` in large pages, so the table holds exactly the rows the follower would write, without
first writing and decoding the multi-million-event log a real rebuild reads. ``cross_check``
proves that on a sample: it writes the same kind of histories to a log, rebuilds the view from
it with ``projections.rebuild``, and compares the rows with those the direct path produced.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from ledger.application import Ledger
from ledger.calendar import WorkingCalendar
from ledger.clock import business_date
from ledger.errors import LedgerError
from ledger.events import Actor, DomainEvent, Role
from ledger.identifiers import body_id, record_id, uscc_check_char
from ledger.record import CreditRecord, RecordContent, Schedule
from ledger.record_events import RecordFiled, Withdrawn
from ledger.regions import fujian
from ledger.rules import RuleBook
from ledger.values import (
    Category,
    Domain,
    Organisation,
    ReconsiderationKind,
    Scope,
    Severity,
    SubjectType,
)
from projections.disclosure import PublicDisclosure
from projections.log import Entry, log_table_of
from projections.positions import install, store_position
from projections.rebuild import rebuild
from projections.view import VIEWS_SCHEMA

DEPARTMENTS = (
    "自然资源局", "住房和城乡建设局", "交通运输局", "教育局", "卫生健康局", "市场监督管理局",
    "生态环境局", "人力资源和社会保障局", "财政局", "农业农村局", "水利局", "文化和旅游局",
    "应急管理局", "城市管理局", "民政局", "司法局", "审计局", "统计局", "林业局", "商务局",
    "发展和改革局", "工业和信息化局", "退役军人事务局", "医疗保障局", "行政审批局",
    "机关事务服务中心", "人民政府办公室", "国有资产监督管理局", "科学技术局", "体育局",
)
PLACE = "东西南北城关江山洋溪坑口头田塘湖岭峰坂厝埔尾浦石前后上下新安华兴龙凤"
SOURCES = {  # category -> (source department, its document number prefix)
    Category.COURT_JUDGMENT: ("福州市中级人民法院", "闽01民初"),
    Category.DISHONEST_JUDGMENT_DEBTOR: ("福建省高级人民法院", "闽执"),
    Category.ADMINISTRATIVE_PENALTY: ("福建省市场监督管理局", "闽市监罚"),
    Category.DISCIPLINARY_SANCTION: ("福建省纪委监委", "闽纪"),
    Category.ACCOUNTABILITY: ("福建省纪委监委", "闽纪问"),
    Category.BREACH_OF_COMMITMENT: ("福建省发展和改革委员会", "闽发改信"),
}
CATEGORY_WEIGHTS = (2, 2, 5, 2, 1, 3)  # in Category order
SEVERITY_WEIGHTS = (15, 60, 25)  # minor, general, serious
WITHDRAWN = 0.02
FILING_DAYS = 1040  # decisions stay inside the longest publicity window (36 months)
FACTS = (
    "未按合同约定支付中标企业货款，拖欠金额较大，经督促仍未履行。",
    "在招商引资中作出的政策承诺未予兑现，致使企业遭受损失。",
    "拒不履行人民法院生效判决确定的给付义务。",
    "政府采购项目中违规设置排斥性条件，限制潜在供应商参与竞争。",
    "未按规定履行工程款支付义务，形成新增拖欠。",
)
BASES = ("《保障中小企业款项支付条例》第八条", "《优化营商环境条例》第三十一条",
         "《中华人民共和国政府采购法》第七十一条", "《中华人民共和国民事诉讼法》第二百六十四条")


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def source_code(name: str) -> str:
    return uscc(f"11350000MB{zlib.crc32(name.encode()) % 10**7:07d}")


@dataclass(frozen=True)
class Body:
    code: str
    name: str
    region: str


def make_bodies(count: int) -> list[Body]:
    """Government bodies of every county: departments first, then towns' governments."""
    table = fujian()
    counties = [r for r in table.all() if r.level == "county" and not r.retired]
    bodies = []
    for n in range(count):
        county = counties[n % len(counties)]
        city = table.current(county.parent or county.code).name if county.parent else ""
        k = n // len(counties)
        if k < len(DEPARTMENTS):
            unit = DEPARTMENTS[k]
        else:
            k -= len(DEPARTMENTS)
            unit = f"{PLACE[k % len(PLACE)]}{PLACE[(k // len(PLACE)) % len(PLACE)]}镇人民政府"
            if k >= len(PLACE) ** 2:
                unit = f"第{k // len(PLACE) ** 2}片区{unit}"
        bodies.append(Body(uscc(f"11{county.code}MB{n:07d}"), f"{city}{county.name}{unit}",
                           county.code))
    return bodies


class Histories:
    """Record histories in filing order, deterministic for a seed and a day.

    ``expected`` histories are spread evenly over the last ``FILING_DAYS`` days, so the log,
    and the tables the followers fill from it, are in filing order as they would be in use.
    """

    def __init__(self, bodies: list[Body], today: date, expected: int, seed: int = 7) -> None:
        self.bodies, self.today, self.expected = bodies, today, expected
        self.made = 0
        self.random = random.Random(seed)
        self.rules, self.calendar = RuleBook(), WorkingCalendar()
        self.sources = {cat: (Organisation(name=n, code=source_code(n)), prefix)
                        for cat, (n, prefix) in SOURCES.items()}
        self.numbers: dict[tuple[str, int], int] = {}

    def __iter__(self) -> Iterator[list[DomainEvent]]:
        while True:
            yield self.history()

    def history(self) -> list[DomainEvent]:
        rnd = self.random
        body = self.bodies[int(len(self.bodies) * rnd.random() ** 2)]  # a few bodies have many
        category = rnd.choices(list(Category), CATEGORY_WEIGHTS)[0]
        source, prefix = self.sources[category]
        filed_on = self.today - timedelta(
            days=max(0, FILING_DAYS - FILING_DAYS * self.made // self.expected))
        self.made += 1
        decided = filed_on - timedelta(days=rnd.randint(1, 30))
        at = datetime.combine(filed_on, clock_time(2, rnd.randint(0, 59)), tzinfo=UTC)
        year_key = (prefix, decided.year)
        self.numbers[year_key] = number = self.numbers.get(year_key, 0) + 1
        document = f"{prefix}〔{decided.year}〕{number}号"
        content = RecordContent(
            subject_type=SubjectType.BODY, subject_id=body_id(body.code), subject_code=body.code,
            subject_name=body.name, source=source, document_number=document,
            decision_date=decided, deciding_authority=source, category=category,
            domain=rnd.choice(list(Domain)), severity=rnd.choices(list(Severity),
                                                                   SEVERITY_WEIGHTS)[0],
            matter=None, facts=rnd.choice(FACTS), legal_basis=rnd.choice(BASES),
            decision_content="责令限期改正并予以通报。",
            fine_yuan=Decimal(rnd.randint(1, 500) * 1000)
            if category is Category.ADMINISTRATIVE_PENALTY else None,
            confiscation_yuan=None, region_code=body.region, scope=Scope.PUBLIC,
            responsible_persons=(),
        )
        dept = Actor(id="dept", role=Role.SOURCE_DEPARTMENT, subject=source.code)
        record = self._file(content, dept, at, record_id(source.code, document))
        self._life(record, body, dept, at)
        return record.collect_events()

    def _file(self, content: RecordContent, dept: Actor, at: datetime, rid: Any) -> (
        CreditRecord
    ):
        schedule = Schedule(rules=self.rules.in_force(business_date(at)), calendar=self.calendar)
        try:
            return CreditRecord.file(
                content=content, content_digest=str(rid), actor=dept, at=at, schedule=schedule,
                record_id=rid, request_explanation=True,
                rectification="限期整改" if self.random.random() < 0.5 else None,
                rectification_due=None, sanctions=[])
        except LedgerError:
            # A deadline in a year the calendar does not cover yet: file without deadlines.
            return CreditRecord.file(
                content=content, content_digest=str(rid), actor=dept, at=at, schedule=schedule,
                record_id=rid, request_explanation=False, rectification=None,
                rectification_due=None, sanctions=[])

    def _life(self, record: CreditRecord, body: Body, dept: Actor, at: datetime) -> None:
        later = min(at + timedelta(days=3), datetime.now(UTC))
        schedule = Schedule(rules=self.rules.in_force(business_date(later)),
                            calendar=self.calendar)
        roll = self.random.random()
        try:
            if roll < 0.04:
                official = Actor(id="official", role=Role.SUBJECT_OFFICIAL, subject=body.code)
                number = record.file_objection(official, later, schedule, "对失信事实有异议")
                record.mark_objection(Actor(id="reviewer", role=Role.PLATFORM_REVIEWER),
                                      later, schedule, number)
            elif roll < 0.05:
                record.mark_reconsideration(dept, later, ReconsiderationKind.RECONSIDERATION,
                                            f"闽政复〔{later.year}〕{record.id.int % 1000}号")
            elif roll < 0.05 + WITHDRAWN:
                record.withdraw(dept, later, "决定已被撤销")
        except LedgerError:
            pass  # the step's deadline needs a calendar year not covered yet: skip the step


def _page_entries(events: list[DomainEvent], first: int) -> list[Entry]:
    return [Entry(first + i, "", e) for i, e in enumerate(events)]


def populate(url: str, rows: int, bodies: int, today: date, *, page_events: int = 20_000,
             progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Fill ``views.public_disclosure`` until it holds ``rows`` rows; (events, rows)."""
    view = PublicDisclosure()
    expected = int(rows / (1 - WITHDRAWN)) + 1
    histories = iter(Histories(make_bodies(bodies), today, expected))
    position = held = 0
    with psycopg.connect(url) as conn:
        install(conn, view)
        while held < rows:
            events: list[DomainEvent] = []
            while len(events) < page_events and held < rows:
                history = next(histories)
                events.extend(history)
                held += _stays(history)
            entries = _page_entries(events, position + 1)
            with conn.transaction(), conn.cursor() as cursor:
                view.begin(cursor, entries)
                for entry in entries:
                    assert entry.event is not None
                    view.apply(cursor, entry.event, entry.position)
                view.flush(cursor)
                position += len(entries)
                store_position(cursor, view.name, position)
            if progress:
                progress(position, held)
        conn.execute(sql.SQL("ANALYZE {}.public_disclosure").format(
            sql.Identifier(VIEWS_SCHEMA)))
        conn.commit()
    return position, held


def _stays(history: list[DomainEvent]) -> int:
    """1 if the record ends in the table: every history is a public body's, some withdrawn."""
    return int(isinstance(history[0], RecordFiled) and not isinstance(history[-1], Withdrawn))


def cross_check(ledger: Ledger, url: str, records: int, today: date) -> tuple[int, float]:
    """Rows from the log's rebuild equal the directly applied rows; (rows, rebuild events/s)."""
    histories = Histories(make_bodies(500), today, records, seed=11)
    made = [histories.history() for _ in range(records)]
    chunk: list[DomainEvent] = []
    for history in made:
        if len(chunk) + len(history) > 150:  # docs/architecture.md: keep saves small
            ledger.save(*chunk)
            chunk = []
        chunk.extend(history)
    ledger.save(*chunk)
    started = time.perf_counter()
    rebuilt = rebuild(url, [PublicDisclosure], log_table_of(ledger), page_size=5000)
    seconds = time.perf_counter() - started
    direct = PublicDisclosure(schema="direct_check")
    events = [e for h in made for e in h]
    entries = _page_entries(events, 1)
    with psycopg.connect(url) as conn, conn.transaction(), conn.cursor() as cursor:
        direct.create_tables(cursor)
        direct.begin(cursor, entries)
        for entry in entries:
            assert entry.event is not None
            direct.apply(cursor, entry.event, entry.position)
        direct.flush(cursor)
        columns = ", ".join(n for n, _ in PublicDisclosure.tables[0].columns if n != "position")
        differ = cursor.execute(
            f"SELECT count(*) FROM ((SELECT {columns} FROM views.public_disclosure EXCEPT "
            f"SELECT {columns} FROM direct_check.public_disclosure) UNION ALL "
            f"(SELECT {columns} FROM direct_check.public_disclosure EXCEPT "
            f"SELECT {columns} FROM views.public_disclosure)) AS d").fetchone()
        count = cursor.execute("SELECT count(*) FROM views.public_disclosure").fetchone()
    if differ is None or count is None or differ[0] != 0:
        raise AssertionError(f"{differ} rows differ between the rebuild and the direct path")
    return int(count[0]), rebuilt.entries / seconds
