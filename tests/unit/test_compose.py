"""The deployment file, read the way an operator would check it (no Docker engine here)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from api.cli.main import app
from ledger.config import Config

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"migrate", "api", "worker", "dispatcher", "projections", "sealer"}
ONE_SHOT = {"temporal-schema", "migrate"}
ENGINES = {"postgres", "temporal-schema", "temporal", "temporal-ui"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return found


def env_vars_the_code_reads() -> set[str]:
    """The variables the settings object asks its environment for (``ledger/config.py`` is the
    one module that reads the environment; tests/unit/test_architecture.py keeps it so)."""
    asked: set[str] = set()

    class Recording(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            asked.add(key)
            return super().get(key, default)

    Config.from_environ(Recording())
    return asked


def test_the_deployment_has_the_engines_and_every_process_of_the_ledger(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == PROJECT | ENGINES


def test_every_image_is_pinned_to_a_version(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), name
        assert re.search(r":\d", image), f"{name} uses an unversioned tag: {image}"


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name not in ONE_SHOT:
            assert service.get("healthcheck", {}).get("test"), name


def test_dependencies_name_real_services_and_wait_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on unknown {needed}"
            assert how["condition"] in ("service_healthy", "service_completed_successfully")
    for name in PROJECT:
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("worker", "dispatcher"):
        assert "temporal" in services[name]["depends_on"]
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully")


def test_every_variable_set_for_the_ledger_is_one_its_code_reads(
    compose: dict[str, Any],
) -> None:
    read = env_vars_the_code_reads()
    for name in PROJECT:
        unknown = set(compose["services"][name]["environment"]) - read
        assert unknown == set(), f"{name} sets variables nothing reads: {unknown}"


def test_every_ledger_service_runs_a_command_the_cli_has(compose: dict[str, Any]) -> None:
    runner = CliRunner()
    for name in PROJECT:
        command = compose["services"][name]["command"]
        assert command[0] == "credit-ledger"
        words = list(itertools.takewhile(lambda w: not w.startswith("-"), command[1:]))
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, f"{name}: {command}: {result.output}"


def test_only_the_migration_connects_as_the_owner_and_each_service_has_its_own_role(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    users = {name: re.match(r"postgresql://([^:]+):", services[name]["environment"][
        "LEDGER_DATABASE_URL"]).group(1) for name in PROJECT}  # type: ignore[union-attr]
    assert users == {"migrate": "ledger", "api": "ledger_api", "worker": "ledger_dispatcher",
                     "dispatcher": "ledger_dispatcher", "projections": "ledger_followers",
                     "sealer": "ledger_sealer"}
    for name in PROJECT - {"migrate"}:
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"), name
    for name in PROJECT:  # passwords come from the operator's secrets, never from this file
        url = services[name]["environment"]["LEDGER_DATABASE_URL"]
        assert re.search(r":\$\{LEDGER_[A-Z]*_?DB_PASSWORD:\?", url), name
