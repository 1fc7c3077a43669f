"""Dependencies of the routes: the services, the caller's account, role checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from api.auth import Account, TokenStore
from api.idempotency import IdempotencyStore
from ledger.application import Ledger
from ledger.events import Role


@dataclass
class Services:
    """Everything the HTTP layer uses, wired once (see ``api.server``)."""

    ledger: Ledger
    tokens: TokenStore
    idempotency: IdempotencyStore
    database_url: str | None = None
    temporal_ui: str = "http://localhost:8233"
    extra: dict[str, Any] = field(default_factory=dict)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def ledger(request: Request) -> Ledger:
    return services(request).ledger


LedgerDep = Annotated[Ledger, Depends(ledger)]


def optional_account(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Account | None:
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    token = token or request.cookies.get("ledger_token")
    if not token:
        return None
    return services(request).tokens.lookup(token)


def require(*roles: Role) -> Callable[..., Account]:
    """A dependency that admits only the given roles (administrators are never implied)."""

    def check(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
        if account is None:
            raise HTTPException(401, detail="a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if account.role not in roles:
            raise HTTPException(403, detail=f"role {account.role.value} may not use this")
        return account

    check.allowed_roles = roles  # type: ignore[attr-defined]
    return check
