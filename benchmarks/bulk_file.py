"""A deterministic Fujian import file of any length, written row by row.

The world: government bodies in every city and county of Fujian (a people's government, the
finance, natural-resources, housing and ecology bureaus, then street offices), civil servants
of some of them, and the departments that file (the provincial discipline commission, finance,
housing and development departments, each city's intermediate court, discipline commission and
market regulator). The rows: filings of every category, domain and severity drawn from the texts
of the sample data set, sanctions of civil servants with their promotion restriction, a share
with rectification or with a responsible person named, decision dates from June 2023 on. The
same seed gives the same file, byte for byte; nothing is held in memory but the world.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ledger import commands as c
from ledger.identifiers import citizen_id_check_char, uscc_check_char
from ledger.regions import fujian
from ledger.sample.plan import provincial_department
from ledger.values import Category, Domain, Severity

SEED = 20260506
FIRST_DECISION, LAST_DECISION = date(2023, 6, 1), date(2026, 4, 30)
BODY_KINDS = [("人民政府", "government"), ("财政局", "finance"),
              ("自然资源局", "natural_resources"), ("住房和城乡建设局", "housing"),
              ("生态环境局", "ecology")]
CATEGORY_WEIGHTS = (8, 30, 14, 14, 10, 24)


SANCTION_CAP_MONTHS = 48  # sanctions in force on one civil servant (ledger.rules)


@dataclass(frozen=True)
class Body:
    command: c.RegisterBody
    tag: str


@dataclass(frozen=True)
class Person:
    command: c.RegisterCivilServant
    body: Body


@dataclass(frozen=True)
class Source:
    name: str
    code: str
    prefix: str


@dataclass(frozen=True)
class World:
    bodies: list[Body]
    people: list[Person]
    sources: dict[str, Source]


@cache
def _texts() -> dict[str, Any]:
    text = resources.files("ledger").joinpath("data/sample/fujian.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _code(kind: str, region: str, n: int) -> str:
    first17 = f"11{region}{kind}{n:07d}"
    return first17 + uscc_check_char(first17)


def build_world(bodies: int, people: int, seed: int = SEED) -> World:
    """``bodies`` government bodies across Fujian's regions, ``people`` civil servants of them."""
    rnd = random.Random(seed)
    regions = [r for r in fujian().all(LAST_DECISION) if r.level != "province"]
    found: list[Body] = []
    for n in range(bodies):
        region = regions[n % len(regions)]
        round_ = n // len(regions)
        if round_ < len(BODY_KINDS):
            suffix, tag = BODY_KINDS[round_]
        else:
            suffix, tag = f"第{round_ - len(BODY_KINDS) + 1}街道办事处", "township"
        found.append(Body(c.RegisterBody(credit_code=_code("MB", region.code, n),
                                         name=region.name + suffix, region_code=region.code),
                          tag))
    texts = _texts()
    persons: list[Person] = []
    seen: set[str] = set()
    while len(persons) < people:
        body = found[rnd.randrange(len(found))]
        born = date(1965, 1, 1) + timedelta(days=rnd.randrange(365 * 31))
        first17 = f"{body.command.region_code}{born:%Y%m%d}{rnd.randrange(1, 1000):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        name = rnd.choice(texts["surnames"]) + "".join(
            rnd.choice(texts["given"]) for _ in range(rnd.choice((1, 2, 2))))
        persons.append(Person(c.RegisterCivilServant(
            citizen_id=first17 + citizen_id_check_char(first17), name=name,
            body_code=body.command.credit_code,
            position=rnd.choice(texts["positions"][body.tag])), body))
    return World(found, persons, _sources())


def _sources() -> dict[str, Source]:
    texts = _texts()
    province = texts["province_sources"]
    sources = {key: Source(value["name"], _code("MA", "350000", n), value["prefix"] + "〔{year}〕")
               for n, (key, value) in enumerate(province.items())}
    for n, city in enumerate(texts["cities"], start=len(sources)):
        local = texts["city_sources"]
        sources[f"court:{city['code']}"] = Source(
            city["name"] + local["court"], _code("MA", city["code"], n),
            f"（{{year}}）闽{city['court']}执")
        sources[f"discipline:{city['code']}"] = Source(
            city["name"] + local["discipline"], _code("MC", city["code"], n),
            city["short"] + "纪〔{year}〕")
        sources[f"market:{city['code']}"] = Source(
            city["name"] + local["market"], _code("MD", city["code"], n),
            city["short"] + "市监处罚〔{year}〕")
    return sources


