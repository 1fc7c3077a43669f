"""The folders import along the direction in docs/architecture.md only."""

from __future__ import annotations

import ast
import json
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


# -- inside the ledger: the domain at the root, its concerns in folders --------------------------
#
# ledger/store    where the log and the keys live. Below the domain: it stores events and loads
#                 aggregates through their base classes (ledger.events), and knows the settings,
#                 the errors and the personal-data vault's error; no aggregate, no application.
#                 One exception: the migration (store/roles.py) makes every table, so it opens a
#                 ledger and the proof tables.
# ledger/proof    proving the log. Beside the domain: it reads the store and may replay a record
#                 from a bundle, but takes no command (no application, file import or sample).
# ledger/bulk     file import: above the application, whose commands it sends in groups.
# ledger/sample   the sample: above the application; nothing below imports it.
# ledger (root)   the domain and the application: may use the store and the proof tables'
#                 names, never the file import (only the API does) or the sample.

LAYERS: dict[str, tuple[set[str], set[str]]] = {  # folder: (may import, may not import)
    "ledger.store": ({"ledger.store", "ledger.config", "ledger.errors", "ledger.events",
                      "ledger.personal"}, set()),
    "ledger.proof": ({"ledger"}, {"ledger.application", "ledger.bulk", "ledger.sample"}),
    "ledger.bulk": ({"ledger"}, {"ledger.sample"}),
    "ledger.sample": ({"ledger"}, {"ledger.bulk"}),
    "ledger": ({"ledger"}, {"ledger.bulk", "ledger.sample"}),
}
EXCEPTIONS = {"ledger/store/roles.py": {"ledger.bootstrap", "ledger.proof.sealer"}}


def imported_ledger_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name == "ledger" or name.startswith("ledger.")}


def _within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer_offences(path: Path) -> list[str]:
    """The ledger modules ``path`` imports against the rules above (``from X import name`` is
    checked as ``X`` and as ``X.name``, so importing a folder's module by name counts)."""
    relative = path.relative_to(ROOT)
    layer = ".".join(relative.parts[:2]) if len(relative.parts) > 2 else "ledger"
    allowed, refused = LAYERS[layer]
    excepted = EXCEPTIONS.get(str(relative), set())
    return sorted(name for name in imported_ledger_modules(path) - {"ledger"}
                  if not _within(name, excepted)
                  and (not _within(name, allowed) or _within(name, refused)))


def test_each_folder_of_the_ledger_imports_only_what_its_layer_allows() -> None:
    offenders = {str(path.relative_to(ROOT)): layer_offences(path)
                 for path in (ROOT / "ledger").rglob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}
    assert {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "ledger").iterdir()
            if p.is_dir() and (p / "__init__.py").exists()} == set(LAYERS) - {"ledger"}


def test_the_layer_check_catches_the_store_reaching_up_and_the_domain_importing_a_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ledger" / "store").mkdir(parents=True)
    store = tmp_path / "ledger" / "store" / "cache.py"
    store.write_text("from ledger.record import CreditRecord\nfrom ledger.events import Actor\n")
    domain = tmp_path / "ledger" / "rule.py"
    domain.write_text("from ledger import sample\nfrom ledger.bulk import records\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)

    assert layer_offences(store) == ["ledger.record", "ledger.record.CreditRecord"]
    assert layer_offences(domain) == ["ledger.bulk", "ledger.bulk.records", "ledger.sample"]


# -- the offline verifier ------------------------------------------------------------------------

OFFLINE = ("verify", "verify_bundle", "verify_index", "note")
"""What an auditor runs on a bundle: the Merkle proofs, the bundle check, the record index and
the signed notes (ledger/proof)."""


@pytest.mark.parametrize("module", OFFLINE)
def test_the_offline_verifier_needs_only_the_standard_library(module: str) -> None:
    import sys

    tree = ast.parse((ROOT / "ledger" / "proof" / f"{module}.py").read_text(encoding="utf-8"))
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top_level.add(node.module)
    ours = {name for name in top_level if name.split(".")[0] == "ledger"}
    assert ours <= {f"ledger.proof.{m}" for m in OFFLINE}
    assert {n.split(".")[0] for n in top_level - ours} <= set(sys.stdlib_module_names) | {
        "__future__"}


_ALONE = """
import json, sys
from ledger.proof.verify_bundle import verify_bundle
report = verify_bundle(json.loads(sys.argv[1]), trusted_key=bytes(32))
heavy = sorted(m for m in sys.modules
               if m.split(".")[0] in {"psycopg", "pydantic", "eventsourcing", "orjson", "api",
                                      "workflows", "projections"}
               or (m.startswith("ledger.") and m.split(".")[-1] not in {"proof", *OFFLINE}))
print(json.dumps({"file": sys.modules["ledger.proof.verify_bundle"].__file__,
                  "problems": report.problems, "heavy": heavy}))
"""


def test_the_bundle_check_runs_from_its_four_files_alone(tmp_path: Path) -> None:
    """An auditor copies ledger/proof's offline files, and nothing else, and checks a bundle."""
    import subprocess
    import sys

    folder = tmp_path / "ledger" / "proof"
    folder.mkdir(parents=True)
    (tmp_path / "ledger" / "__init__.py").write_text("")
    (folder / "__init__.py").write_text("")
    for module in OFFLINE:
        (folder / f"{module}.py").write_text(
            (ROOT / "ledger" / "proof" / f"{module}.py").read_text(encoding="utf-8"))
    bundle = {"format": "credit-ledger-bundle/1", "events": []}

    ran = subprocess.run(
        [sys.executable, "-c", f"OFFLINE = {OFFLINE!r}\n" + _ALONE, json.dumps(bundle)],
        cwd=tmp_path, capture_output=True, text=True, check=True)

    found = json.loads(ran.stdout)
    assert found["file"].startswith(str(tmp_path))
    assert found["heavy"] == [] and found["problems"]


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
