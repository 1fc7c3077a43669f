"""An event over the storage limit is refused naming the field that fills it, before anything of
its command is written.

Each text field of a command is bounded (20,000 characters), but a command has several: before
the limit a department could file a record of three full text fields, about 180 KB in one
event, which reached the public tiles as a bare hash (a C2SP entry holds at most 65,535 bytes)
and filled the group commit's transactions. These tests failed there: the filing was recorded
(201).
"""

from __future__ import annotations

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import EventTooLargeError, ValidationError
from ledger.events import Role
from ledger.store.persistence import MAX_EVENT_BYTES
from tests.support.api import Api
from tests.support.world import DEPT, FakeClock, filing, memory_world

FULL = "未" * 20_000  # the longest text a field takes: 60,000 bytes stored


def _log_size(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


@pytest.fixture
def ledger() -> Ledger:
    app = memory_world(FakeClock())
    return app


def test_a_filing_whose_event_would_pass_the_limit_is_refused_naming_its_largest_field(
    ledger: Ledger,
) -> None:
    before = _log_size(ledger)
    too_long = filing().model_copy(update={"facts": FULL, "legal_basis": "据" * 2_000})

    with pytest.raises(EventTooLargeError) as refused:
        ledger.file_record(too_long, DEPT)

    assert isinstance(refused.value, ValidationError)
    assert refused.value.field == "facts"
    assert f"at most {MAX_EVENT_BYTES:,}" in refused.value.reason
    assert _log_size(ledger) == before  # nothing of the filing was written

    # the same filing within the limit is recorded
    ledger.file_record(filing().model_copy(update={"facts": FULL}), DEPT)
    assert _log_size(ledger) > before


def test_a_correction_that_would_pass_the_limit_is_refused_and_the_record_stays_as_it_was(
    ledger: Ledger,
) -> None:
    rid = ledger.file_record(filing(), DEPT).record_id
    version, before = ledger.record(rid).version, _log_size(ledger)
    changes = c.RecordChanges(decision_content=FULL, legal_basis="据" * 3_000)

    with pytest.raises(EventTooLargeError) as refused:
        ledger.correct_record(c.CorrectRecord(record_id=rid, changes=changes,
                                              reasons="更正"), DEPT)

    assert refused.value.field == "decision_content"
    assert (ledger.record(rid).version, _log_size(ledger)) == (version, before)


def test_over_the_api_an_oversized_filing_is_answered_422_naming_the_field(api: Api) -> None:
    sent = filing().model_dump(mode="json") | {"facts": "未" * 3_000,
                                               "decision_content": FULL}
    before = _log_size(api.services.ledger)

    response = api.client.post("/api/v1/records", json=sent,
                               headers=api.headers(Role.SOURCE_DEPARTMENT))

    assert response.status_code == 422, response.text[:300]
    assert response.json()["field"] == "decision_content"
    assert f"{MAX_EVENT_BYTES:,}" in response.json()["reason"]
    assert _log_size(api.services.ledger) == before
