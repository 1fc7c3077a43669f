"""Dependencies of the routes: the services, the caller's account, role checks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import psycopg
from fastapi import Depends, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from psycopg import sql
from psycopg_pool import ConnectionPool

from api.auth import Account, TokenStore
from api.sessions import (
    COOKIE,
    MemorySessionStore,
    PostgresSessionStore,
    SessionStore,
    idle_timeout,
)
from ledger import access
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.commands import Command
from ledger.config import Config
from ledger.errors import ValidationError
from ledger.events import Role
from projections.positions import install as install_view
from projections.registry import all_views
from projections.view import VIEWS_SCHEMA, View

if TYPE_CHECKING:  # api.idempotency runs commands with these services: its types only
    from api.idempotency import IdempotencyStore


@dataclass
class Services:
    """Everything the HTTP layer uses, wired once (see ``api.server``)."""

    ledger: Ledger
    tokens: TokenStore
    idempotency: IdempotencyStore
    database_url: str | None = None
    temporal_ui: str = "http://localhost:8233"
    temporal_namespace: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)
    session_store: SessionStore | None = None
    config: Config | None = None  # the server's settings; None: the environment as it is now
    _views_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.session_store is None:
            clock = self.ledger.clock
            idle = idle_timeout(self.config)
            self.session_store = (PostgresSessionStore(self.database_url, clock, idle)
                                  if self.database_url else MemorySessionStore(clock, idle))

    @property
    def sessions(self) -> SessionStore:
        """The pages' sign-in sessions (on the database when there is one)."""
        assert self.session_store is not None
        return self.session_store

    @contextmanager
    def views(self, timeout: float = 30.0) -> Iterator[psycopg.Connection[Any]]:
        """A connection for the read models (a small pool, opened on first use)."""
        if self.database_url is None:
            raise ValidationError("the views need the PostgreSQL database", field="database")
        pool = self.extra.get("views_pool") or self._open_views(self.database_url, timeout)
        with pool.connection(timeout=timeout) as conn:
            yield conn

    def _open_views(self, url: str, timeout: float) -> ConnectionPool[Any]:
        with self._views_lock:
            pool = self.extra.get("views_pool")
            if pool is None:
                pool = ConnectionPool(url, min_size=1, max_size=8, open=True,
                                      kwargs={"autocommit": True})
                # The followers may not have run yet: empty views answer, missing ones would
                # fail. Other requests wait for the tables: the pool is shared only then.
                with pool.connection(timeout=timeout) as conn:
                    for view in _missing_views(conn):
                        install_view(conn, view)
                self.extra["views_pool"] = pool
            return pool

    def today(self) -> date:
        return business_date(self.ledger.clock())


def _missing_views(conn: psycopg.Connection[Any]) -> list[View]:
    """The views whose tables nobody made yet. The API's own database role may read the views
    but not create them (the followers' role does), so it installs only what is missing, which
    on a deployed database is nothing."""
    try:
        found = {row[0] for row in conn.execute(sql.SQL("SELECT view FROM {}.positions").format(
            sql.Identifier(VIEWS_SCHEMA)))}
    except psycopg.errors.UndefinedTable:
        found = set()
    return [view for view in all_views() if view.name not in found]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def ledger(request: Request) -> Ledger:
    return services(request).ledger


LedgerDep = Annotated[Ledger, Depends(ledger)]

Region = Annotated[str | None, Query(pattern=r"^\d{6}$",
                                     description="this region and those below it")]
"""A list's region filter: a six-digit region code."""


def optional_account(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Account | None:
    """The account of a bearer token or, for the pages, of the session in the cookie."""
    if hasattr(request.state, "account"):  # looked up already by ``TokenFirstRoute``
        known: Account | None = request.state.account
        return known
    found = services(request)
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        return found.tokens.lookup(token) if token else None
    session = request.cookies.get(COOKIE)
    token_hash = found.sessions.token_hash(session) if session else None
    return None if token_hash is None else found.tokens.lookup_hash(token_hash)


def require(*roles: Role) -> Callable[..., Account]:
    """A dependency that admits only the given roles: a group or a command's roles from
    ``ledger.access`` (administrators are never implied, as there)."""

    def check(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
        if account is None:
            raise _token_required()
        if account.role not in roles:
            raise HTTPException(403, detail=f"role {account.role.value} may not use this")
        return account

    check.allowed_roles = roles  # type: ignore[attr-defined]
    return check


def require_command(command: type[Command]) -> Callable[..., Account]:
    """A dependency that admits the roles ``ledger.access`` gives ``command``."""
    return require(*access.roles(command))


def gives(command: type[Command]) -> Any:
    """``Depends`` on the roles that may give ``command`` (``Annotated[Account, gives(X)]``)."""
    return Depends(require_command(command))


def _token_required() -> HTTPException:
    return HTTPException(401, detail="a bearer token is required",
                         headers={"WWW-Authenticate": "Bearer"})


def _needs_account(dependant: Dependant) -> bool:
    return any(hasattr(d.call, "allowed_roles") or _needs_account(d)
               for d in dependant.dependencies)


class TokenFirstRoute(APIRoute):
    """A route behind ``require`` checks the caller's token before it reads the body.

    FastAPI reads and decodes a JSON body before it runs a route's dependencies, so without this
    a caller with no valid token had its body parsed, and a malformed one was answered 422
    instead of 401."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _needs_account(self.dependant):
            return handler

        async def token_first(request: Request) -> Response:
            request.state.account = await run_in_threadpool(
                optional_account, request, request.headers.get("authorization"))
            if request.state.account is None:
                raise _token_required()
            return await handler(request)

        return token_first
