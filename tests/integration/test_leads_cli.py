"""``credit-ledger leads import``: a department's clerk takes in leads from a file at the
command line; a reference imported again changes nothing and a refused row sets the exit
code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.lead import lead_id
from ledger.lead_events import LeadOrigin
from tests.support.cli import CLERK, CommandLine
from tests.support.world import BODY_CODE, SOURCE_CODE


@pytest.fixture
def cli(cli_for: Callable[..., CommandLine]) -> CommandLine:
    return cli_for(CLERK)


def test_a_clerk_imports_leads_and_the_same_reference_again_changes_nothing(
    cli: Any, app: Ledger, tmp_path: Path,
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("origin,reference,received_on,summary,body_code\n"
                     f"hotline_12345,GD-9,2026-05-06,工程款拖欠,{BODY_CODE}\n"
                     f"npc_suggestion,JY-1,2026-05-06,代表建议,{BODY_CODE[:-1]}X\n",
                     encoding="utf-8")

    first = cli("leads", "import", leads, "--account", "clerk",
                "--department-name", "福建省纪委监委")
    assert first.exit_code == 1
    assert "line 3: error: body_code" in first.stdout
    assert first.stdout.strip().endswith("1 received, 0 unchanged, 1 errors")
    found = app.lead(lead_id(LeadOrigin.HOTLINE_12345, "GD-9"))
    assert (found.department.code, found.department.name) == (SOURCE_CODE, "福建省纪委监委")

    again = cli("leads", "import", leads, "--account", "clerk")
    assert "line 2: unchanged" in again.stdout
    assert again.stdout.strip().endswith("0 received, 1 unchanged, 1 errors")
