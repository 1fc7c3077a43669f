"""Bounded requests: the size of a request body, and how often one address may search.

Bodies are counted as they arrive, before anything parses them. A request without a valid token
may send only a small body (a sign-in form is a few hundred bytes); past that the token is
checked before another byte is read, so an anonymous client cannot make the server read, buffer
or parse a large body. A body declared too large by its ``Content-Length`` is refused before
the application sees the request at all.

The public search and its exports need no token, so each client address draws them from a
token bucket of its own; an empty bucket is answered 429 with ``Retry-After``. Behind a reverse
proxy the address is the proxy's unless uvicorn is told to trust its ``X-Forwarded-For``
(``FORWARDED_ALLOW_IPS``).

FastAPI's own ``max_body_size`` has one limit for everyone and answers in plain text; these
answer in the API's JSON error shape.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.auth import Account
from api.deps import optional_account
from ledger.config import Config

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much a request may send, and how many public searches and exports an address may
    ask for a minute (``0``: not limited). Built from the settings by ``from_config``; the default
    limits bodies but not searches, as tests want."""

    max_body_bytes: int = MIB
    anonymous_body_bytes: int = 16 * 1024
    searches_per_minute: int = 0
    exports_per_minute: int = 0

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        """``LEDGER_MAX_BODY_BYTES`` (1 MiB), ``LEDGER_MAX_ANONYMOUS_BODY_BYTES`` (16 KiB),
        ``LEDGER_PUBLIC_SEARCHES_PER_MINUTE`` (60) and ``LEDGER_PUBLIC_EXPORTS_PER_MINUTE`` (6)."""
        return cls(
            max_body_bytes=config.max_body_bytes,
            anonymous_body_bytes=config.max_anonymous_body_bytes,
            searches_per_minute=config.public_searches_per_minute,
            exports_per_minute=config.public_exports_per_minute,
        )


def _refusal(status: int, error: str, reason: str, **headers: str) -> JSONResponse:
    return JSONResponse(status_code=status, headers=headers,
                        content={"error": error, "field": "body" if status == 413 else None,
                                 "reason": reason})


# -- body size ---------------------------------------------------------------------------------


class _TooLarge(Exception):
    def __init__(self, limit: int, anonymous: bool) -> None:
        super().__init__(limit)
        self.limit = limit
        self.anonymous = anonymous

    def response(self) -> JSONResponse:
        reason = f"the request body is larger than {self.limit:,} bytes"
        if self.anonymous:
            reason += "; a request without a valid token may send no more"
        return _refusal(413, "ContentTooLarge", reason)


def _account(scope: Scope) -> Account | None:
    request = Request(scope)
    return optional_account(request, request.headers.get("authorization"))


class BodyLimit(HttpMiddleware):
    """ASGI middleware refusing bodies over the limits with 413, reading no further."""

    def __init__(self, app: ASGIApp, limits: Limits,
                 account: Callable[[Scope], Account | None] = _account) -> None:
        super().__init__(app)
        self.limits = limits
        self.account = account

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard = _Guard(self, scope, receive, send)
        try:
            declared = _content_length(scope)
            if declared is not None:
                await guard.check(declared)
            await self.app(scope, guard.receive, guard.send)
        except _TooLarge as refused:
            guard.refused = guard.refused or refused
        if guard.refused is not None and not guard.started:
            await guard.refused.response()(scope, receive, send)


class _Guard:
    """One request's count of body bytes, and whether its caller holds a valid token."""

    def __init__(self, limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
        self.limit, self.scope, self._receive, self._send = limit, scope, receive, send
        self.size = 0
        self.signed_in: bool | None = None
        self.refused: _TooLarge | None = None
        self.started = False

    async def check(self, size: int) -> None:
        limits = self.limit.limits
        if size > limits.max_body_bytes:
            raise _TooLarge(limits.max_body_bytes, anonymous=False)
        if size > limits.anonymous_body_bytes:
            if self.signed_in is None:
                account = await asyncio.to_thread(self.limit.account, self.scope)
                self.signed_in = account is not None
            if not self.signed_in:
                raise _TooLarge(limits.anonymous_body_bytes, anonymous=True)

    async def receive(self) -> Message:
        if self.refused is not None:
            raise self.refused
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            try:
                await self.check(self.size)
            except _TooLarge as refused:
                # Whatever the application makes of the failed read (FastAPI answers 400), the
                # answer sent is this refusal.
                self.refused = refused
                raise
        return message

    async def send(self, message: Message) -> None:
        if self.refused is not None:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    text = Headers(scope=scope).get("content-length")
    return int(text) if text is not None and text.isdigit() else None


# -- public search rate ------------------------------------------------------------------------


class TokenBuckets:
    """One token bucket per key, holding a minute's allowance and refilled continuously.

    Buckets are kept for at most ``max_keys`` keys, the least recently seen dropped first (a
    dropped key starts again with a full bucket), so memory stays bounded however many
    addresses ask. Used from the event loop only, so no lock.
    """

    def __init__(self, per_minute: int, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one token; ``0`` if there was one, else the seconds until there is."""
        now = self.clock()
        tokens, then = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


PUBLIC_SEARCHES = ("/", "/api/v1/public/records")


class PublicRateLimit:
    """ASGI middleware: per-address buckets for the public search and for its exports."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.buckets = {
            kind: TokenBuckets(per_minute)
            for kind, per_minute in (("search", limits.searches_per_minute),
                                     ("export", limits.exports_per_minute))
            if per_minute > 0
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _public_kind(scope) if scope["type"] == "http" else None
        buckets = self.buckets.get(kind) if kind else None
        if buckets is not None:
            client = scope.get("client")
            wait = buckets.take(client[0] if client else "unknown")
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                what = "public searches" if kind == "search" else "public exports"
                response = _refusal(429, "TooManyRequests",
                                    f"too many {what} from this address; retry in {seconds} s",
                                    **{"Retry-After": str(seconds)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _public_kind(scope: Scope) -> str | None:
    if scope["method"] not in ("GET", "HEAD") or scope["path"] not in PUBLIC_SEARCHES:
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return "export" if scope["path"] == "/" and query.get("format") else "search"