class Filings:
    """The rows of the file, one JSON object per filing, drawn in order from one seed."""

    def __init__(self, world: World, seed: int = SEED) -> None:
        self.world = world
        self.rnd = random.Random(seed + 1)
        self.texts = _texts()
        self.sanctioned: dict[str, int] = {}  # months imposed on each person so far
        self.numbers: dict[tuple[str, int], int] = {}
        self.by_tag: dict[str, list[Body]] = {}
        for body in world.bodies:
            self.by_tag.setdefault(body.tag, []).append(body)
        self.staff: dict[str, list[Person]] = {}
        for person in world.people:
            self.staff.setdefault(person.body.command.credit_code, []).append(person)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            yield self.row()

    def row(self) -> dict[str, Any]:
        rnd, texts = self.rnd, self.texts
        category = rnd.choices(list(Category), weights=CATEGORY_WEIGHTS)[0]
        domain = Domain(rnd.choice(texts["category_domains"][category]))
        severity = rnd.choices(list(Severity), weights=(3, 5, 2))[0]
        personal = bool(self.world.people) and (category is Category.DISCIPLINARY_SANCTION or (
            category is Category.ACCOUNTABILITY and rnd.random() < 0.5))
        person = rnd.choice(self.world.people) if personal else None
        body = person.body if person else self._body(domain)
        decided = FIRST_DECISION + timedelta(
            days=rnd.randrange((LAST_DECISION - FIRST_DECISION).days + 1))
        source = self._source(category, domain, body)
        fields = self._texts_of(category, domain, severity, person is not None)
        fields.update({
            "source": {"name": source.name, "code": source.code},
            "document_number": self._number(source, decided.year),
            "decision_date": decided.isoformat(),
            "deciding_authority": {"name": source.name, "code": source.code},
            "subject_type": "civil_servant" if person else "body",
            "category": category.value, "domain": domain.value, "severity": severity.value,
            "region_code": body.command.region_code,
            "scope": "shared" if person or rnd.random() < 0.15 else "public",
            "request_explanation": category not in (Category.COURT_JUDGMENT,
                                                    Category.DISHONEST_JUDGMENT_DEBTOR),
        })
        if person:
            fields["subject_citizen_id"] = person.command.citizen_id
            months = {"minor": 6, "general": 12, "serious": 24}[severity.value]
            so_far = self.sanctioned.get(person.command.citizen_id, 0)
            if so_far + months <= SANCTION_CAP_MONTHS:  # past the cap the row would be refused
                self.sanctioned[person.command.citizen_id] = so_far + months
                fields["sanctions"] = [{"kind": "promotion_restriction", "months": months}]
        else:
            fields["subject_code"] = body.command.credit_code
            staff = self.staff.get(body.command.credit_code)
            if staff and category is Category.ACCOUNTABILITY:
                fields["responsible_citizen_ids"] = [rnd.choice(staff).command.citizen_id]
        return fields

    def _body(self, domain: Domain) -> Body:
        tags = self.texts["domain_subjects"].get(domain.value)
        tag = self.rnd.choice(tags) if tags else None
        return self.rnd.choice(self.by_tag.get(tag or "", []) or self.world.bodies)

    def _source(self, category: Category, domain: Domain, body: Body) -> Source:
        region = fujian().get(body.command.region_code)
        city = region.code if region.level == "city" else region.parent or "350100"
        city = city if f"court:{city}" in self.world.sources else "350100"
        sources = self.world.sources
        if category in (Category.COURT_JUDGMENT, Category.DISHONEST_JUDGMENT_DEBTOR):
            return sources[f"court:{city}"]
        if category in (Category.DISCIPLINARY_SANCTION, Category.ACCOUNTABILITY):
            return sources["discipline" if self.rnd.random() < 0.3 else f"discipline:{city}"]
        return sources[provincial_department(category, domain) or f"market:{city}"]

    def _number(self, source: Source, year: int) -> str:
        n = self.numbers.get((source.code, year), 1)
        self.numbers[(source.code, year)] = n + 1
        return source.prefix.format(year=year) + f"{n}号"

    def _texts_of(self, category: Category, domain: Domain, severity: Severity,
                  personal: bool) -> dict[str, Any]:
        rnd, texts = self.rnd, self.texts
        values = {"project": rnd.choice(texts["projects"]), "amount": rnd.randrange(30, 3000),
                  "n": rnd.randrange(2, 12)}
        facts = rnd.choice(texts["person_facts" if personal else "body_facts"][domain.value])
        basis = texts["legal_basis"][category.value]
        if isinstance(basis, dict):
            basis = basis.get(domain.value, basis["default"])
        decision = texts["decisions"][category.value]
        decision = (decision[list(Severity).index(severity)] if isinstance(decision, list)
                    else decision.format(**values))
        fields: dict[str, Any] = {"facts": facts.format(**values), "legal_basis": basis,
                                  "decision_content": decision}
        if category is Category.ADMINISTRATIVE_PENALTY and rnd.random() < 0.6:
            fine = rnd.choice((5, 10, 20, 30, 50, 100, 200)) * 1000
            fields["fine_yuan"] = f"{fine}.00"
            fields["decision_content"] = decision.rstrip("。") + f"，并处罚款{fine}元。"
        if category in (Category.ADMINISTRATIVE_PENALTY, Category.BREACH_OF_COMMITMENT,
                        Category.ACCOUNTABILITY) and rnd.random() < 0.35:
            fields["rectification"] = {"requirement": rnd.choice(texts["rectification"])}
        return fields


def write_jsonl(path: Path, world: World, rows: int, seed: int = SEED) -> int:
    """Write ``rows`` filings to ``path``, one per line; return the file's size in bytes."""
    filings = iter(Filings(world, seed))
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(rows):
            handle.write(json.dumps(next(filings), ensure_ascii=False) + "\n")
    return path.stat().st_size
