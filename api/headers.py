"""Security headers on every response.

Pages are server-rendered and work without JavaScript, with no inline script or style, so the
content security policy allows only this origin's own files, and no page may be framed (no
clickjacking), re-based or posted elsewhere. FastAPI's interactive docs load Swagger UI and
ReDoc from a CDN with an inline script, so they are only kept out of frames.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware

CONTENT_SECURITY_POLICY = ("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                           "form-action 'self'; object-src 'none'")
DOCS_POLICY = "frame-ancestors 'none'"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware adding the headers to each HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, docs: tuple[str, ...] = ()) -> None:
        super().__init__(app)
        self.docs = docs

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = DOCS_POLICY if scope["path"] in self.docs else CONTENT_SECURITY_POLICY
        wanted = HEADERS | {"content-security-policy": policy}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name.encode(), value.encode()) for name, value in wanted.items()
                            if name.encode() not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
