"""A deadline's key reads back as the value it was written from, in exactly today's text."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import commands as c
from ledger.application import Ledger
from ledger.deadline_keys import SINGLE, STEPS, DeadlineKey
from ledger.errors import ValidationError
from ledger.record_events import DeadlineEvent
from tests.support import world

KEYS = st.one_of(
    st.sampled_from(SINGLE).map(DeadlineKey),
    st.sampled_from(sorted(STEPS)).flatmap(lambda family: st.builds(
        DeadlineKey, st.just(family), st.integers(1, 10_000), st.sampled_from(STEPS[family]))),
)


@given(KEYS)
def test_any_key_reads_back_from_its_text(key: DeadlineKey) -> None:
    assert DeadlineKey.parse(str(key)) == key


@pytest.mark.parametrize("number", [1, 2, 9, 10, 123])
def test_a_numbered_key_is_written_as_it_always_was(number: int) -> None:
    for step in STEPS["objection"]:
        assert str(DeadlineKey("objection", number, step)) == f"objection-{number}-{step}"
    for step in STEPS["repair"]:
        assert str(DeadlineKey("repair", number, step)) == f"repair-{number}-{step}"
    assert str(DeadlineKey.objection(number, "review")) == f"objection-{number}-review"
    assert DeadlineKey.repair(number, "answer").matter == f"repair-{number}"


def test_a_single_key_is_its_family() -> None:
    assert [str(DeadlineKey(family)) for family in SINGLE] == list(SINGLE)
    assert DeadlineKey.parse("listing-removal") == DeadlineKey("listing-removal")
    assert DeadlineKey.parse("explanation").kind is None


@pytest.mark.parametrize("text", [
    "", "objection", "objection-3", "objection-0-mark", "objection-03-mark", "objection-x-mark",
    "objection-3-answer", "repair-1-review", "explanation-1-mark", "appeal-1-mark",
    "objection-3-mark-1", "objection--3-mark", "objection-٣-mark", "Explanation",
])
def test_malformed_text_is_refused_naming_the_key(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        DeadlineKey.parse(text)
    assert refused.value.field == "key"


def _keys(app: Ledger, record_id: UUID) -> set[str]:
    found: set[str] = set()
    for event in app.timeline(record_id):
        if isinstance(event, DeadlineEvent):
            found.update(d.key for d in event.started())
            found.update(event.closes)
        for name in ("key", "keep"):
            value: Any = getattr(event, name, None)
            found.update([value] if isinstance(value, str) else value or ())
    return found


def test_every_key_a_record_makes_is_todays_text_and_reads_back() -> None:
    # Two objections (one reviewed), a repair carried to its propagation, a debtor's removal.
    clock = world.FakeClock()
    app = world.memory_world(clock)
    rid = app.file_record(world.filing(rectification={"requirement": "整改"},
                                       category="dishonest_judgment_debtor"), world.DEPT).record_id
    app.file_objection(c.FileObjection(record_id=rid, grounds="异议"), world.official())
    app.mark_objection(c.MarkObjection(record_id=rid, number=1), world.REVIEWER)
    app.reject_objection(c.RejectObjection(record_id=rid, number=1, reasons="理由不足"),
                         world.REVIEWER)
    app.file_objection(c.FileObjection(record_id=rid, grounds="再次异议"), world.official())
    app.mark_objection(c.MarkObjection(record_id=rid, number=2), world.REVIEWER)
    app.accept_objection(c.AcceptObjection(record_id=rid, number=2), world.REVIEWER)
    app.forward_objection(c.ForwardObjection(record_id=rid, number=2, to=world.SOURCE),
                          world.REVIEWER)
    app.decide_objection(c.DecideObjection(record_id=rid, number=2, outcome="upheld",
                                           reasons="维持"), world.DEPT)
    app.request_review(c.RequestReview(record_id=rid, number=2, grounds="复核"), world.official())
    app.decide_review(c.DecideReview(record_id=rid, number=2, upheld=True, reasons="维持"),
                      world.REVIEWER)
    app.submit_rectification_plan(c.SubmitRectificationPlan(record_id=rid, plan="方案"),
                                  world.official())
    app.report_rectification_completion(
        c.ReportRectificationCompletion(record_id=rid, report="完成"), world.official())
    app.verify_rectification(c.VerifyRectification(record_id=rid), world.DEPT)
    app.record_performance(c.RecordPerformance(record_id=rid), world.DEPT)
    clock.advance(days=400)
    app.apply_for_repair(c.ApplyForRepair(record_id=rid, commitment="承诺"), world.official())
    app.forward_repair(c.ForwardRepair(record_id=rid, number=1, to=world.SOURCE), world.REVIEWER)
    app.decide_repair(c.DecideRepair(record_id=rid, number=1, approved=True, reasons="同意"),
                      world.DEPT)

    keys = _keys(app, rid)

    assert keys == {
        "explanation", "rectification", "listing-removal",
        "objection-1-mark", "objection-1-case", "objection-1-acceptance",
        "objection-2-mark", "objection-2-case", "objection-2-acceptance",
        "objection-2-forwarding", "objection-2-decision", "objection-2-review",
        "repair-1-forwarding", "repair-1-answer", "repair-1-decision", "repair-1-propagation",
    }
    assert all(str(DeadlineKey.parse(key)) == key for key in keys)
    assert all(key in keys for key in app.record(rid).deadlines)
