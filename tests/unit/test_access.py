"""The access table and the step registry: every command has roles and a way to be carried out,
and a reader sees a record exactly when it is theirs to see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import access, lifecycle
from ledger import commands as c
from ledger import register_commands as rc
from ledger import warning_commands as wc
from ledger.application import Ledger
from ledger.events import Actor, Role
from ledger.record import CreditRecord

ADMINISTRATIVE = {c.RegisterBody, c.RegisterCivilServant, c.PublishCalendarYear,
                  c.PublishRuleSet, c.PublishFormula}


def _commands() -> set[type[c.Command]]:
    """Every command a person gives: the concrete commands of both command modules."""
    found: set[type[c.Command]] = set()
    for module in (c, rc, wc):
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, c.Command)
                    and value.__module__ == module.__name__ and value.__subclasses__() == []
                    and value not in (c.Authority, c.Rectification, c.RecordChanges,
                                      rc.ShortFiling)):
                found.add(value)
    return found


def test_every_command_a_person_gives_has_roles_and_the_ledger_carries_it_out() -> None:
    commands = _commands()

    assert commands - set(access.ACTS) == set()
    assert set(access.ACTS) - set(lifecycle.BY_COMMAND) - set(lifecycle.HANDLED) == set()
    assert all(callable(getattr(Ledger, name)) for name in lifecycle.HANDLED.values())


def test_an_administrator_gives_only_administrative_commands_and_no_step() -> None:
    theirs = {command for command, roles in access.ACTS.items() if Role.ADMINISTRATOR in roles}

    assert theirs == ADMINISTRATIVE
    assert not any(Role.ADMINISTRATOR in step.roles for step in lifecycle.STEPS)


def test_a_step_whose_method_needs_what_its_command_does_not_carry_is_refused() -> None:
    class Stamp(c.RecordStep):
        colour: str

    def stamp(self: CreditRecord, actor: Actor, at: Any, ink: str) -> None:
        raise AssertionError("never called")

    access.ACTS[Stamp] = frozenset({Role.SOURCE_DEPARTMENT})
    try:
        with pytest.raises(TypeError, match="needs 'ink'"):
            lifecycle.check((lifecycle.Step(Stamp, stamp, "stamp"),))
    finally:
        del access.ACTS[Stamp]


def test_a_step_whose_command_has_no_roles_is_refused() -> None:
    class Unlisted(c.RecordStep):
        pass

    with pytest.raises(TypeError, match="no roles"):
        lifecycle.check((lifecycle.Step(Unlisted, CreditRecord.verify_rectification, "x"),))


def test_every_registered_step_has_a_name_the_api_and_pages_can_address() -> None:
    names = [step.name for step in lifecycle.STEPS]
    paths = [step.path for step in lifecycle.RECORD_STEPS]

    assert len(set(names)) == len(names) and len(set(paths)) == len(paths)
    assert all(path for path in paths)
    assert lifecycle.BY_COMMAND[c.WithdrawRecord].name == "withdraw_record"


@dataclass
class _Matter:
    forwarded_to: str | None


@dataclass
class _Content:
    subject_code: str
    subject_id: UUID
    source: Any


@dataclass
class _Record:
    """What ``may_read`` looks at in a record."""

    content: _Content
    objections: dict[int, _Matter] = field(default_factory=dict)
    repairs: dict[int, _Matter] = field(default_factory=dict)


@dataclass
class _Source:
    code: str


CODES = st.sampled_from(["A", "B", "C"])


@given(role=st.sampled_from([r for r in Role if r is not Role.SYSTEM]),
       subject=st.none() | CODES, body=CODES, source=CODES,
       forwarded=st.lists(st.none() | CODES, max_size=3))
def test_a_reader_sees_a_record_exactly_when_it_is_theirs(
    role: Role, subject: str | None, body: str, source: str, forwarded: list[str | None],
) -> None:
    record = _Record(_Content(body, uuid4(), _Source(source)),
                     objections={n: _Matter(to) for n, to in enumerate(forwarded, 1)})
    actor = Actor(id="reader", role=role, subject=subject)

    sees = access.may_read(actor, cast(CreditRecord, record))

    if role is Role.SUBJECT_OFFICIAL:
        assert sees == (subject == body)
    elif role is Role.SOURCE_DEPARTMENT:
        assert sees == (subject is not None and (subject == source or subject in forwarded))
    else:
        assert sees
