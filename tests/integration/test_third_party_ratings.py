"""An operator imports third-party ratings with their source; the ledger keeps each as a fact,
and a quarter's or year's evaluation is recorded once (both on the in-memory and PostgreSQL
ledgers)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pydantic
import pytest

from ledger.application import Ledger
from ledger.bulk.ratings import import_ratings
from ledger.errors import LedgerError, PermissionDeniedError, ValidationError
from ledger.events import Actor, Role
from ledger.period_evaluations import period_of
from ledger.ratings import ImportRating, ThirdPartyRating, period_end
from tests.support.world import ADMIN, BODY_CODE, DEPT, SYSTEM, FakeClock

OPERATOR = Actor(id="operator-1", role=Role.OPERATOR)


def rating(**overrides: Any) -> ImportRating:
    fields: dict[str, Any] = {
        "source": "福州大学公共管理学院", "subject_kind": "body", "subject_code": BODY_CODE,
        "period": "2026-H1", "score": "86.5", "document": "福大公管〔2026〕12号",
    }
    return ImportRating.model_validate(fields | overrides)


def test_an_operator_imports_a_rating_and_importing_it_again_changes_nothing(
    world: Ledger, clock: FakeClock,
) -> None:
    clock.set_date(date(2026, 7, 10))
    first = world.import_rating(rating(), OPERATOR)
    again = world.import_rating(rating(source="  福州大学公共管理学院 "), ADMIN)
    assert first.created and not again.created and again.id == first.id
    held = world.rating(first.id)
    assert (held.subject_name, held.region_code, held.period_end, held.out_of_100,
            held.imported_on) == ("福州市鼓楼区自然资源局", "350102", date(2026, 6, 30),
                                  Decimal("86.50"), date(2026, 7, 10))
    assert [type(e) for e in world.repository.event_store.get(first.id)] == [
        ThirdPartyRating.Imported]

    region = world.import_rating(rating(subject_kind="region", subject_code="350100",
                                        period="2026", score="44", scale="50"), OPERATOR)
    assert world.rating(region.id).subject_name == "福州市"
    assert world.rating(region.id).out_of_100 == Decimal("88.00")


def test_another_score_for_the_same_source_period_and_subject_is_refused_naming_score(
    world: Ledger,
) -> None:
    world.import_rating(rating(), OPERATOR)
    with pytest.raises(ValidationError) as refused:
        world.import_rating(rating(score="70"), OPERATOR)
    assert refused.value.field == "score" and "86.5" in refused.value.reason


def test_a_rating_of_an_unknown_subject_or_period_or_above_its_scale_is_refused(
    world: Ledger,
) -> None:
    for wrong, field in (({"subject_code": "91350000MA0000000X"}, "subject_code"),
                         ({"subject_kind": "region", "subject_code": "359999"},
                          "subject_code")):
        with pytest.raises(LedgerError) as refused:
            world.import_rating(rating(**wrong), OPERATOR)
        assert refused.value.field == field
    with pytest.raises(pydantic.ValidationError, match="above the scale"):
        rating(score="120")
    with pytest.raises(pydantic.ValidationError, match="period"):
        rating(period="2026-13")
    with pytest.raises(PermissionDeniedError):
        world.import_rating(rating(), DEPT)


def test_ratings_are_imported_from_csv_and_xlsx_with_bad_rows_named_by_line(
    world: Ledger, tmp_path: Path,
) -> None:
    header = ["source", "subject_kind", "subject_code", "period", "score", "scale", "document"]
    rows = [["省营商环境评估中心", "region", "350100", "2026", "91", "", "闽评〔2026〕3号"],
            ["省营商环境评估中心", "body", BODY_CODE, "2026-Q3", "7.5", "10", "闽评〔2026〕4号"],
            ["省营商环境评估中心", "body", BODY_CODE, "2026-Q3", "11", "10", "闽评〔2026〕4号"]]
    path = tmp_path / "ratings.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    results = list(import_ratings(world, path, OPERATOR))
    assert [(r.line, r.status) for r in results] == [(2, "filed"), (3, "filed"), (4, "error")]
    assert "scale" in (results[2].reason or "")

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(["省营商环境评估中心", "region", 350100, 2026, 91, None, "闽评〔2026〕3号"])
    sheet.append(["省营商环境评估中心", "region", 350200, 2026, 82.5, None, "闽评〔2026〕3号"])
    xlsx = tmp_path / "ratings.xlsx"
    book.save(xlsx)
    assert [r.status for r in import_ratings(world, xlsx, ADMIN)] == ["unchanged", "filed"]


def test_periods_end_on_their_last_day_and_are_named_by_the_day() -> None:
    assert [period_end(p) for p in ("2026", "2026-H1", "2026-Q1", "2024-Q1")] == [
        date(2026, 12, 31), date(2026, 6, 30), date(2026, 3, 31), date(2024, 3, 31)]
    assert (period_of(date(2026, 11, 5), "quarter"), period_of(date(2026, 11, 5), "year")) == (
        "2026-Q4", "2026")


def test_a_period_evaluation_is_recorded_once_and_only_after_the_period_ended(
    world: Ledger,
) -> None:
    evaluations: list[tuple[Any, str, dict[str, Any]]] = [
        ("body", BODY_CODE, {"score": "96"}), ("region", "350100", {"score": "98"})]
    with pytest.raises(ValidationError) as early:
        world.record_period_evaluation("2026-Q4", date(2026, 12, 31), "integrity-2026-v2",
                                       {"subject_status": 7}, evaluations, SYSTEM)
    assert early.value.field == "period"
    assert world.record_period_evaluation("2026-Q4", date(2027, 1, 1), "integrity-2026-v2",
                                          {"subject_status": 7}, evaluations, SYSTEM)
    assert not world.record_period_evaluation("2026-Q4", date(2027, 1, 2), "other",
                                              {"subject_status": 9}, [], SYSTEM)
    header = world.evaluation_period("2026-Q4")
    assert header is not None and (header.taken_on, header.formula_id, header.positions) == (
        date(2027, 1, 1), "integrity-2026-v2", {"subject_status": 7})
    assert [(p.kind, p.code, p.evaluation) for p in world.period_evaluations("2026-Q4")] == (
        evaluations)
    assert [p.period for p in world.evaluation_periods()] == ["2026-Q4"]
    with pytest.raises(PermissionDeniedError):
        world.record_period_evaluation("2026", date(2027, 1, 1), "x", {}, [], DEPT)


def test_a_period_cut_short_half_way_is_completed_by_the_retry_without_a_duplicate(
    world: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluations: list[tuple[Any, str, dict[str, Any]]] = [
        ("body", BODY_CODE, {"score": "96"}), ("region", "350102", {"score": "97"}),
        ("region", "350100", {"score": "98"})]
    monkeypatch.setattr("ledger.period_evaluations.CHUNK", 1)
    saved = world._save
    calls: list[int] = []

    def failing_second(*items: Any) -> None:
        calls.append(len(items))
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        saved(*items)

    monkeypatch.setattr(world, "_save", failing_second)
    with pytest.raises(ConnectionError):
        world.record_period_evaluation("2026", date(2027, 1, 1), "integrity-2026-v2",
                                       {"subject_status": 7}, evaluations, SYSTEM)
    assert world.evaluation_period("2026") is None  # not recorded until its own fact is
    assert world.record_period_evaluation("2026", date(2027, 1, 2), "integrity-2026-v2",
                                          {"subject_status": 7}, evaluations, SYSTEM)
    assert [(p.kind, p.code, p.evaluation) for p in world.period_evaluations("2026")] == (
        evaluations)
    topic = "ledger.period_evaluations:PeriodEvaluation.Recorded"
    found = world.recorder.select_notifications(start=1, limit=100, topics=[topic])
    assert len(found) == 3  # the first row was kept, the retry added the other two
