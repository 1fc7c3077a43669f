"""The database protects the log: each service connects as a role of its own, which may append
events but never update, delete or truncate them, and a trigger refuses even the owner unless a
maintenance transaction switches it off first.

Every service below does its ordinary work under its role on a migrated database (the way
``credit-ledger dev`` and compose run them), so a missing grant fails here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from api.sessions import PostgresSessionStore
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.commands import CorrectRecord
from ledger.events import Role
from ledger.proof.sealer import Sealer
from ledger.proof.tiles import latest_checkpoint
from ledger.store.follow import LogTable
from ledger.store.roles import API, DISPATCHER, FOLLOWERS, SEALER, maintenance, migrate, role_url
from projections.follower import Follower
from projections.log import log_table_of
from projections.registry import all_views
from tests.support.world import DEPT, FakeClock, filing, register_world
from workflows.horizons import Change, PostgresHorizons
from workflows.positions import PostgresPositions

KEY = Ed25519PrivateKey.generate()
REWRITES = {
    "update": "UPDATE ledger_events SET topic = topic",
    "delete": "DELETE FROM ledger_events WHERE originator_version = 1",
    "truncate": "TRUNCATE ledger_events",
}


@dataclass
class Deployment:
    owner: str
    api: str
    followers: str
    sealer: str
    dispatcher: str


@pytest.fixture
def deployed(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    """A migrated database: the owner's URL and one URL per service role."""
    monkeypatch.setenv("LEDGER_MASTER_KEY", base64.b64encode(b"m" * 32).decode())
    migrate(pg_url)
    migrate(pg_url)  # the migration runs at every start: a second run changes nothing
    return Deployment(pg_url, *(role_url(pg_url, s) for s in (API, FOLLOWERS, SEALER,
                                                              DISPATCHER)))


@pytest.fixture
def api_ledger(deployed: Deployment, clock: FakeClock) -> Iterator[Ledger]:
    """The API's ledger, on the API's role, with the province's bodies and people."""
    ledger = open_ledger(deployed.api, clock=clock)
    register_world(ledger)
    yield ledger
    ledger.close()


def user_of(url: str) -> str:
    return str(conninfo_to_dict(url)["user"])


def count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_events").fetchone()
    assert row is not None
    return int(row[0])


def test_each_service_connects_as_its_own_role(deployed: Deployment) -> None:
    users = {user_of(u) for u in (deployed.api, deployed.followers, deployed.sealer,
                                  deployed.dispatcher)}
    assert users == {"ledger_api", "ledger_followers", "ledger_sealer", "ledger_dispatcher"}
    for url in (deployed.api, deployed.sealer):
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert row.fetchone() == (False,)


@pytest.mark.parametrize("service", [API, FOLLOWERS, SEALER, DISPATCHER])
@pytest.mark.parametrize("rewrite", sorted(REWRITES))
def test_no_service_role_may_rewrite_the_log(
    api_ledger: Ledger, deployed: Deployment, service: str, rewrite: str
) -> None:
    before = count(deployed.owner)
    with psycopg.connect(getattr(deployed, service)) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="permission denied for table"):
        maintenance(conn)  # the setting does not help a role without the privilege
        conn.execute(REWRITES[rewrite])
    assert count(deployed.owner) == before > 0


@pytest.mark.parametrize("rewrite", sorted(REWRITES))
def test_the_owner_is_refused_by_the_trigger_without_the_maintenance_setting(
    api_ledger: Ledger, deployed: Deployment, rewrite: str
) -> None:
    before = count(deployed.owner)
    with psycopg.connect(deployed.owner) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="the log is append-only"):
        conn.execute(REWRITES[rewrite])
    with psycopg.connect(deployed.owner) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("SET session_replication_role = replica")  # no way round the trigger
        conn.execute(REWRITES[rewrite])
    assert count(deployed.owner) == before


def test_a_maintenance_transaction_of_the_owner_may_rewrite_and_the_setting_ends_with_it(
    api_ledger: Ledger, deployed: Deployment
) -> None:
    before = count(deployed.owner)
    with psycopg.connect(deployed.owner) as conn:
        maintenance(conn)
        conn.execute("DELETE FROM ledger_events WHERE notification_id = "
                     "(SELECT max(notification_id) FROM ledger_events)")
        conn.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the next transaction
            conn.execute("UPDATE ledger_events SET topic = topic")
    assert count(deployed.owner) == before - 1


def test_the_api_appends_events_and_keeps_its_own_tables(
    api_ledger: Ledger, deployed: Deployment, clock: FakeClock
) -> None:
    before = count(deployed.owner)
    api_ledger.file_record(filing(1), DEPT)
    assert count(deployed.owner) > before

    tokens = PostgresTokenStore(deployed.api, clock)
    token = tokens.create(Account("auditor-1", Role.AUDITOR, None, "an auditor"))
    assert tokens.lookup(token) is not None
    assert PostgresIdempotencyStore(deployed.api).claim("scope", "key-1", "hash") is None
    assert PostgresSessionStore(deployed.api, clock).open("token-hash")


def test_the_followers_build_every_view_and_the_api_reads_them(
    api_ledger: Ledger, deployed: Deployment
) -> None:
    api_ledger.file_record(filing(1), DEPT)
    followers_ledger = open_ledger(deployed.followers, personal_data=False)
    log = log_table_of(followers_ledger)
    followers = [Follower(deployed.followers, view, log) for view in all_views()]
    for follower in followers:
        follower.catch_up()
        assert follower.failure is None, follower.failure
        follower.close()
    followers_ledger.close()
    with psycopg.connect(deployed.api) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'views'")
        for (table,) in tables.fetchall():
            conn.execute(sql.SQL("SELECT count(*) FROM views.{}").format(sql.Identifier(table)))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM views.positions")


