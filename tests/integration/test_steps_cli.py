"""``credit-ledger steps``: the registered steps listed, and one taken from a JSON file under an
account, refused for an account whose role may not take it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import api.cli.main  # noqa: F401  (registers every command group on the app)
from api.auth import Account
from ledger import lifecycle
from ledger.application import Ledger
from ledger.events import Role
from tests.support.cli import CommandLine
from tests.support.world import BODY_CODE, DEPT, filing


@pytest.fixture
def cli(cli_for: Callable[..., CommandLine]) -> CommandLine:
    return cli_for(Account("official", Role.SUBJECT_OFFICIAL, BODY_CODE, "body official"),
                   Account("reviewer", Role.PLATFORM_REVIEWER, None, "platform reviewer"))


def test_the_step_list_names_every_registered_step_with_its_roles(cli: Any) -> None:
    listed = cli("steps", "list")

    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == len(lifecycle.STEPS)
    assert ("file_objection\tsubject_official\t"
            "POST /api/v1/records/{record_id}/objections") in lines


def test_an_official_files_an_objection_from_a_file_and_a_reviewer_may_not(
    cli: Any, app: Ledger, tmp_path: Path,
) -> None:
    rid = app.file_record(filing(), DEPT).record_id
    grounds = tmp_path / "objection.json"
    grounds.write_text(json.dumps({"record_id": str(rid), "grounds": "罚款金额有误"}),
                       encoding="utf-8")

    refused = cli("steps", "take", "file_objection", grounds, "--account", "reviewer")
    taken = cli("steps", "take", "file_objection", grounds, "--account", "official")

    assert refused.exit_code == 2 and "needs a subject_official" in refused.stderr
    assert taken.exit_code == 0 and taken.stdout.strip() == "file_objection: done (1)"
    assert app.record(rid).open_objection() is not None
