"""Signing in and out of the pages: a token typed once opens a session kept on the server.

The browser's cookie holds only the session's random id (see ``api.sessions``), never the
token. The sign-in form has a CSRF value before there is a session: the sign-in page sets a
random pre-session cookie (HttpOnly, SameSite=Strict, sent only to /login) and the form carries
its HMAC, so a sign-in posted from another site lacks one or the other. Signing in always opens
a new session, closing the one the browser held, so an id planted before sign-in is worth
nothing; signing out checks the form's CSRF value and deletes the session.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Account, hash_token
from api.deps import Services
from api.deps import services as services_of
from api.pages import LANDING, check_csrf
from api.sessions import COOKIE, new_session_id, secure_cookies

LOGIN_COOKIE = "ledger_login"


def _mac(value: str) -> str:
    return hmac.new(b"credit-ledger login", value.encode(), hashlib.sha256).hexdigest()[:32]


def login_form(request: Request) -> tuple[str, str]:
    """The pre-session value (kept if the browser has one) and the form's CSRF value."""
    kept = request.cookies.get(LOGIN_COOKIE) or new_session_id()
    return kept, _mac(kept)


def remember_login_form(request: Request, response: Response, kept: str) -> None:
    response.set_cookie(LOGIN_COOKIE, kept, httponly=True, samesite="strict", path="/login",
                        secure=secure_cookies(request, services_of(request).config))


def check_login_csrf(request: Request, csrf: str) -> None:
    kept = request.cookies.get(LOGIN_COOKIE)
    if not kept or not hmac.compare_digest(csrf, _mac(kept)):
        raise HTTPException(403, detail="the form has expired; reload the page")


def signed_in(request: Request, services: Services, token: str,
              account: Account | None) -> Response:
    """Open a session for a valid token; each role lands on its own page."""
    if account is None:
        return RedirectResponse("/login?failed=1", status_code=303)
    if old := request.cookies.get(COOKIE):
        services.sessions.close(old)
    session = services.sessions.open(hash_token(token))
    response = RedirectResponse(LANDING.get(account.role, "/"), status_code=303)
    response.set_cookie(COOKIE, session, httponly=True, samesite="strict",
                        secure=secure_cookies(request, services.config))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def signed_out(request: Request, services: Services, csrf: str) -> Response:
    """Delete the session named by the cookie (after the form's CSRF check) and the cookie."""
    response = RedirectResponse("/", status_code=303)
    if session := request.cookies.get(COOKIE):
        check_csrf(request, csrf)
        services.sessions.close(session)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict",
                               secure=secure_cookies(request, services.config))
    return response
