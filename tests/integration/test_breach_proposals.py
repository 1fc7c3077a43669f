"""A department proposes a commitment's breach and its record; a platform reviewer confirms it
(the record is filed in the department's name, commitment and record naming each other) or
declines it with reasons — on the in-memory and PostgreSQL ledgers."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.commitment_events import BreachProposalDeclined, BreachProposed, CommitmentState
from ledger.errors import LifecycleError, PermissionDeniedError, ValidationError
from ledger.values import Category
from tests.support.registers import commitment, short_filing
from tests.support.world import ADMIN, DEPT, REVIEWER, SOURCE_CODE


def proposed(world: Ledger) -> rc.ProposeBreach:
    made = world.make_commitment(commitment(), DEPT).id
    cmd = rc.ProposeBreach(commitment_id=made, finding="逾期未付款，经核实属实",
                           filing=short_filing(1))
    world.execute(cmd, DEPT)
    return cmd


def test_a_reviewer_confirms_a_proposed_breach_and_the_record_is_filed_in_the_departments_name(
    world: Ledger,
) -> None:
    cmd = proposed(world)
    waiting = world.commitment(cmd.commitment_id)
    assert waiting.state is CommitmentState.OPEN and waiting.pending_proposal() is not None
    assert isinstance(list(world.repository.event_store.get(cmd.commitment_id))[-1], BreachProposed)

    rid = world.execute(rc.ConfirmBreach(commitment_id=cmd.commitment_id), REVIEWER)

    breached = world.commitment(cmd.commitment_id)
    assert (breached.state, breached.record_id) == (CommitmentState.BREACHED, rid)
    record = world.record(rid)
    assert record.content.category is Category.BREACH_OF_COMMITMENT
    assert record.content.source.code == SOURCE_CODE
    assert "逾期未付款" in record.content.facts
    with pytest.raises(LifecycleError):
        world.execute(rc.ConfirmBreach(commitment_id=cmd.commitment_id), REVIEWER)


def test_a_reviewer_declines_a_proposed_breach_with_reasons_and_the_commitment_goes_on(
    world: Ledger,
) -> None:
    cmd = proposed(world)
    world.execute(rc.DeclineBreach(commitment_id=cmd.commitment_id,
                                   reasons="付款延迟系不可抗力，不构成失信"), REVIEWER)
    kept = world.commitment(cmd.commitment_id)
    assert (kept.state, kept.pending_proposal(), kept.record_id) == (
        CommitmentState.OPEN, None, None)
    events = list(world.repository.event_store.get(cmd.commitment_id))
    assert isinstance(events[-1], BreachProposalDeclined)
    with pytest.raises(LifecycleError, match="no breach is proposed"):
        world.execute(rc.ConfirmBreach(commitment_id=cmd.commitment_id), REVIEWER)
    world.execute(cmd, DEPT)  # proposed again, on new findings
    assert world.commitment(cmd.commitment_id).pending_proposal() is not None


def test_the_department_cannot_confirm_its_own_proposal_nor_an_administrator_either(
    world: Ledger,
) -> None:
    cmd = proposed(world)
    for who in (DEPT, ADMIN):
        with pytest.raises(PermissionDeniedError):
            world.execute(rc.ConfirmBreach(commitment_id=cmd.commitment_id), who)
        with pytest.raises(PermissionDeniedError):
            world.execute(rc.DeclineBreach(commitment_id=cmd.commitment_id, reasons="否"), who)
    with pytest.raises(LifecycleError, match="already proposed"):
        world.execute(cmd, DEPT)
    assert world.commitment(cmd.commitment_id).state is CommitmentState.OPEN


def test_a_proposal_whose_record_could_not_be_filed_is_refused_naming_the_field(
    world: Ledger,
) -> None:
    made = world.make_commitment(commitment(), DEPT).id
    with pytest.raises(ValidationError) as refused:
        world.execute(rc.ProposeBreach(commitment_id=made, finding="逾期",
                                       filing=short_filing(1, decision_date=date(2026, 6, 1))),
                      DEPT)
    assert refused.value.field == "decision_date"
    assert world.commitment(made).pending_proposal() is None
