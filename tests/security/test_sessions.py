"""Tokens expire and can be rotated; the pages keep a short-lived server-side session, not the
token, in their cookie; signing in and out checks CSRF.

Each test performs an attack that succeeded before sessions: a token worked for ever and could
not be replaced; the pages' cookie was the API token itself (a copied cookie was a bearer token
for the whole API, valid after signing out and for 8 hours of idleness); the sign-in form took
a token posted from any site and signing out checked nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from typer.testing import CliRunner

from api.auth import Account, PostgresTokenStore
from api.cli.accounts import app as accounts_cli
from ledger.events import Role
from tests.support.api import Api, csrf, log_in, sign_in
from tests.support.world import FakeClock


def test_a_token_stops_working_after_ninety_days_and_an_old_token_ninety_days_after_it_was_made(
    api: Api,
) -> None:
    assert api.services.database_url is not None
    now = FakeClock(datetime.now(UTC))
    tokens = PostgresTokenStore(api.services.database_url, clock=now)
    token = tokens.create(Account("reviewer-lin", Role.PLATFORM_REVIEWER, None, "林"))
    assert tokens.lookup(token) is not None

    now.advance(days=90, seconds=1)
    assert tokens.lookup(token) is None
    # the API uses the real clock: the same token, made to look as old, is refused there
    with psycopg.connect(api.services.database_url, autocommit=True) as conn:
        conn.execute("UPDATE api_tokens SET created_at = created_at - interval '91 days', "
                     "expires_at = NULL WHERE account_id = 'reviewer-lin'")
    refused = api.client.get("/api/v1/deadlines", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


def test_an_operator_rotates_a_leaked_token_and_the_old_one_stops_working(
    api: Api, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert api.services.database_url is not None
    monkeypatch.setenv("LEDGER_DATABASE_URL", api.services.database_url)
    leaked = api.tokens[Role.OPERATOR]
    runner = CliRunner()

    before = datetime.now(UTC)
    rotated = runner.invoke(accounts_cli, ["rotate", f"test-{Role.OPERATOR.value}"])
    assert rotated.exit_code == 0, rotated.output
    fresh = rotated.output.strip()

    def deadlines(token: str) -> int:
        return api.client.get("/api/v1/deadlines",
                              headers={"Authorization": f"Bearer {token}"}).status_code
    assert (deadlines(leaked), deadlines(fresh)) == (401, 200)
    listed = runner.invoke(accounts_cli, ["list"]).output
    line = next(row for row in listed.splitlines() if row.startswith("test-operator")
                and "active" in row)
    # issued between ``before`` and now, which may lie on either side of a midnight
    expiries = {(moment + timedelta(days=90)).strftime("%Y-%m-%d")
                for moment in (before, datetime.now(UTC))}
    assert any(f"expires {expires}" in line for expires in expiries)


def test_the_page_cookie_holds_a_session_id_that_is_no_bearer_token(
    api: Api, monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed_in = log_in(api, api.tokens[Role.OPERATOR])
    cookie = signed_in.headers["set-cookie"]
    session = api.client.cookies["ledger_session"]

    assert api.tokens[Role.OPERATOR] not in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()  # the dev stack serves http://localhost
    copied = api.client.get("/api/v1/deadlines", headers={"Authorization": f"Bearer {session}"})
    assert copied.status_code == 401

    # over HTTPS the cookies are Secure; behind a proxy that ends TLS, the setting says so
    api.client.cookies.clear()
    form = api.client.get("https://testserver/login")
    over_https = api.client.post("https://testserver/login", follow_redirects=False, data={
        "token": api.tokens[Role.OPERATOR], "csrf": csrf(form.text)})
    assert "secure" in over_https.headers["set-cookie"].lower()
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", "1")
    assert "secure" in api.client.get("/login").headers["set-cookie"].lower()


def test_a_copied_session_cookie_is_worthless_after_signing_out(api: Api) -> None:
    sign_in(api, Role.OPERATOR)
    session = api.client.cookies["ledger_session"]
    board = api.client.get("/deadlines")
    assert board.status_code == 200

    out = api.client.post("/logout", data={"csrf": csrf(board.text)}, follow_redirects=False)
    assert out.status_code == 303
    api.client.cookies.set("ledger_session", session)
    assert api.client.get("/deadlines").status_code == 401


def test_a_session_left_idle_for_half_an_hour_ends(api: Api, clock: FakeClock) -> None:
    sign_in(api, Role.OPERATOR)
    clock.advance(minutes=29)
    assert api.client.get("/deadlines").status_code == 200
    clock.advance(minutes=29)
    assert api.client.get("/deadlines").status_code == 200  # each request keeps it alive

    clock.advance(minutes=31)
    assert api.client.get("/deadlines").status_code == 401


def test_a_sign_in_posted_from_another_site_opens_no_session(api: Api) -> None:
    # the other site knows a token (its own, say) but neither the pre-session cookie nor its
    # form value: the victim would be signed in as the attacker
    forged = api.client.post("/login", data={"token": api.tokens[Role.OPERATOR]},
                             follow_redirects=False)
    assert forged.status_code == 403
    assert "ledger_session" not in forged.cookies
    guessed = api.client.post("/login", data={"token": api.tokens[Role.OPERATOR],
                                              "csrf": "0" * 32}, follow_redirects=False)
    assert guessed.status_code == 403


def test_a_sign_out_without_the_forms_csrf_value_keeps_the_session(api: Api) -> None:
    sign_in(api, Role.OPERATOR)
    forged = api.client.post("/logout", data={}, follow_redirects=False)
    assert forged.status_code == 403
    assert api.client.get("/deadlines").status_code == 200


def test_a_session_id_planted_before_sign_in_is_replaced(api: Api) -> None:
    sign_in(api, Role.AUDITOR)
    planted = api.client.cookies["ledger_session"]
    assert log_in(api, api.tokens[Role.OPERATOR]).status_code == 303

    assert api.client.cookies["ledger_session"] != planted
    api.client.cookies.set("ledger_session", planted)
    assert api.client.get("/audit").status_code == 401
