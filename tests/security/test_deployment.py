"""The deployment in ``docker-compose.yml`` silences no deadline and spreads no key: the Temporal
web UI answers only on the host and cannot terminate, cancel or signal a workflow, each key goes
only to the service that uses it, and the ``.env`` holding them is never committed.

Before, the UI was published on every interface with its write actions on (anyone who reached
port 8233 could terminate a record's deadline), every ledger service got the master key, and
``.env`` was not ignored; these tests failed there.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WRITE_ACTIONS = ("TEMPORAL_DISABLE_WRITE_ACTIONS", "TEMPORAL_WORKFLOW_TERMINATE_DISABLED",
                 "TEMPORAL_WORKFLOW_CANCEL_DISABLED", "TEMPORAL_WORKFLOW_SIGNAL_DISABLED",
                 "TEMPORAL_WORKFLOW_RESET_DISABLED", "TEMPORAL_BATCH_ACTIONS_DISABLED")


def _services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, Any] = compose["services"]
    return services


def _published(service: dict[str, Any]) -> list[str]:
    return [str(port) for port in service.get("ports", [])]


def test_the_temporal_ui_is_reachable_from_the_host_only() -> None:
    ports = _published(_services()["temporal-ui"])

    assert ports
    assert all(port.startswith("127.0.0.1:") for port in ports), ports


def test_the_temporal_ui_cannot_terminate_cancel_or_signal_a_deadline() -> None:
    environment = _services()["temporal-ui"]["environment"]

    assert {name: environment.get(name) for name in WRITE_ACTIONS} == dict.fromkeys(
        WRITE_ACTIONS, "true")


def test_no_service_publishes_temporal_itself() -> None:
    """Held before as well: the frontend, which takes any client's terminate, stays inside."""
    for name, service in _services().items():
        assert not any("7233" in port for port in _published(service)), name


def test_only_the_api_holds_the_master_key_and_only_the_sealer_the_signing_key() -> None:
    holders = {key: sorted(name for name, service in _services().items()
                           if key in (service.get("environment") or {}))
               for key in ("LEDGER_MASTER_KEY", "LEDGER_SIGNING_KEY")}

    assert holders == {"LEDGER_MASTER_KEY": ["api"], "LEDGER_SIGNING_KEY": ["sealer"]}


def test_the_env_file_holding_the_secrets_is_never_committed() -> None:
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", ".env"], cwd=ROOT,
                             check=False)

    assert ignored.returncode == 0
