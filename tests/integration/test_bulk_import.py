"""A source department files records in bulk from CSV, JSON Lines and Excel files, on PostgreSQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from openpyxl import Workbook

from ledger import commands as c
from ledger.application import MAX_EVENTS_PER_SAVE, Ledger
from ledger.bulk import records as bulk
from ledger.bulk.copy_append import append
from ledger.bulk.records import CHUNK_ROWS, MAX_BYTES_PER_SAVE, RowResult, import_records, read_rows
from ledger.events import DomainEvent
from ledger.identifiers import body_id, record_id
from ledger.record_events import RecordFiled
from tests.support.cli import CLERK, CommandLine
from tests.support.world import (
    BODY_CODE,
    DEPT,
    PERSON_ID,
    SOURCE_CODE,
    FakeClock,
    citizen_id,
    filing,
    official,
    postgres_ledger,
)

BAD_PERSON_ID = PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")
HEADER = [
    "source.name", "source.code", "document_number", "decision_date", "deciding_authority.name",
    "deciding_authority.code", "subject_type", "subject_code", "subject_citizen_id", "category",
    "domain", "severity", "facts", "legal_basis", "decision_content", "fine_yuan", "region_code",
    "scope", "responsible_citizen_ids", "request_explanation", "rectification.requirement",
]


def row(number: int, **overrides: Any) -> dict[str, Any]:
    """One line of a department's spreadsheet, with dotted column names."""
    fields: dict[str, Any] = {
        "source.name": "福建省纪委监委", "source.code": SOURCE_CODE,
        "document_number": f"闽纪〔2026〕{number}号", "decision_date": "2026-04-20",
        "deciding_authority.name": "福建省纪委监委", "deciding_authority.code": SOURCE_CODE,
        "subject_type": "body", "subject_code": BODY_CODE, "category": "administrative_penalty",
        "domain": "government_procurement", "severity": "general",
        "facts": "未按合同约定支付中标企业货款。",
        "legal_basis": "《保障中小企业款项支付条例》第八条",
        "decision_content": "责令限期支付并予以通报。", "fine_yuan": "50000",
        "region_code": "350102", "scope": "public", "request_explanation": "true",
    }
    fields.update(overrides)
    return fields


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """The same line as a JSON object: nested fields, lists, no empty values."""
    fields: dict[str, Any] = {}
    for name, value in flat.items():
        if value in ("", None):
            continue
        if name == "responsible_citizen_ids":
            value = value.split(";")
        *parents, leaf = name.split(".")
        target = fields
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return fields


# What a department sends: good lines, one bad line of each kind, a resend and a clash.
SENT = [
    row(1, responsible_citizen_ids=PERSON_ID, **{"rectification.requirement": "限期足额支付"}),
    row(2, **{"source.code": SOURCE_CODE[:-1] + ("0" if SOURCE_CODE[-1] != "0" else "1")}),
    row(3, region_code="350199"),
    row(4, facts=""),
    row(5, decision_date="2026-04-31"),
    row(6, subject_type="civil_servant", subject_code="", subject_citizen_id=BAD_PERSON_ID),
    row(7, subject_type="civil_servant", subject_code="", subject_citizen_id=PERSON_ID,
        scope="shared"),
    row(1, responsible_citizen_ids=PERSON_ID, **{"rectification.requirement": "限期足额支付"}),
    row(7, subject_type="civil_servant", subject_code="", subject_citizen_id=PERSON_ID,
        scope="shared", facts="另一事实"),
]
EXPECTED = [
    ("filed", None), ("error", "source.code"), ("error", "region_code"), ("error", "facts"),
    ("error", "decision_date"), ("error", "subject_citizen_id"), ("filed", None),
    ("unchanged", None), ("error", "document_number"),
]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    # Excel's "CSV UTF-8" starts with a byte-order mark; the reader must not mind it.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for fields in rows:
        typed = dict(fields)
        if typed["decision_date"] == "2026-04-20":
            typed["decision_date"] = date(2026, 4, 20)  # a real date cell
        typed["region_code"] = int(typed["region_code"])  # a code typed in as a number
        sheet.append([typed.get(name) or None for name in HEADER])
    book.save(path)
    return path


def outcome(results: list[RowResult]) -> list[tuple[str, str | None]]:
    return [(r.status, r.field) for r in results]


