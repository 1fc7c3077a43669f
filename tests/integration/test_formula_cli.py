"""An administrator publishes an evaluation formula at the command line; other accounts and a
formula dated in the past are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.registers import new_formula


def test_an_administrator_publishes_a_formula_and_others_or_past_dates_are_refused(
    cli: Any, tmp_path: Path,
) -> None:
    future, past = tmp_path / "v3.json", tmp_path / "old.json"
    future.write_text(json.dumps(new_formula(effective_from="2999-01-01")), encoding="utf-8")
    past.write_text(json.dumps(new_formula(effective_from="2000-01-01")), encoding="utf-8")

    refused = cli("formulas", "publish", future, "--account", "clerk")
    assert refused.exit_code == 2 and "administrator" in refused.output
    dated = cli("formulas", "publish", past, "--account", "admin")
    assert dated.exit_code == 2 and "formula.effective_from" in dated.output

    published = cli("formulas", "publish", future, "--account", "admin")
    assert published.exit_code == 0, published.output
    listed = cli("formulas", "list")
    assert "integrity-2027-v4: 2999-01-01" in listed.output
