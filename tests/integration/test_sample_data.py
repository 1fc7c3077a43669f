"""A newcomer loads the Fujian sample data set into PostgreSQL and finds every kind of record."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import api.cli.dev
from api.cli.main import app as cli_app
from ledger.application import Ledger
from ledger.commitment_events import CommitmentBreached
from ledger.events import DomainEvent
from ledger.lead_events import LeadRecordFiled
from ledger.ratings import ThirdPartyRating
from ledger.record_events import ObjectionDecided, RecordFiled
from ledger.regions import fujian
from ledger.sample.load import load_sample
from ledger.sample.plan import sample_plan
from ledger.store.storage import create_database
from ledger.subjects import CivilServant, GovernmentBody
from ledger.values import Category, Domain, ObjectionOutcome, Severity, SubjectType
from ledger.warning_events import WarningRaised, WarningState
from tests.support.world import FakeClock, postgres_ledger

PINGTAN = "350128"


@pytest.fixture(scope="module")
def sample_url(pg_admin_url: str) -> str:
    url = create_database(pg_admin_url, f"sample_{uuid.uuid4().hex[:8]}")
    summary = load_sample(lambda clock: postgres_ledger(url, clock))
    assert summary.loaded
    return url


@pytest.fixture
def sample(sample_url: str) -> Iterator[Ledger]:
    ledger = postgres_ledger(sample_url, FakeClock())
    yield ledger
    ledger.close()


def log(ledger: Ledger) -> list[DomainEvent]:
    found = []
    for notification in ledger.recorder.select_notifications(start=1, limit=100_000):
        event = ledger.mapper.to_domain_event(notification)
        assert isinstance(event, DomainEvent)
        found.append(event)
    return found


def test_loading_the_sample_twice_adds_nothing_the_second_time(
    sample: Ledger, sample_url: str
) -> None:
    before = sample.recorder.max_notification_id()

    again = load_sample(lambda clock: postgres_ledger(sample_url, clock))

    assert not again.loaded
    assert sample.recorder.max_notification_id() == before == again.events


def test_the_sample_is_the_same_every_time_it_is_drawn(sample: Ledger) -> None:
    ids = [item.record_id for item in sample_plan().records]

    assert ids == [item.record_id for item in sample_plan().records]
    assert len(set(ids)) == 300
    filed = [e.originator_id for e in log(sample) if isinstance(e, RecordFiled)]
    # and the records that findings on the sample's commitments and leads filed
    linked = {e.record_id for e in log(sample)
              if isinstance(e, CommitmentBreached | LeadRecordFiled)}
    assert len(linked) >= 4 and sorted(set(filed) - linked) == sorted(ids)


def test_the_sample_has_every_category_domain_severity_and_both_kinds_of_subject(
    sample: Ledger,
) -> None:
    contents = [e.content for e in log(sample) if isinstance(e, RecordFiled)]

    assert {x.category for x in contents} == set(Category)
    assert {x.domain for x in contents} == set(Domain)
    assert {x.severity for x in contents} == set(Severity)
    assert {x.subject_type for x in contents} == set(SubjectType)
    assert min(x.decision_date for x in contents).isoformat() >= "2023-06-01"
    assert max(x.decision_date for x in contents).isoformat() <= "2026-10-31"


def test_every_city_and_pingtan_have_bodies_and_pingtan_reports_to_the_province(
    sample: Ledger,
) -> None:
    events = log(sample)
    bodies = [e for e in events if isinstance(e, GovernmentBody.Created)]
    people = [e for e in events if isinstance(e, CivilServant.Created)]

    cities = {fujian().reporting_chain(b.region_code)[-2] for b in bodies}
    assert cities == {"350100", "350200", "350300", "350400", "350500", "350600", "350700",
                      "350800", "350900", PINGTAN}
    assert len([b for b in bodies if b.region_code == PINGTAN]) >= 3
    assert fujian().reporting_chain(PINGTAN) == [PINGTAN, "350000"]
    assert 55 <= len(bodies) <= 70 and len(people) == 40
    assert any(b.name.endswith("街道办事处") for b in bodies)
    assert any(b.name.endswith("镇人民政府") for b in bodies)


def test_records_are_found_at_every_step_of_their_life(sample: Ledger) -> None:
    events = log(sample)
    kinds = {type(e).__name__ for e in events}
    outcomes = {e.outcome for e in events if isinstance(e, ObjectionDecided)}

    assert {
        "ExplanationSubmitted", "RectificationVerified", "RectificationExtended",
        "RectificationRejected", "ObjectionRejected", "ObjectionExtended", "ReviewDecided",
        "ReconsiderationConcluded", "Withdrawn", "RepairPropagated", "SanctionImposed",
        "SanctionLifted", "MitigationRecorded", "PublicityExpired", "DeadlineEscalated",
    } <= kinds
    assert outcomes == set(ObjectionOutcome)
    repaired = sample.record(sample_plan().examples()["repair_approved"])
    assert repaired.status == "repaired" and not repaired.published
    stamps = [e.timestamp for e in events]
    assert stamps == sorted(stamps)


def test_dev_loads_the_sample_into_an_empty_ledger_and_says_where_to_look(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: Ledger
) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", pg_url)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    # A named database: its keys are given, none is made up.
    monkeypatch.setenv("LEDGER_MASTER_KEY", base64.b64encode(b"m" * 32).decode())
    monkeypatch.setenv("LEDGER_SIGNING_KEY", base64.b64encode(b"s" * 32).decode())
    stopped: list[Any] = []
    monkeypatch.setattr(api.cli.dev, "wait_until_interrupted", lambda: stopped.append(1))

    first = CliRunner().invoke(cli_app, ["dev"])
    second = CliRunner().invoke(cli_app, ["dev"])

    assert first.exit_code == 0, first.output
    assert "sample loaded: 67 government bodies, 40 civil servants, 300 records" in first.stdout
    example = str(sample_plan().examples()["objection_deleted"])
    assert f"{example}  objection deleted" in first.stdout
    assert "sample already there" in second.stdout and len(stopped) == 2
    fresh = postgres_ledger(pg_url, FakeClock())
    assert {e.originator_id for e in log(fresh) if isinstance(e, RecordFiled)} == {
        e.originator_id for e in log(sample) if isinstance(e, RecordFiled)}
    fresh.close()


def test_the_sample_has_third_party_ratings_of_cities_and_bodies_in_several_regions(
    sample: Ledger,
) -> None:
    rated = [e for e in log(sample) if isinstance(e, ThirdPartyRating.Imported)]
    cities = {fujian().reporting_chain(e.region_code)[-2] for e in rated}
    assert len(cities) >= 4
    assert {e.subject_kind for e in rated} == {"body", "region"}
    assert len({e.source for e in rated}) >= 2 and len({e.period for e in rated}) >= 2
    assert all(0 <= e.score <= e.scale and e.document for e in rated)


def test_the_sample_has_warnings_in_several_regions_in_every_state(sample: Ledger) -> None:
    raised = [e for e in log(sample) if isinstance(e, WarningRaised)]
    cities = {fujian().reporting_chain(e.region_code)[-2] for e in raised}
    assert len(cities) >= 4
    states = {sample.early_warning(e.originator_id).state for e in raised}
    assert states == set(WarningState) and len(raised) == 5
    assert all(e.metrics["in_force_serious"] == e.value for e in raised)
