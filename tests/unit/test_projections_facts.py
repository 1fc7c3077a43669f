"""How the views read record events, and the evaluation formula, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from ledger import record_events as ev
from ledger.errors import ValidationError
from ledger.events import Actor, DomainEvent, Role
from ledger.values import Deadline, DeadlineKind, ObjectionOutcome, RecordStatus
from projections import facts
from projections.evaluation import METRICS, Formula, evaluate, formula_in_force, formulas
from projections.registry import VIEWS, view_class

ACTOR = Actor(id="dept", role=Role.SOURCE_DEPARTMENT)


def event(cls: type[DomainEvent], **fields: Any) -> Any:
    return cls(originator_id=uuid4(), originator_version=2, actor=ACTOR,
               timestamp=datetime(2026, 5, 6, tzinfo=UTC), **fields)


def deadline(key: str, overdue: bool = False) -> Deadline:
    return Deadline(key=key, kind=DeadlineKind.RECTIFICATION, starts_on=date(2026, 5, 6),
                    due=date(2026, 6, 5), rule_set_id="r", calendar_version="c", party="p",
                    overdue=overdue)


def test_a_withdrawal_ends_publication_the_objection_mark_and_every_deadline() -> None:
    change = facts.change_of(event(ev.Withdrawn, reasons="撤销"))
    assert change.status is RecordStatus.WITHDRAWN and change.published is False
    assert change.under_objection is False
    assert change.deadlines is not None
    assert facts.open_keys_after(["explanation", "rectification"], change.deadlines) == []


@pytest.mark.parametrize(("outcome", "status", "published", "mark", "correction"), [
    (ObjectionOutcome.DELETED, RecordStatus.DELETED, False, False, False),
    (ObjectionOutcome.PUBLICITY_STOPPED, None, False, False, False),
    (ObjectionOutcome.UNVERIFIABLE, None, None, True, False),
    (ObjectionOutcome.UPHELD, None, None, False, False),
    (ObjectionOutcome.CORRECTED, None, None, False, True),
])
def test_each_objection_outcome_changes_the_record_as_the_aggregate_does(
    outcome: ObjectionOutcome, status: RecordStatus | None, published: bool | None,
    mark: bool, correction: bool,
) -> None:
    change = facts.change_of(event(
        ev.ObjectionDecided, number=1, outcome=outcome, reasons="r", changes={},
        review_request_until=date(2026, 5, 21), closes=("objection-1-decision",)))
    assert (change.status, change.published, change.under_objection, change.correction) == (
        status, published, mark, correction)


def test_a_restarted_deadline_is_no_longer_overdue_and_a_missed_one_is() -> None:
    extended = facts.change_of(event(ev.RectificationExtended, reasons="延期",
                                     starts=deadline("rectification")))
    assert extended.deadlines is not None
    assert facts.overdue_keys_after(["rectification"], ["rectification"],
                                    extended.deadlines) == []
    missed = facts.change_of(event(ev.DeadlineMissed, key="explanation"))
    assert missed.deadlines is not None
    assert facts.overdue_keys_after([], ["explanation"], missed.deadlines) == ["explanation"]


def test_a_repair_application_opens_its_forwarding_and_answer_deadlines() -> None:
    change = facts.change_of(event(ev.RepairApplied, number=1, commitment="承诺",
                                   starts=deadline("repair-1-forwarding"),
                                   answer=deadline("repair-1-answer")))
    assert change.deadlines is not None
    assert facts.open_keys_after(["explanation"], change.deadlines) == [
        "explanation", "repair-1-answer", "repair-1-forwarding"]


def test_events_of_other_aggregates_change_no_record() -> None:
    assert facts.change_of(event(ev.ReminderSent, key="k", working_days_before=1)) == (
        facts.NO_CHANGE)


def test_every_record_event_class_is_known_to_the_views() -> None:
    assert ev.RecordFiled in facts.RECORD_EVENTS and ev.DeadlineEvent not in facts.RECORD_EVENTS
    assert {cls.name for cls in VIEWS} == {"record_view", "open_deadlines", "public_disclosure",
                                           "subject_status", "region_rollup", "commitments",
                                           "leads", "third_party_ratings", "warnings"}
    with pytest.raises(KeyError, match="known views"):
        view_class("nope")


def test_the_view_fingerprint_changes_with_its_table_definition() -> None:
    fingerprints = {cls.fingerprint() for cls in VIEWS}
    assert len(fingerprints) == len(VIEWS)


def metrics(**values: int) -> dict[str, int]:
    return {**dict.fromkeys(METRICS, 0), **values}


def test_a_score_loses_points_by_severity_and_for_overdue_work_and_stays_above_the_floor() -> (
    None
):
    formula = formula_in_force(date(2026, 5, 6))
    clean = evaluate(formula, "body", "X", "机关", metrics())
    assert clean.score == 100 and clean.grade == "A" and clean.warnings == []
    assert clean.repaired_share is None
    heavy = evaluate(formula, "body", "X", "机关", metrics(
        records=20, in_force=20, in_force_serious=20, overdue_deadlines=5))
    assert heavy.score == 0 and heavy.grade == "D"
    assert {w.rule_id for w in heavy.warnings} == {"body-serious-records", "body-low-score"}
    repaired = evaluate(formula, "body", "X", "机关", metrics(
        records=4, in_force=1, in_force_general=1, repaired=2))
    assert repaired.score == Decimal(98) and repaired.repaired_share == Decimal("0.500")


def test_a_regions_score_is_the_mean_of_its_bodies_however_many_records_they_hold() -> None:
    formula = formula_in_force(date(2026, 12, 1))
    many = metrics(records=200, in_force=200, in_force_serious=60, in_force_general=140)
    scores = [Decimal(80), Decimal(76), Decimal(100)]

    province = evaluate(formula, "region", "350000", "福建省", many, "province", scores)

    assert province.score == Decimal("85.3") and province.grade == "B" and province.bodies == 3
    assert evaluate(formula, "region", "350000", "福建省", many, "province").score == 100
    old = evaluate(formula_in_force(date(2026, 11, 30)), "region", "350000", "福建省", many,
                   "province", scores)
    assert old.score == 0  # version 1 took points off per record: the more bodies, the lower


def test_region_warnings_apply_only_at_their_level_of_the_tree() -> None:
    formula = formula_in_force(date(2026, 5, 6))
    overdue = metrics(records=3, overdue_rectifications=3)
    assert [w.rule_id for w in evaluate(formula, "region", "350102", "鼓楼区", overdue,
                                        "county").warnings] == ["county-overdue-rectifications"]
    assert evaluate(formula, "region", "350100", "福州市", overdue, "city").warnings == []


def test_the_formula_is_versioned_data_with_dates_in_force() -> None:
    assert [f.id for f in formulas()] == ["integrity-2026-v1", "integrity-2026-v2",
                                          "integrity-2027-v3"]
    assert formula_in_force(date(2026, 11, 30)).id == "integrity-2026-v1"
    assert formula_in_force(date(2026, 12, 1)).id == "integrity-2026-v2"
    assert formula_in_force(date(2027, 1, 1)).id == "integrity-2027-v3"
    with pytest.raises(ValidationError, match="no evaluation formula"):
        formula_in_force(date(2025, 12, 31))
    data = formulas()[0].model_dump()
    data["warnings"] = [{**data["warnings"][0], "below": 1}]
    with pytest.raises(ValueError, match="exactly one"):
        Formula.model_validate(data)


def test_a_correction_counts_and_closes_the_revocation_deadline() -> None:
    change = facts.change_of(event(ev.Corrected, changes={"fine_yuan": "1.00"}, reasons="更正",
                                   closes=("revocation",)))
    assert change.correction and change.deadlines is not None
    assert facts.open_keys_after(["explanation", "revocation"], change.deadlines) == [
        "explanation"]
