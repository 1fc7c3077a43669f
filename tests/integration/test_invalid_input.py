"""Bad input gets an error naming the field and the reason, and the log is unchanged after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import LedgerError, LifecycleError
from tests.support.world import DEPT, REVIEWER, filing, official


def log_size(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"region_code": "350199"}, "region_code", "350199"),
        ({"subject_code": "91110000600037341X"}, "subject_code", "check character"),
        ({"decision_date": date(2027, 1, 5)}, "decision_date", "future"),
        ({"sanctions": [{"kind": "public_criticism", "months": 7}]}, "months", "one of"),
        ({"rectification": {"requirement": "整改", "due": date(2026, 1, 1)}},
         "rectification_due", "after the filing date"),
    ],
)
def test_a_filing_with_a_bad_value_names_the_field_and_leaves_the_log_unchanged(
    world: Ledger, overrides: dict[str, Any], field: str, reason: str
) -> None:
    before = log_size(world)
    with pytest.raises((LedgerError, PydanticValidationError)) as caught:
        world.file_record(filing(**overrides), DEPT)
    error = caught.value
    if isinstance(error, LedgerError):
        assert error.field == field and reason in error.reason
    else:
        assert field in str(error) and reason in str(error)
    assert log_size(world) == before


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (lambda f: f.pop("facts"), ("facts",), "Field required"),
        (lambda f: f.update(decision_date="2026-13-01"), ("decision_date",), "date"),
        (lambda f: f.update(fine_yuan="五万"), ("fine_yuan",), "decimal"),
        (lambda f: f.update(severity="grave"), ("severity",), "minor"),
        (lambda f: f["source"].update(code="123"), ("source", "code"), "18 characters"),
    ],
)
def test_a_missing_or_mistyped_field_is_named_with_the_reason(
    change: Callable[[dict[str, Any]], Any], location: tuple[str, ...], message: str
) -> None:
    fields = filing().model_dump(mode="json")
    change(fields)
    with pytest.raises(PydanticValidationError) as caught:
        c.FileRecord.model_validate(fields)
    errors = caught.value.errors()
    assert errors[0]["loc"][: len(location)] == location
    assert message.lower() in errors[0]["msg"].lower()


def test_an_impossible_step_is_refused_and_the_log_is_unchanged(world: Ledger) -> None:
    rid = world.file_record(filing(), DEPT).record_id
    n = world.file_objection(c.FileObjection(record_id=rid, grounds="异议"), official())
    before = log_size(world)

    with pytest.raises(LifecycleError, match="already being handled"):
        world.file_objection(c.FileObjection(record_id=rid, grounds="再次异议"), official())
    with pytest.raises(LifecycleError, match="objection 1 is filed"):
        world.accept_objection(c.AcceptObjection(record_id=rid, number=n), REVIEWER)

    assert log_size(world) == before
