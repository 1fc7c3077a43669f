"""A deterministic sample of Fujian government-integrity records, for newcomers and demos.

``sample_plan()`` draws, from a fixed seed and the tables in ``ledger/data/sample``, government
bodies in all nine cities and in Pingtan (350128, which reports to the province), civil servants
with valid citizen IDs, and about 300 filings of every category, domain and severity with
decision dates from June 2023 to October 2026. ``load_sample()`` plays the plan into a ledger
through its ordinary commands on a clock it moves forward from May 2023: each record is filed
a few days after its decision, then lives its story (explanation, rectification, objection with
each outcome, review, reconsideration, repair, withdrawal, sanctions) while the system expires
publicity windows and lifts sanctions when their time comes. Whatever would happen after
``SAMPLE_END`` does not happen, so the newest records still have open deadlines. How each
story unfolds is in ``ledger.sample.life``.

Nothing here reads the network or the wall clock: the same seed gives the same record ids.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from uuid import UUID

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import Clock
from ledger.identifiers import citizen_id_check_char, record_id, uscc_check_char
from ledger.regions import fujian
from ledger.sample.clock import SAMPLE_END, working_on_or_after
from ledger.values import Category, Domain, Severity

SEED = 20170401
FIRST_DECISION, LAST_DECISION = date(2023, 6, 1), date(2026, 10, 31)
RECORDS = 300
LedgerFactory = Callable[[Clock], Ledger]

# How many records live each story, and the latest decision date that leaves it time to end.
STORIES: dict[str, tuple[int, date]] = {
    "overdue": (6, date(2026, 9, 30)),
    "objection_corrected": (3, date(2026, 2, 28)),
    "objection_supplemented": (3, date(2026, 2, 28)),
    "objection_deleted": (3, date(2026, 2, 28)),
    "objection_publicity_stopped": (3, date(2026, 2, 28)),
    "objection_upheld": (3, date(2026, 2, 28)),
    "objection_unverifiable": (3, date(2026, 2, 28)),
    "objection_rejected": (3, date(2026, 2, 28)),
    "objection_extended": (2, date(2026, 2, 28)),
    "review_upheld": (2, date(2026, 2, 28)),
    "review_overturned": (2, date(2026, 2, 28)),
    "repair_approved": (8, date(2025, 12, 31)),
    "repair_refused": (3, date(2025, 12, 31)),
    "withdrawn": (5, date(2026, 2, 28)),
    "reconsideration_upheld": (3, date(2026, 2, 28)),
    "litigation_revoked": (3, date(2026, 2, 28)),
    "sanctioned": (5, date(2026, 2, 28)),
    "mitigated": (4, date(2026, 2, 28)),
}


@dataclass(frozen=True)
class SampleBody:
    command: c.RegisterBody
    tag: str
    city: str
    escalate_to: str


@dataclass(frozen=True)
class SampleRecord:
    command: c.FileRecord
    filed_on: date
    story: str
    escalate_to: str

    @property
    def record_id(self) -> UUID:
        return record_id(self.command.source.code, self.command.document_number)


@dataclass(frozen=True)
class SamplePlan:
    bodies: tuple[SampleBody, ...]
    people: tuple[c.RegisterCivilServant, ...]
    records: tuple[SampleRecord, ...]

    def examples(self) -> dict[str, UUID]:
        """One record for each story, to look at with ``credit-ledger timeline``."""
        found: dict[str, UUID] = {}
        for item in self.records:
            found.setdefault(item.story, item.record_id)
        return dict(sorted(found.items(), key=lambda pair: (pair[0] != "routine", pair[0])))


@cache
def _data() -> dict[str, Any]:
    text = resources.files("ledger").joinpath("data/sample/fujian.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# -- the plan -----------------------------------------------------------------------------------


class _Planner:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.data = _data()
        self.codes: set[str] = set()
        self.numbers: dict[tuple[str, int], int] = {}
        self.sources: dict[tuple[str, str], str] = {}
        self.cities: dict[str, Any] = {city["code"]: city for city in self.data["cities"]}

    def organ_code(self, region: str) -> str:
        """A valid credit code of a state organ: '11', region, GB 11714 organisation code."""
        while True:
            org = "00" + "".join(self.rnd.choice("0123456789") for _ in range(6))
            total = sum(int(d) * w for d, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
            check = 11 - total % 11
            first17 = "11" + region + org + ("X" if check == 10 else str(check % 11))
            code = first17 + uscc_check_char(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def bodies(self) -> list[SampleBody]:
        d, found = self.data, list[SampleBody]()

        def add(name: str, region: str, tag: str, city: str, parent: str | None = None) -> str:
            code = self.organ_code(region)
            found.append(SampleBody(c.RegisterBody(credit_code=code, name=name, region_code=region,
                                                   parent_code=parent), tag, city,
                                    parent or fujian().reporting_chain(region)[1]))
            return code

        pt = d["pingtan"]
        committee = add(pt["committee"], pt["code"], "government", pt["code"])
        for name, tag in pt["bureaus"].items():
            add(name, pt["code"], tag, pt["code"], committee)
        add(pt["township"], pt["code"], "township", pt["code"], committee)
        for city in d["cities"]:
            bureaus = {b: add(city["name"] + b, city["code"], tag, city["code"])
                       for b, tag in d["city_bureaus"].items()}
            county = city["county"]
            government = add(county["name"] + "人民政府", county["code"], "government",
                             city["code"])
            tag = d["city_bureaus"][d["county_bureau_parent"][county["bureau"]]]
            add(county["name"] + county["bureau"], county["code"], tag, city["code"],
                bureaus[d["county_bureau_parent"][county["bureau"]]])
            add(county["name"] + county["township"], county["code"], "township", city["code"],
                government)
        return found

    def person(self, body: SampleBody) -> c.RegisterCivilServant:
        rnd, d = self.rnd, self.data
        region = body.command.region_code
        if fujian().get(region).level == "city":
            region = rnd.choice(sorted(r.code for r in fujian().children(region)))
        first17 = region
        while first17 == region or first17 in self.codes:
            born = date(1965, 1, 1) + timedelta(days=rnd.randrange(365 * 31))
            first17 = f"{region}{born:%Y%m%d}{rnd.randrange(1, 1000):03d}"
        self.codes.add(first17)
        name = rnd.choice(d["surnames"]) + "".join(
            rnd.choice(d["given"]) for _ in range(rnd.choice((1, 2, 2))))
        return c.RegisterCivilServant(
            citizen_id=first17 + citizen_id_check_char(first17), name=name,
            body_code=body.command.credit_code, position=rnd.choice(d["positions"][body.tag]))

    def source(self, category: Category, domain: Domain, city: dict[str, Any]) -> (
        tuple[str, str, str]
    ):
        """(name, code key, document-number pattern) of the department that files."""
        province, local = self.data["province_sources"], self.data["city_sources"]
        court = f"（{{year}}）闽{city['court']}"
        if category is Category.DISHONEST_JUDGMENT_DEBTOR:
            return city["name"] + local["court"], city["code"], court + "执{n}号"
        if category is Category.COURT_JUDGMENT:
            if self.rnd.random() < 0.2:
                return province["court"]["name"], "350000", "（{year}）闽民终{n}号"
            return city["name"] + local["court"], city["code"], court + "民初{n}号"
        if category in (Category.DISCIPLINARY_SANCTION, Category.ACCOUNTABILITY):
            if self.rnd.random() < 0.3:
                return province["discipline"]["name"], "350000", "闽纪〔{year}〕{n}号"
            return (city["name"] + local["discipline"], city["code"],
                    city["short"] + "纪〔{year}〕{n}号")
        key = provincial_department(category, domain)
        if key is None:
            return (city["name"] + local["market"], city["code"],
                    city["short"] + "市监处罚〔{year}〕{n}号")
        return province[key]["name"], "350000", province[key]["prefix"] + "〔{year}〕{n}号"

    def record(self, i: int, bodies: list[SampleBody],
               people: list[tuple[SampleBody, c.RegisterCivilServant]]) -> SampleRecord:
        """The i-th filing; the first few cover every category and domain between them."""
        rnd, d = self.rnd, self.data
        if i < len(d["first_records"]):
            category, domain = Category(d["first_records"][i][0]), Domain(d["first_records"][i][1])
        else:
            category = rnd.choices(list(Category), weights=(8, 30, 14, 14, 10, 24))[0]
            domain = Domain(rnd.choice(d["category_domains"][category]))
        severity = list(Severity)[i] if i < len(Severity) else rnd.choices(
            list(Severity), weights=(3, 5, 2))[0]
        body, person = self.subject(category, domain, bodies, people)
        decided = FIRST_DECISION + timedelta(
            days=rnd.randrange((LAST_DECISION - FIRST_DECISION).days + 1))
        # Pingtan's filings come from Fuzhou's court and departments.
        city = self.cities.get(body.city, self.cities["350100"])
        name, where, pattern = self.source(category, domain, city)
        if (name, where) not in self.sources:
            self.sources[name, where] = self.organ_code(where)
        code = self.sources[name, where]
        fields = _filing_fields(rnd, category, domain, severity, body, person)
        fields.update(source={"name": name, "code": code}, decision_date=decided,
                      deciding_authority={"name": name, "code": code},
                      document_number=self.document_number(code, pattern, decided.year))
        filed = min(working_on_or_after(decided + timedelta(days=rnd.randrange(3, 25))),
                    SAMPLE_END)
        escalate_to = body.command.credit_code if person else body.escalate_to
        return SampleRecord(c.FileRecord.model_validate(fields), filed, "routine", escalate_to)

    def subject(self, category: Category, domain: Domain, bodies: list[SampleBody],
                people: list[tuple[SampleBody, c.RegisterCivilServant]]) -> (
        tuple[SampleBody, c.RegisterCivilServant | None]
    ):
        """A civil servant for sanctions of persons, else a body suited to the domain."""
        tags = self.data["domain_subjects"].get(domain)
        personal = category is Category.DISCIPLINARY_SANCTION or (
            category is Category.ACCOUNTABILITY and self.rnd.random() < 0.5)
        if personal:
            return self.rnd.choice([p for p in people if not tags or p[0].tag in tags] or people)
        return self.rnd.choice([b for b in bodies if not tags or b.tag in tags]), None

    def document_number(self, source_code: str, pattern: str, year: int) -> str:
        n = self.numbers.get((source_code, year), self.rnd.randrange(1, 40))
        self.numbers[(source_code, year)] = n + self.rnd.randrange(1, 9)
        return pattern.format(year=year, n=n)


@cache
def provincial_department(category: Category, domain: Domain) -> str | None:
    """Which provincial department files a penalty or a commitment's breach (``development``,
    ``finance``, ``housing``), or ``None`` for the city's market regulator; courts and
    discipline bodies are chosen before this is asked."""
    if category is Category.BREACH_OF_COMMITMENT:
        return "development" if domain is Domain.INVESTMENT_PROMOTION else "finance"
    if domain is Domain.GOVERNMENT_PROCUREMENT:
        return "finance"
    if domain is Domain.BIDDING:
        return "housing"
    return None


def sample_plan(seed: int = SEED) -> SamplePlan:
    """The bodies, civil servants and filings of the sample; the same seed, the same plan."""
    planner = _Planner(seed)
    bodies = planner.bodies()
    hosts = planner.rnd.sample(bodies, 30)
    people = [(body, planner.person(body)) for body in hosts + planner.rnd.sample(hosts, 10)]
    records = _within_person_caps([planner.record(i, bodies, people) for i in range(RECORDS)])
    return SamplePlan(tuple(bodies), tuple(person for _, person in people),
                      tuple(_assign_stories(planner.rnd, records)))


SANCTION_CAP_MONTHS = 48
"""政务处分法 8: a person's sanction periods together stay within 48 months."""


