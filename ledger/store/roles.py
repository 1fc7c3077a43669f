"""Who may do what in the ledger's database: one role per service, and a log no one rewrites.

The migration runs as the database's owner (a superuser: the embedded server's ``postgres``,
compose's ``POSTGRES_USER``). It makes the events table and its guard, and four login roles:

=====================  ===========================================================================
``ledger_api``         the API and the CLI: inserts events; owns its tokens, sessions, idempotency
                       keys and personal-data keys; reads the views and proofs; keeps cosignatures
``ledger_followers``   the projections: read events; own schema ``views``
``ledger_sealer``      reads events; owns schema ``proofs``
``ledger_dispatcher``  the deadline worker and dispatcher: insert events; own schema ``workflows``
=====================  ===========================================================================

The roles that insert events also insert records' snapshots (``ledger.snapshots``) into
``ledger_snapshots``, a cache beside the log that every service may read; none may change or
delete one.

No service role may update, delete or truncate the events table. Inserting takes the
library's EXCLUSIVE table lock, which a role without UPDATE may take only with the MAINTAIN
privilege (PostgreSQL 17). A statement trigger refuses UPDATE, DELETE and TRUNCATE even for
the owner unless the transaction first runs ``SET LOCAL ledger.maintenance = on``. That stops
mistakes and the services' own credentials, not the owner: the owner can set it, or drop the
trigger. A rewrite by the owner is what the sealer's pin and the witnesses catch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ledger.config import Config, current
from ledger.store.storage import schema_lock

API, FOLLOWERS, SEALER, DISPATCHER = "api", "followers", "sealer", "dispatcher"
SERVICES = (API, FOLLOWERS, SEALER, DISPATCHER)
EVENTS = "ledger_events"
SNAPSHOTS = "ledger_snapshots"
MAINTENANCE = "ledger.maintenance"
API_TABLES = ("api_tokens", "web_sessions", "api_idempotency", "ledger_person_keys")
OWNED_SCHEMAS = {FOLLOWERS: "views", SEALER: "proofs", DISPATCHER: "workflows"}
MIN_SERVER = 170000  # MAINTAIN, which lets an inserting role lock the events table

GUARD = """
CREATE OR REPLACE FUNCTION public.ledger_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $guard$
BEGIN
    IF coalesce(current_setting('ledger.maintenance', true), '') <> 'on' THEN
        RAISE EXCEPTION 'the log is append-only: % on %.% is refused', TG_OP,
            TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'a maintenance transaction runs SET LOCAL ledger.maintenance = on first';
    END IF;
    RETURN NULL;
END
$guard$;
CREATE OR REPLACE TRIGGER ledger_log_is_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON public.ledger_events
    FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_log_is_append_only();
ALTER TABLE public.ledger_events ENABLE ALWAYS TRIGGER ledger_log_is_append_only;
"""
# A statement trigger, never a row trigger and never on INSERT: appending costs nothing more.
# ENABLE ALWAYS: it fires under session_replication_role = replica too.


class ServerTooOldError(RuntimeError):
    """The server lacks the MAINTAIN privilege the service roles need (PostgreSQL < 17)."""


def role_name(service: str) -> str:
    if service not in SERVICES:
        raise ValueError(f"no database role for {service!r}; one of {', '.join(SERVICES)}")
    return f"ledger_{service}"


def role_url(owner_url: str, service: str, password: str | None = None) -> str:
    """``owner_url`` with the service's role as the user (and its password, if given)."""
    params = conninfo_to_dict(owner_url)
    params["user"] = role_name(service)
    params.pop("password", None)
    if password:
        params["password"] = password
    return make_conninfo("", **params)


def configured_passwords(config: Config | None = None) -> dict[str, str]:
    """The roles' passwords (``LEDGER_<SERVICE>_DB_PASSWORD``, a deployment's secrets);
    embedded: none."""
    return dict((config or current()).role_passwords)


