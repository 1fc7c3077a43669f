"""The folders import along the direction in docs/architecture.md only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "ledger": {"ledger"},
    "workflows": {"ledger", "workflows"},
    "projections": {"ledger", "projections"},
    "api": {"ledger", "workflows", "projections", "api"},
}
PROJECT = {"ledger", "workflows", "projections", "api", "tests"}


def imported_project_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & PROJECT
    return found


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_each_folder_imports_only_what_the_architecture_allows(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_project_packages(path) - ALLOWED[folder])
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_catches_an_import_against_the_direction(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from api.cli import main\nimport projections.views\n")
    assert imported_project_packages(module) == {"api", "projections"}


OFFLINE = ("verify", "verify_bundle", "verify_index", "note")


@pytest.mark.parametrize("module", OFFLINE)
def test_the_offline_verifier_needs_only_the_standard_library(module: str) -> None:
    import sys

    tree = ast.parse((ROOT / "ledger" / f"{module}.py").read_text(encoding="utf-8"))
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top_level.add(node.module)
    ours = {name for name in top_level if name.split(".")[0] == "ledger"}
    assert ours <= {f"ledger.{m}" for m in OFFLINE}
    assert {n.split(".")[0] for n in top_level - ours} <= set(sys.stdlib_module_names) | {
        "__future__"}
