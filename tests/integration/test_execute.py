"""Every command through ``Ledger.execute``: the registered step is taken, or refused by
``ledger.access`` with nothing saved. Run on the in-memory store and on real PostgreSQL."""

from __future__ import annotations

import pytest

from ledger import commands as c
from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.errors import PermissionDeniedError
from ledger.events import Actor, Role
from ledger.record_events import ExplanationSubmitted
from tests.support.registers import commitment
from tests.support.world import (
    ADMIN,
    BODY_CODE,
    DEPT,
    REVIEWER,
    SOURCE_CODE,
    filing,
    official,
    uscc,
)

OTHER_DEPT = Actor(id="dept-fj-finance", role=Role.SOURCE_DEPARTMENT,
                   subject=uscc("11350000MB05678"))


def _events(ledger: Ledger) -> int:
    return len(list(ledger.notifications(1, 10_000)))


def test_an_official_explains_their_record_through_execute_as_through_the_named_step(
    world: Ledger,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id

    world.execute(c.SubmitExplanation(record_id=rid, text="情况说明"), official())

    explained = world.timeline(rid)[-1]
    assert isinstance(explained, ExplanationSubmitted) and explained.text == "情况说明"


def test_execute_answers_the_number_of_the_objection_it_opens(world: Ledger) -> None:
    rid = world.file_record(filing(), DEPT).record_id

    first = world.execute(c.FileObjection(record_id=rid, grounds="金额有误"), official())
    world.execute(c.MarkObjection(record_id=rid, number=first), REVIEWER)

    assert first == 1 and world.record(rid).under_objection


@pytest.mark.parametrize("who", [
    official(uscc("11350100MB00002")), OTHER_DEPT, ADMIN, REVIEWER])
def test_a_withdrawal_by_anyone_but_the_filing_department_is_refused_and_nothing_is_saved(
    world: Ledger, who: Actor,
) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    before = _events(world)

    with pytest.raises(PermissionDeniedError):
        world.execute(c.WithdrawRecord(record_id=rid, reasons="撤销"), who)

    assert _events(world) == before and world.record(rid).is_active


def test_an_administrator_registers_a_body_through_execute_but_files_nothing(
    world: Ledger,
) -> None:
    body = c.RegisterBody(credit_code=uscc("11350103MB00003"), name="台江区财政局",
                          region_code="350103")

    world.execute(body, ADMIN)

    assert world.body(body.credit_code).name == "台江区财政局"
    with pytest.raises(PermissionDeniedError):
        world.execute(filing(2), ADMIN)


def test_a_commitment_is_fulfilled_only_by_the_department_responsible_for_it(
    world: Ledger,
) -> None:
    made = world.execute(commitment(), DEPT)
    before = _events(world)

    with pytest.raises(PermissionDeniedError, match="responsible"):
        world.execute(rc.FulfilCommitment(commitment_id=made.id, evidence="付款凭证"),
                      OTHER_DEPT)
    assert _events(world) == before

    world.execute(rc.FulfilCommitment(commitment_id=made.id, evidence="付款凭证"), DEPT)
    assert world.commitment(made.id).state == "fulfilled"
    assert world.commitment(made.id).department.code == SOURCE_CODE
    assert world.commitment(made.id).maker.code == BODY_CODE