def test_a_csv_with_bad_lines_files_the_good_ones_and_names_each_bad_line(
    app: Ledger, tmp_path: Path
) -> None:
    sent = write_csv(tmp_path / "records.csv", SENT)

    results = list(import_records(app, read_rows(sent), DEPT))

    assert [r.line for r in results] == list(range(2, 11))
    assert outcome(results) == EXPECTED
    reasons = {r.line: r.reason or "" for r in results}
    assert "check character" in reasons[3]
    assert "350199 is not a Fujian region code" in reasons[4]
    assert reasons[5] == "Field required"
    assert "date" in reasons[6]
    assert "different content" in reasons[10]
    assert all(BAD_PERSON_ID not in reason for reason in reasons.values())
    filed = app.record(record_id(SOURCE_CODE, "闽纪〔2026〕1号"))
    assert filed.rectification is not None and len(filed.content.responsible_persons) == 1


def test_sending_the_same_csv_again_adds_nothing_to_the_log(app: Ledger, tmp_path: Path) -> None:
    sent = write_csv(tmp_path / "records.csv", SENT)
    list(import_records(app, read_rows(sent), DEPT))
    before = app.recorder.max_notification_id()

    again = list(import_records(app, read_rows(sent), DEPT))

    assert app.recorder.max_notification_id() == before
    assert [status for status, _ in outcome(again)].count("filed") == 0
    assert outcome(again)[0] == ("unchanged", None) and outcome(again)[6] == ("unchanged", None)


def test_the_same_lines_as_json_lines_or_an_excel_sheet_are_read_alike(
    app: Ledger, tmp_path: Path
) -> None:
    list(import_records(app, read_rows(write_csv(tmp_path / "records.csv", SENT)), DEPT))
    before = app.recorder.max_notification_id()
    lines = [json.dumps(nested(fields), ensure_ascii=False) for fields in SENT]
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text("\n".join([*lines[:3], "", '{"source": ', *lines[3:]]) + "\n",
                     encoding="utf-8")
    xlsx = write_xlsx(tmp_path / "records.xlsx", SENT)

    from_json = list(import_records(app, read_rows(jsonl), DEPT))
    from_excel = list(import_records(app, read_rows(xlsx), DEPT))

    resent = [("unchanged" if status == "filed" else status, field)
              for status, field in EXPECTED]
    assert outcome(from_excel) == resent
    assert [r.line for r in from_excel] == list(range(2, 11))
    bad_json = next(r for r in from_json if r.line == 5)
    assert bad_json.status == "error" and "not valid JSON" in (bad_json.reason or "")
    assert outcome([r for r in from_json if r.line != 5]) == resent
    assert app.recorder.max_notification_id() == before


