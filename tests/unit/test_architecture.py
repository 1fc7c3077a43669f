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
    module.write_text("from api.cli.main import main\nimport projections.views\n")
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


# -- configuration is read in one place ----------------------------------------------------------

SETTINGS_MODULE = "ledger/config.py"
ENVIRONMENT = {"environ", "getenv", "putenv", "unsetenv", "environb", "getenvb"}


def environment_reads(path: Path) -> list[int]:
    """Lines of ``path`` that touch the process environment (``os.environ``, ``os.getenv``,
    ``from os import environ``), except an entry point's ``Config.from_environ(os.environ)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    handed_over = {
        id(arg) for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "from_environ" for arg in node.args
    }
    lines = []
    for node in ast.walk(tree):
        read = (isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT
                and isinstance(node.value, ast.Name) and node.value.id == "os"
                and id(node) not in handed_over)
        imported = isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in ENVIRONMENT for alias in node.names)
        if read or imported:
            lines.append(getattr(node, "lineno", 0))
    return sorted(lines)


def test_no_module_but_the_settings_reads_the_environment() -> None:
    offenders = {
        str(path.relative_to(ROOT)): environment_reads(path)
        for folder in ALLOWED for path in (ROOT / folder).rglob("*.py")
        if str(path.relative_to(ROOT)) != SETTINGS_MODULE
    }
    assert {name: lines for name, lines in offenders.items() if lines} == {}


def test_the_environment_check_catches_a_deep_read_and_lets_an_entry_point_hand_it_over(
        tmp_path: Path) -> None:
    module = tmp_path / "deep.py"
    module.write_text(
        "import os\nfrom os import getenv\n"
        "days = os.environ.get('LEDGER_TOKEN_DAYS')\nhome = os.getenv('LEDGER_HOME')\n"
        "config = Config.from_environ(os.environ)\n")
    assert environment_reads(module) == [2, 3, 4]