def test_a_visitor_and_an_operator_read_the_pages_the_api_serves_under_its_own_role(
    api_ledger: Ledger, deployed: Deployment,
) -> None:
    api_ledger.file_record(filing(1), DEPT)
    followers_ledger = open_ledger(deployed.followers, personal_data=False)
    for view in all_views():
        follower = Follower(deployed.followers, view, log_table_of(followers_ledger))
        follower.catch_up()
        follower.close()
    followers_ledger.close()
    tokens = PostgresTokenStore(deployed.api)
    operator = tokens.create(Account("op", Role.OPERATOR, None, "op"))
    services = Services(api_ledger, tokens, PostgresIdempotencyStore(deployed.api),
                        database_url=deployed.api)

    with TestClient(create_app(services)) as client:
        search = client.get("/", params={"q": "鼓楼区", "category": "", "severity": ""})
        board = client.get("/api/v1/deadlines", headers={"Authorization": f"Bearer {operator}"})

    assert search.status_code == 200 and "闽纪〔2026〕1号" in search.text
    assert board.status_code == 200 and [d["kind"] for d in board.json()] == ["explanation"]


def test_the_sealer_seals_and_signs_and_the_api_serves_and_collects_cosignatures(
    api_ledger: Ledger, deployed: Deployment, clock: FakeClock
) -> None:
    api_ledger.file_record(filing(1), DEPT)
    sealer = Sealer(deployed.sealer, LogTable.of(api_ledger), key=KEY, clock=clock)
    sealer.seal_pending()
    sealer.issue_head()
    sealer.close()
    with psycopg.connect(deployed.api) as conn:
        found = latest_checkpoint(conn, sealer.public_key)
        assert found is not None and found.checkpoint.size == count(deployed.owner)
        conn.execute("INSERT INTO proofs.cosignatures (origin, size, root, name, key_id, "
                     "signature) VALUES ('o', 1, '\\x00', 'w', '\\x00', '\\x00')")
    with psycopg.connect(deployed.api) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM proofs.tree_heads")


def test_the_deadline_engine_appends_events_and_keeps_its_own_tables(
    api_ledger: Ledger, deployed: Deployment, clock: FakeClock
) -> None:
    engine = open_ledger(deployed.dispatcher, clock=clock, personal_data=False)
    rid = engine.file_record(filing(2), DEPT).record_id
    engine.close()
    positions = PostgresPositions(deployed.dispatcher)
    positions.set("dispatcher", 7)
    assert positions.get("dispatcher") == 7
    horizons = PostgresHorizons(deployed.dispatcher)
    horizons.apply([Change(rid, "expiry", date(2029, 4, 20))])
    assert [h.record_id for h in horizons.ended_before(date(2030, 1, 1), 10)] == [rid]


def corrected(ledger: Ledger, clock: FakeClock, number: int, times: int) -> UUID:
    rid = ledger.file_record(filing(number), DEPT).record_id
    for n in range(times):
        clock.advance(hours=1)
        ledger.correct_record(CorrectRecord(record_id=rid, changes={"facts": f"更正{n}"},
                                            reasons="核实后更正"), DEPT)
    return rid


def snapshot_versions(owner: str) -> list[int]:
    with psycopg.connect(owner) as conn:
        return [int(v) for (v,) in conn.execute(
            "SELECT originator_version FROM ledger_snapshots ORDER BY 1")]


def test_the_api_and_the_engine_snapshot_long_records_which_no_service_may_rewrite(
    deployed: Deployment, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_SNAPSHOT_INTERVAL", "2")
    api = open_ledger(deployed.api, clock=clock)
    register_world(api)
    rid = corrected(api, clock, 1, 3)
    engine = open_ledger(deployed.dispatcher, clock=clock, personal_data=False)
    engine.correct_record(CorrectRecord(record_id=rid, changes={"facts": "再次更正"},
                                        reasons="核实后更正"), DEPT)
    version = engine.record(rid).version
    engine.close()
    api.close()
    taken = snapshot_versions(deployed.owner)
    assert taken and max(taken) == version - version % 2

    for url in (deployed.api, deployed.followers, deployed.sealer, deployed.dispatcher):
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM ledger_snapshots").fetchone() == (
                len(taken),)
        for rewrite in ("UPDATE ledger_snapshots SET state = state",
                        "DELETE FROM ledger_snapshots", "TRUNCATE ledger_snapshots"):
            with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(rewrite)


def test_a_database_migrated_before_snapshots_gets_their_table_at_the_next_migration(
    deployed: Deployment, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_SNAPSHOT_INTERVAL", "2")
    with psycopg.connect(deployed.owner, autocommit=True) as conn:
        conn.execute("DROP TABLE ledger_snapshots")
    api = open_ledger(deployed.api, clock=clock)  # replays in full until migrated
    register_world(api)
    rid = corrected(api, clock, 1, 3)
    assert api.snapshots is None and api.record(rid).corrections == 3
    api.close()

    migrate(deployed.owner)
    api = open_ledger(deployed.api, clock=clock)
    corrected(api, clock, 2, 3)
    assert api.record(rid).corrections == 3
    api.close()
    assert snapshot_versions(deployed.owner)