def _within_person_caps(records: list[SampleRecord]) -> list[SampleRecord]:
    """Filings whose sanctions would take a person past the cap carry none (counted as if no
    earlier sanction had ended, so the cap holds whenever each is imposed)."""
    held: dict[str, int] = {}
    kept = []
    for record in records:
        cmd, person = record.command, record.command.subject_citizen_id
        months = sum(order.months for order in cmd.sanctions)
        if person is not None and months:
            if held.get(person, 0) + months > SANCTION_CAP_MONTHS:
                record = replace(record, command=cmd.model_copy(update={"sanctions": ()}))
            else:
                held[person] = held.get(person, 0) + months
        kept.append(record)
    return kept


def _filing_fields(rnd: random.Random, category: Category, domain: Domain, severity: Severity,
                   body: SampleBody, person: c.RegisterCivilServant | None) -> dict[str, Any]:
    d = _data()
    values = {"project": rnd.choice(d["projects"]), "amount": rnd.randrange(30, 3000),
              "n": rnd.randrange(2, 12)}
    facts = rnd.choice(d["person_facts" if person else "body_facts"][domain]).format(**values)
    basis = d["legal_basis"][category]
    if isinstance(basis, dict):
        basis = basis.get(domain, basis["default"])
    decision = d["decisions"][category]
    decision = (decision[list(Severity).index(severity)] if isinstance(decision, list)
                else decision.format(**values))
    fields: dict[str, Any] = {
        "subject_type": "civil_servant" if person else "body", "category": category,
        "domain": domain, "severity": severity, "facts": facts, "legal_basis": basis,
        "decision_content": decision, "region_code": body.command.region_code,
        "scope": "shared" if person or rnd.random() < 0.15 else "public",
        "request_explanation": category not in (Category.COURT_JUDGMENT,
                                                Category.DISHONEST_JUDGMENT_DEBTOR),
    }
    if person:
        fields["subject_citizen_id"] = person.citizen_id
        months = {"minor": 6, "general": 12, "serious": 24}[severity]
        fields["sanctions"] = [{"kind": "promotion_restriction", "months": months}]
    else:
        fields["subject_code"] = body.command.credit_code
    if category is Category.ADMINISTRATIVE_PENALTY and rnd.random() < 0.6:
        fields["fine_yuan"] = Decimal(rnd.choice((5, 10, 20, 30, 50, 100, 200)) * 1000)
        fields["decision_content"] = decision.rstrip("。") + f"，并处罚款{fields['fine_yuan']}元。"
    if category in (Category.ADMINISTRATIVE_PENALTY, Category.BREACH_OF_COMMITMENT,
                    Category.ACCOUNTABILITY) and rnd.random() < 0.35:
        fields["rectification"] = {"requirement": rnd.choice(d["rectification"])}
    return fields


def _assign_stories(rnd: random.Random, records: list[SampleRecord]) -> list[SampleRecord]:
    assigned = list(records)
    free = list(range(len(records)))
    for story, (count, latest) in STORIES.items():
        fits = [i for i in free if records[i].command.decision_date <= latest
                and _story_fits(story, records[i].command)]
        for i in rnd.sample(fits, count):
            free.remove(i)
            assigned[i] = SampleRecord(records[i].command, records[i].filed_on, story,
                                       records[i].escalate_to)
    return assigned


def _story_fits(story: str, cmd: c.FileRecord) -> bool:
    if story == "overdue":
        # Rectification would run past its own due date while the explanation is chased.
        return cmd.request_explanation and cmd.rectification is None
    if story.startswith(("reconsideration", "litigation")):
        # Reconsideration and lawsuits are against administrative decisions.
        return cmd.category is Category.ADMINISTRATIVE_PENALTY
    return True
