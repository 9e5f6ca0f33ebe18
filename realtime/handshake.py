"""The websocket handshake: origin check and authentication, as ASGI middleware.

Origin: the server's own origin (the Origin header names the scheme, host and port the request
came to) is accepted; other origins only when listed as full origins in
``WILMA_WEBSOCKET_ALLOWED_ORIGINS``. Channels' ``AllowedHostsOriginValidator`` compares host
names only (not scheme or port), which is why we check here. A request without an Origin header
comes from a non-browser client, which cannot be steered by a foreign page, and is let through
to authentication.

Authentication: ``Authorization: Bearer <token>`` (personal API token, never in the query
string, which ends up in logs), else the Django session cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings

from people.auth import employee_for_token

Scope = dict[str, Any]

DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin1"))
    return None


def normalize_origin(origin: str) -> str | None:
    """`scheme://host:port` with the default port made explicit, or None if malformed."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return f"{parts.scheme}://{parts.hostname}:{port}"


def own_origin(scope: Scope) -> str | None:
    """The origin of the server as the client addressed it (Host header + connection scheme)."""
    host = _header(scope, b"host")
    if not host:
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return normalize_origin(f"{scheme}://{host}")


def origin_allowed(scope: Scope) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    normalized = normalize_origin(origin)
    if normalized is None:
        return False
    allowed = {normalize_origin(o) for o in settings.WEBSOCKET_ALLOWED_ORIGINS}
    return normalized == own_origin(scope) or normalized in allowed


class OriginCheck:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


class BearerTokenAuth:
    """Puts the token's employee into the scope; without a token the session decides."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_stack = AuthMiddlewareStack(inner)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        authorization = _header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            employee = await database_sync_to_async(employee_for_token)(token.strip())
            if employee is None:
                from django.contrib.auth.models import AnonymousUser

                return await self.inner({**scope, "user": AnonymousUser()}, receive, send)
            return await self.inner({**scope, "user": employee}, receive, send)
        return await self.session_stack(scope, receive, send)


def websocket_stack(app: Any) -> Any:
    return OriginCheck(BearerTokenAuth(app))
