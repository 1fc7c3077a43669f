"""One settings object: every variable the README and docker-compose.yml name is read (and
documented) in ``ledger/config.py`` and nowhere else, with the defaults they give, and a value
the ledger cannot use stops a process at its start with a message naming the variable."""

from __future__ import annotations

import base64
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ledger.config import DEFAULTS, NAMES, Config, ConfigError, current
from ledger.snapshots import SNAPSHOT_INTERVAL

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\b(?:LEDGER|TEMPORAL)_[A-Z0-9_]*[A-Z0-9]\b")
KEY = base64.b64encode(bytes(range(32))).decode()


def _readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("\n\n| setting", 1)[1].split("\n\n", 1)[0]
    return {name for row in table.splitlines()[2:]
            for name in VARIABLE.findall(row.split("|")[1])}


def _compose_names() -> set[str]:
    """Every variable docker-compose.yml names, but the other images' own (the Temporal UI's)."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    services: dict[str, Any] = yaml.safe_load(text)["services"]
    theirs = {name for service in services.values()
              if not str(service.get("image", "")).startswith("credit-ledger")
              for name in service.get("environment") or {}}
    ours = {name for service in services.values()
            if str(service.get("image", "")).startswith("credit-ledger")
            for name in service.get("environment") or {}}
    return set(VARIABLE.findall(text)) - (theirs - ours)


def test_every_variable_the_readme_names_is_a_setting_and_its_table_lists_them_all() -> None:
    named = set(VARIABLE.findall((ROOT / "README.md").read_text(encoding="utf-8")))

    assert named - NAMES == set()
    assert _readme_table() == NAMES


def test_every_variable_the_compose_file_gives_the_ledger_is_a_setting() -> None:
    names = _compose_names()

    assert names - NAMES == set()
    assert {"LEDGER_DATABASE_URL", "LEDGER_MASTER_KEY", "TEMPORAL_ADDRESS"} <= names


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    config = Config.from_environ({})

    assert config.home == Path(".ledger") and config.database_url is None
    assert config.log_origin == "localhost/credit-ledger" and config.sealer_state is None
    assert (config.token_days, config.session_idle_minutes, config.http_threads) == (90, 30, 8)
    assert (config.max_body_bytes, config.max_anonymous_body_bytes) == (1024 * 1024, 16 * 1024)
    assert (config.public_searches_per_minute, config.public_exports_per_minute) == (60, 6)
    assert config.secure_cookies is False and config.witnesses == ()
    assert (config.temporal_address, config.temporal_namespace) == (None, "default")
    assert config.temporal_ui == "http://localhost:8233" and config.log_level == "INFO"
    assert (config.worker_metrics, config.reconcile_seconds) == (None, 600.0)
    assert config.snapshot_interval == SNAPSHOT_INTERVAL
    assert DEFAULTS["LEDGER_SNAPSHOT_INTERVAL"] == str(SNAPSHOT_INTERVAL)
    assert config.role_passwords == () and config.master_key is None


def test_a_deployment_s_values_are_read_into_the_settings() -> None:
    config = Config.from_environ({
        "LEDGER_DATABASE_URL": "postgresql://ledger_api@db:5432/ledger", "LEDGER_HOME": "/srv/l",
        "LEDGER_MASTER_KEY": KEY, "LEDGER_TOKEN_DAYS": "7", "LEDGER_SECURE_COOKIES": "on",
        "LEDGER_SEALER_DB_PASSWORD": "s3", "TEMPORAL_ADDRESS": "temporal:7233",
        "LEDGER_WORKER_METRICS": "0.0.0.0:9464", "LEDGER_RECONCILE_SECONDS": "2.5",
        "LEDGER_TOKEN_DAYS_TYPO": "nothing reads this"})

    assert config.home == Path("/srv/l") and config.master_key == KEY
    assert config.token_days == 7 and config.secure_cookies is True
    assert config.role_passwords == (("sealer", "s3"),)
    assert config.temporal_address == "temporal:7233" and config.reconcile_seconds == 2.5
    assert config.worker_metrics == "0.0.0.0:9464"


BAD = [
    ("LEDGER_TOKEN_DAYS", "abc"), ("LEDGER_TOKEN_DAYS", "0"),
    ("LEDGER_SESSION_IDLE_MINUTES", "0"), ("LEDGER_MAX_BODY_BYTES", "-1"),
    ("LEDGER_PUBLIC_SEARCHES_PER_MINUTE", "lots"), ("LEDGER_HTTP_THREADS", "0"),
    ("LEDGER_SECURE_COOKIES", "maybe"), ("LEDGER_RECONCILE_SECONDS", "0"),
    ("LEDGER_RECONCILE_SECONDS", "nan"), ("LEDGER_GROUP_COMMIT_MS", "soon"),
    ("LEDGER_SNAPSHOT_INTERVAL", "0"), ("LEDGER_LOG_LEVEL", "LOUD"),
    ("LEDGER_WORKER_METRICS", "9464"), ("TEMPORAL_ADDRESS", "temporal"),
    ("LEDGER_LOG_ORIGIN", "https://credit.example.gov.cn ledger"),
    ("LEDGER_PUBLIC_KEY", "not-a-key"), ("LEDGER_WITNESSES", "witness+00+AAAA"),
    ("LEDGER_MASTER_KEY", base64.b64encode(b"short").decode()),
    ("LEDGER_SIGNING_KEY", "not base64 at all"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_value_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} ") as refused:
        Config.from_environ({name: value})

    if name.endswith("_KEY") and name != "LEDGER_PUBLIC_KEY":
        assert value not in str(refused.value)  # a secret is never repeated


@given(st.text(max_size=8) | st.sampled_from(["²", "٣", " 12 ", "1e3", "+5", "07"]))
def test_a_whole_number_setting_takes_digits_only(text: str) -> None:
    if text.strip().isascii() and text.strip().isdigit() and int(text.strip()) >= 1:
        assert Config.from_environ({"LEDGER_TOKEN_DAYS": text}).token_days == int(text.strip())
    elif not text.strip():
        assert Config.from_environ({"LEDGER_TOKEN_DAYS": text}).token_days == 90
    else:
        with pytest.raises(ConfigError, match=r"^LEDGER_TOKEN_DAYS must be a whole number"):
            Config.from_environ({"LEDGER_TOKEN_DAYS": text})


def test_the_settings_follow_the_environment_when_no_entry_point_read_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TOKEN_DAYS", "3")
    assert current().token_days == 3

    monkeypatch.setenv("LEDGER_TOKEN_DAYS", "4")
    assert current().token_days == 4


def test_the_command_line_stops_at_its_start_on_a_bad_value_naming_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main as cli

    monkeypatch.setattr(signal, "signal", lambda *_: None)
    monkeypatch.setattr(sys, "argv", ["credit-ledger", "accounts", "list"])
    monkeypatch.setenv("LEDGER_TOKEN_DAYS", "abc")

    with pytest.raises(SystemExit) as stopped:
        cli.main()

    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "error: LEDGER_TOKEN_DAYS must be a whole number ≥ 1, not 'abc'\n")