def migrate(owner_url: str, passwords: dict[str, str] | None = None) -> None:
    """Make the roles, the events table and its guard, the schemas and the grants; idempotent."""
    from ledger.bootstrap import open_ledger
    from ledger.proof.sealer import create_proof_tables

    with psycopg.connect(owner_url, autocommit=True) as conn:
        version = conn.info.server_version
        if version < MIN_SERVER:
            raise ServerTooOldError(
                f"PostgreSQL {version // 10000} cannot give the services an insert-only log; "
                "the ledger's database roles need PostgreSQL 17 or later")
        with schema_lock(conn):
            _make_roles(conn, passwords or {})
            _make_schemas(conn)
    open_ledger(owner_url, pool_size=1, personal_data=False).close()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        create_proof_tables(conn)
        with schema_lock(conn):
            conn.execute(GUARD)
            _hand_over(conn)
            _grant(conn)


def _make_roles(conn: psycopg.Connection[Any], passwords: dict[str, str]) -> None:
    for service in SERVICES:
        role = role_name(service)
        conn.execute(sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN "
            "CREATE ROLE {role} LOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ).format(name=sql.Literal(role), role=sql.Identifier(role)))
        if service in passwords:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(passwords[service])))


def _make_schemas(conn: psycopg.Connection[Any]) -> None:
    database = sql.Identifier(str(conn.info.dbname))
    for service, schema in OWNED_SCHEMAS.items():
        role, name = sql.Identifier(role_name(service)), sql.Identifier(schema)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(name, role))
        conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(name, role))
        # CREATE SCHEMA IF NOT EXISTS, which each runs at start, checks this right first.
        conn.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(database, role))
    api = sql.Identifier(role_name(API))
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(api))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(_roles(SERVICES)))


def _hand_over(conn: psycopg.Connection[Any]) -> None:
    """Each service owns the tables it creates (it alters them when it starts)."""
    owned: list[tuple[str, str, str]] = [(API, "public", t) for t in API_TABLES]
    for service, schema in OWNED_SCHEMAS.items():
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                            (schema,)).fetchall()
        owned += [(service, schema, str(table)) for (table,) in rows]
    for service, schema, table in owned:
        if conn.execute("SELECT to_regclass(%s)", (f"{schema}.{table}",)).fetchone() == (None,):
            continue
        conn.execute(sql.SQL("ALTER TABLE {}.{} OWNER TO {}").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(role_name(service))))


def _grant(conn: psycopg.Connection[Any]) -> None:
    events = sql.Identifier("public", EVENTS)
    everyone, writers = _roles(SERVICES), _roles((API, DISPATCHER))
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(events, everyone))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(events, everyone))
    conn.execute(sql.SQL("GRANT INSERT, MAINTAIN ON {} TO {}").format(events, writers))
    sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'notification_id')",
                            (f"public.{EVENTS}",)).fetchone()
    if sequence and sequence[0]:
        conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
            sql.SQL(sequence[0]), writers))
    snapshots = sql.Identifier("public", SNAPSHOTS)
    if conn.execute("SELECT to_regclass(%s)", (f"public.{SNAPSHOTS}",)).fetchone() != (None,):
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(snapshots, everyone))
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(snapshots, everyone))
        conn.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(snapshots, writers))
    readers = {"views": (API, DISPATCHER), "proofs": (API,), "workflows": (API,)}
    for schema, services in readers.items():
        owner = next(s for s, name in OWNED_SCHEMAS.items() if name == schema)
        name, who = sql.Identifier(schema), _roles(services)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(name, who))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(name, who))
        # Tables made later (a view rebuilt in a scratch schema and moved in, say) too.
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT SELECT ON TABLES TO {}")
                     .format(sql.Identifier(role_name(owner)), who))
    conn.execute(sql.SQL("GRANT INSERT, UPDATE ON proofs.cosignatures TO {}").format(
        _roles((API,))))


def _roles(services: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(role_name(s)) for s in services)


def maintenance(conn: psycopg.Connection[Any]) -> None:
    """Allow UPDATE, DELETE and TRUNCATE of the log until the current transaction ends (the
    owner's repair, or a test that rewrites the log to show it is caught)."""
    conn.execute("SELECT set_config(%s, 'on', true)", (MAINTENANCE,))
