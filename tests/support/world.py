"""The province the tests live in: a clock moved by hand, valid codes, the usual actors, the
county body with its city body and civil servant, and a typical filing against it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from ledger import commands as c
from ledger.application import Ledger
from ledger.events import Actor, Role
from ledger.identifiers import citizen_id_check_char, uscc_check_char
from ledger.personal import MemoryKeyStore, Vault
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import eventsourcing_env


class FakeClock:
    """A clock the test moves by hand; starts on a Wednesday morning in Fuzhou."""

    def __init__(self, start: datetime = datetime(2026, 5, 6, 1, 30, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)

    def set_date(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)


def uscc(first16: str) -> str:
    """A valid unified social credit code from 16 characters (organ code '11', padded)."""
    body = (first16 + "0" * 17)[:17]
    return body + uscc_check_char(body)


def citizen_id(first17: str) -> str:
    return first17 + citizen_id_check_char(first17)


ADMIN = Actor(id="admin-1", role=Role.ADMINISTRATOR)
SOURCE_CODE = uscc("11350000MB01234")
DEPT = Actor(id="dept-fj-discipline", role=Role.SOURCE_DEPARTMENT, subject=SOURCE_CODE)
SOURCE = {"name": "福建省纪委监委", "code": SOURCE_CODE}
"""The department's own authority: the source of its filings, and where objections go."""
REVIEWER = Actor(id="reviewer-1", role=Role.PLATFORM_REVIEWER)
SYSTEM = Actor(id="system", role=Role.SYSTEM)
AUDITOR = Actor(id="auditor-1", role=Role.AUDITOR)
BODY_CODE = uscc("11350102MB00001")
PARENT_CODE = uscc("11350100MB00002")
PERSON_ID = citizen_id("35010219800101123")


def official(code: str = BODY_CODE) -> Actor:
    return Actor(id=f"official-{code[-4:]}", role=Role.SUBJECT_OFFICIAL, subject=code)


def memory_ledger(clock: FakeClock) -> Ledger:
    return Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock,
                  vault=Vault(b"k" * 32, MemoryKeyStore()))


def postgres_ledger(url: str, clock: FakeClock) -> Ledger:
    return Ledger(eventsourcing_env(url), clock=clock, vault=Vault(b"k" * 32,
                                                                    PostgresKeyStore(url)))


def register_world(app: Ledger) -> None:
    """A county body under a city body, and one civil servant of the county body."""
    app.register_body(c.RegisterBody(credit_code=PARENT_CODE, name="福州市自然资源和规划局",
                                     region_code="350100"), ADMIN)
    app.register_body(c.RegisterBody(credit_code=BODY_CODE, name="福州市鼓楼区自然资源局",
                                     region_code="350102", parent_code=PARENT_CODE), ADMIN)
    app.register_civil_servant(c.RegisterCivilServant(
        citizen_id=PERSON_ID, name="林晓明", body_code=BODY_CODE, position="科长"), ADMIN)


def filing(number: int = 1, **overrides: Any) -> c.FileRecord:
    """A typical administrative-penalty filing against the county body."""
    fields: dict[str, Any] = {
        "source": SOURCE,
        "document_number": f"闽纪〔2026〕{number}号",
        "decision_date": date(2026, 4, 20),
        "deciding_authority": SOURCE,
        "subject_type": "body",
        "subject_code": BODY_CODE,
        "category": "administrative_penalty",
        "domain": "government_procurement",
        "severity": "general",
        "facts": "未按合同约定支付中标企业货款。",
        "legal_basis": "《保障中小企业款项支付条例》第八条",
        "decision_content": "责令限期支付并予以通报。",
        "fine_yuan": "50000.00",
        "region_code": "350102",
        "scope": "public",
    }
    fields.update(overrides)
    return c.FileRecord.model_validate(fields)


def forwarded_objection(app: Ledger, rid: UUID, grounds: str) -> int:
    """The county body objects to record ``rid``; the platform marks and accepts the objection
    and forwards it to the department. Its number is returned."""
    n = app.file_objection(c.FileObjection(record_id=rid, grounds=grounds), official())
    app.mark_objection(c.MarkObjection(record_id=rid, number=n), REVIEWER)
    app.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)
    app.forward_objection(c.ForwardObjection(record_id=rid, number=n, to=SOURCE), REVIEWER)
    return n


def memory_world(clock: FakeClock) -> Ledger:
    """An in-memory ledger with the county body, its city body and civil servant registered."""
    app = memory_ledger(clock)
    register_world(app)
    return app


def postgres_world(url: str, clock: FakeClock) -> Ledger:
    """A ledger on the database at ``url`` with the county body, its city body and civil
    servant registered."""
    app = postgres_ledger(url, clock)
    register_world(app)
    return app