def test_a_long_file_of_one_subject_is_saved_in_bounded_groups(
    app: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    saves: list[list[DomainEvent]] = []

    def counting_save(ledger: Ledger, events: list[DomainEvent], *stored: Any) -> None:
        saves.append(list(events))
        append(ledger, events, *stored)

    monkeypatch.setattr(bulk, "append", counting_save)
    rows = ((n + 1, nested(row(n))) for n in range(1, 401))

    results = list(import_records(app, rows, DEPT))

    assert {r.status for r in results} == {"filed"} and len(results) == 400
    assert sum(len(events) for events in saves) == 1600 > MAX_EVENTS_PER_SAVE
    assert len(saves) > 1
    for events in saves:
        assert len(events) <= MAX_EVENTS_PER_SAVE
        assert sum(len(e.model_dump_json()) for e in events) <= MAX_BYTES_PER_SAVE
        records = {e.originator_id for e in events if e.originator_id != body_id(BODY_CODE)}
        assert records == {e.originator_id for e in events if isinstance(e, RecordFiled)}
    assert len(app.body(BODY_CODE).records) == 400


def test_a_long_file_is_answered_chunk_by_chunk_without_reading_it_all_first(app: Ledger) -> None:
    read: list[int] = []

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for n in range(1, 10 * CHUNK_ROWS + 1):
            read.append(n)
            yield n + 1, nested(row(n, request_explanation="false"))

    results = import_records(app, rows(), DEPT)
    first = next(results)

    assert first.status == "filed" and first.line == 2
    assert len(read) == CHUNK_ROWS
    assert len(app.body(BODY_CODE).records) == CHUNK_ROWS


class OtherClerk:
    """Another clerk who files record 900 of the same body just before the import writes its
    first group; the sizes of the groups the import sent, and of those refused, are kept."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.sent: list[int] = []
        self.refused: list[int] = []

    def save_after_me(self, ledger: Ledger, events: list[DomainEvent], *stored: Any) -> None:
        if not self.sent:
            self.ledger.file_record(filing(900), DEPT)
        self.sent.append(len(events))
        try:
            append(ledger, events, *stored)
        except IntegrityError:
            self.refused.append(len(events))
            raise


@pytest.fixture
def other_clerk(pg_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> (
    Iterator[OtherClerk]
):
    clerk = OtherClerk(postgres_ledger(pg_url, clock))
    monkeypatch.setattr(bulk, "append", clerk.save_after_me)
    yield clerk
    clerk.ledger.close()


def test_a_group_that_clashes_with_another_clerk_is_filed_again_row_by_row(
    app: Ledger, other_clerk: OtherClerk,
) -> None:
    rows = ((n + 1, nested(row(n))) for n in range(1, 6))

    results = list(import_records(app, rows, DEPT))

    assert other_clerk.refused == [20]
    assert [r.status for r in results] == ["filed"] * 5
    assert len(app.body(BODY_CODE).records) == 6


def test_when_a_group_clashes_the_group_prepared_while_it_was_written_is_filed_row_by_row(
    app: Ledger, other_clerk: OtherClerk,
) -> None:
    """A group is written while the next is prepared on the subjects as the first left them;
    when the first is refused, the next is filed row by row as well, and the body's versions
    have no hole."""
    long_facts = "未按合同约定支付中标企业货款。" * 1000  # about 45 KB: four rows to a group
    rows = [(n + 1, nested(row(n, facts=long_facts))) for n in range(1, 10)]

    results = list(import_records(app, rows, DEPT))

    # the second group (and the row that did not fit it) was not sent
    assert len(other_clerk.sent) == 1
    assert [r.status for r in results] == ["filed"] * 9
    versions = [e.originator_version for e in app.events.get(body_id(BODY_CODE))]
    assert versions == list(range(1, len(versions) + 1))
    assert len(app.body(BODY_CODE).records) == 10


def test_a_group_prepared_on_top_of_one_never_written_is_refused_and_leaves_no_hole(
    app: Ledger,
) -> None:
    subjects: dict[Any, Any] = {}
    first, second = (app.prepare_filing(filing(n), DEPT, subjects) for n in (1, 2))
    before = app.recorder.max_notification_id()

    with pytest.raises(IntegrityError, match="version"):
        append(app, second)  # the body's listing follows one that never reached the log

    assert app.recorder.max_notification_id() == before
    append(app, first)
    assert len(app.body(BODY_CODE).records) == 1


def test_a_file_of_one_persons_sanctions_stops_at_the_cap_as_filing_row_by_row_would(
    app: Ledger,
) -> None:
    """The cap of 48 months holds across the rows of one import (and of one save), counted
    with the sanctions already in force on the person from records filed before."""
    app.file_record(filing(900, subject_type="civil_servant", subject_code=None,
                           subject_citizen_id=PERSON_ID,
                           sanctions=[{"kind": "promotion_restriction", "months": 24}]), DEPT)
    person = {"subject_type": "civil_servant", "subject_code": "", "subject_citizen_id":
              PERSON_ID, "request_explanation": "false"}
    rows = [(n + 1, nested(row(n, **person)) | {"sanctions": [
        {"kind": "promotion_restriction", "months": months}]})
        for n, months in [(1, 12), (2, 6), (3, 12), (4, 6), (5, 6)]]

    results = list(import_records(app, rows, DEPT))

    # 24 + 12 + 6 = 42; twelve more would pass the cap, six reach it, six more pass it
    assert [r.status for r in results] == ["filed", "filed", "error", "filed", "error"]
    assert {(r.field, "48" in (r.reason or "")) for r in results if r.status == "error"} == {
        ("months", True)}


def test_an_imported_group_wakes_the_followers_and_leaves_no_gap_in_the_log(
    app: Ledger, pg_url: str
) -> None:
    """Written by COPY, a group still takes the log's lock and NOTIFY: a follower listening is
    woken, and the group's positions follow the last one before it without a hole."""
    before = app.recorder.max_notification_id() or 0
    with psycopg.connect(pg_url, autocommit=True) as listener:
        listener.execute("LISTEN ledger_events")
        results = list(import_records(app, ((n + 1, nested(row(n))) for n in range(1, 4)),
                                      DEPT))
        woken = [n.channel for n in listener.notifies(timeout=5, stop_after=1)]
    assert [r.status for r in results] == ["filed"] * 3 and woken == ["ledger_events"]
    with psycopg.connect(pg_url) as conn:
        positions = [p for (p,) in conn.execute(
            "SELECT notification_id FROM ledger_events WHERE notification_id > %s "
            "ORDER BY 1", (before,))]
    assert positions == list(range(before + 1, before + 1 + len(positions)))
    records = [r.record_id for r in results if r.record_id is not None]
    assert len(positions) == sum(len(list(app.events.get(r))) for r in records) + 3


# -- at the command line --------------------------------------------------------------------------


@pytest.fixture
def cli(cli_for: Callable[..., CommandLine], monkeypatch: pytest.MonkeyPatch) -> CommandLine:
    # The clerk acts as the department's own account, as at the API.
    monkeypatch.setenv("LEDGER_ACCOUNT", "clerk")
    return cli_for(CLERK)


def test_a_clerk_imports_at_the_command_line_and_the_exit_code_says_if_lines_were_refused(
    cli: Any, app: Ledger, tmp_path: Path
) -> None:
    good = row(1, request_explanation="false")
    bad = row(2, request_explanation="false", **{"source.code": "91350000MA0000000X"})
    report = tmp_path / "report.csv"

    first = cli("import", write_csv(tmp_path / "a.csv", [good, bad]), "--report", report)

    assert first.exit_code == 1
    assert "line 3: error: source.code: check character" in first.stdout
    assert first.stdout.strip().endswith("1 filed, 0 unchanged, 1 errors")
    with report.open(encoding="utf-8-sig") as handle:
        assert [(r["line"], r["status"], r["field"]) for r in csv.DictReader(handle)] == [
            ("2", "filed", ""), ("3", "error", "source.code")]

    again = cli("import", write_csv(tmp_path / "b.csv", [good]))

    assert again.exit_code == 0
    rid = record_id(SOURCE_CODE, good["document_number"])
    assert f"line 2: unchanged {rid}" in again.stdout
    assert again.stdout.strip().endswith("0 filed, 1 unchanged, 0 errors")

    wrong_kind = tmp_path / "records.txt"
    wrong_kind.write_text("x", encoding="utf-8")
    refused = cli("import", wrong_kind)
    assert refused.exit_code == 2
    assert "error: file: unsupported file type '.txt'" in refused.stderr


def test_a_clerk_files_one_record_from_json_and_a_resend_is_recognised(
    cli: Any, app: Ledger, tmp_path: Path
) -> None:
    record = tmp_path / "record.json"
    record.write_text(json.dumps(nested(row(8, request_explanation="false")),
                                 ensure_ascii=False), encoding="utf-8")
    rid = record_id(SOURCE_CODE, "闽纪〔2026〕8号")

    assert cli("file", record).stdout.strip() == f"{rid} filed"
    assert cli("file", record).stdout.strip() == f"{rid} already filed"

    record.write_text(json.dumps(nested(row(9, region_code="35")), ensure_ascii=False),
                      encoding="utf-8")
    refused = cli("file", record)
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: region_code: String should match pattern")


def test_an_auditor_reads_a_timeline_with_due_dates_and_no_personal_data(
    cli: Any, app: Ledger, clock: FakeClock
) -> None:
    body_record = app.file_record(filing(1), DEPT).record_id
    filed_at = clock()
    clock.advance(days=1)
    app.file_objection(c.FileObjection(record_id=body_record, grounds="罚款金额有误"), official())
    person_record = app.file_record(filing(
        2, subject_type="civil_servant", subject_code=None, subject_citizen_id=PERSON_ID,
        scope="shared"), DEPT).record_id

    shown = cli("timeline", body_record)
    then = cli("timeline", body_record, "--as-of", filed_at.isoformat())
    person = cli("timeline", person_record)

    lines = shown.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2", "3", "4"]
    assert lines[0].split()[1:3] == ["2026-05-06T01:30:00Z", "RecordFiled"]
    assert "source_department/dept-fj-discipline" in lines[0]
    assert "explanation due 2026-05-26" in lines[2]
    assert "ObjectionFiled" in lines[3] and "objection-1-mark due" in lines[3]
    assert "罚款金额有误" not in shown.stdout
    assert len(then.stdout.splitlines()) == 3
    assert "subject a civil servant" in person.stdout
    assert PERSON_ID not in person.stdout and "林晓明" not in person.stdout

    beijing = cli("timeline", body_record, "--as-of", "2026-05-06 09:30")  # = 01:30Z
    assert beijing.stdout == then.stdout
    unreadable = cli("timeline", body_record, "--as-of", "May 6th")
    assert unreadable.exit_code == 2
    assert "error: as_of: 'May 6th' is not a date" in unreadable.stderr
    missing = cli("timeline", record_id(SOURCE_CODE, "none"))
    assert missing.exit_code == 2
    assert missing.stderr.strip() == "error: record_id: no record with this id"


def test_registering_a_civil_servant_asks_for_name_and_id_without_showing_them(
    cli: Any, app: Ledger
) -> None:
    new_id = citizen_id("35010219850505432")

    registered = cli("register-civil-servant", "--body", BODY_CODE, "--position", "科员",
                     input=f"陈志明\n{new_id}\n")

    assert registered.exit_code == 0, registered.output
    assert "registered civil servant" in registered.stdout
    assert new_id not in registered.output and "陈志明" not in registered.output
