"""How a request proves who it is: the Django session (browsers, CSRF-checked) or a personal
API token sent as ``Authorization: Bearer <token>`` (clients). Also: token minting and hashing,
and the failed-login throttle."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth
from redis.exceptions import RedisError

from people.models import ApiToken, Employee

TOKEN_PREFIX = "wilma_"


class AuthedRequest(HttpRequest):
    """The request an authenticated endpoint receives: `auth` is the signed-in employee."""

    auth: Employee
    user: Employee


def token_digest(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast unsalted hash is safe (as GitHub does).
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token() -> tuple[str, str]:
    """A new secret token and its public prefix (shown in lists to tell tokens apart)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[: len(TOKEN_PREFIX) + 6]


def employee_for_token(token: str) -> Employee | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    # The digest is unique: no ordering (`.first()` would sort by the model's ordering).
    rows = list(
        ApiToken.objects.select_related("employee__department")
        .filter(digest=token_digest(token))
        .order_by()[:1]
    )
    row = rows[0] if rows else None
    if row is None or not row.employee.is_active:
        return None
    now = timezone.now()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    # Record use at most once a minute, so a busy client does not write on every request.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.employee


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Employee | None:
        employee = employee_for_token(token)
        if employee is not None:
            request.user = employee
        return employee


class ActiveSessionAuth(SessionAuth):
    """Session auth that also refuses a session whose employee has since been deactivated."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth()]


# --- Failed-login throttle ----------------------------------------------------------------

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Counts failures while the shared cache is down (see _fallback_on_outage).
_local_cache = LocMemCache("wilma-login-throttle", {})


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind the reverse proxy, REMOTE_ADDR is set by it (see docs)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _throttle_keys(username: str, address: str) -> list[tuple[str, int]]:
    conf = settings.WILMA
    user_key = "login-fail:user:" + hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    addr_key = "login-fail:addr:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    return [
        (user_key, int(conf["LOGIN_FAILURE_LIMIT"])),
        (addr_key, int(conf["LOGIN_FAILURE_LIMIT_PER_ADDRESS"])),
    ]


def _fallback_on_outage(operation: Callable[..., T], *args: Any) -> T:
    """Run `operation` on the shared cache (Redis); while that is unreachable, on a cache of
    this process: logins keep working during a Redis outage and are still throttled, per
    process instead of across all of them."""
    try:
        return operation(cache, *args)
    except RedisError as error:
        logger.warning("login throttle: shared cache unavailable (%s); counting per process", error)
        return operation(_local_cache, *args)


def _failures(store: BaseCache, key: str) -> int:
    return int(store.get(key, 0))


def _forget(store: BaseCache, key: str) -> None:
    store.delete(key)


def login_retry_after(username: str, address: str) -> int | None:
    """Seconds to wait if this account or address has failed too often, else None."""
    for key, limit in _throttle_keys(username, address):
        if _fallback_on_outage(_failures, key) >= limit:
            return int(settings.WILMA["LOGIN_FAILURE_WINDOW_SECONDS"])
    return None


def record_login_failure(username: str, address: str) -> None:
    window = int(settings.WILMA["LOGIN_FAILURE_WINDOW_SECONDS"])

    def count(store: BaseCache, key: str) -> None:
        if store.add(key, 1, timeout=window):
            return
        try:
            store.incr(key)
        except ValueError:  # expired between add and incr
            store.set(key, 1, timeout=window)

    for key, _limit in _throttle_keys(username, address):
        _fallback_on_outage(count, key)


def clear_login_failures(username: str, address: str) -> None:
    key = _throttle_keys(username, address)[0][0]
    _fallback_on_outage(_forget, key)
