"""`/healthz`: whether the database, the channel layer and the search backend answer."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from search.backends import get_backend

CHECK_TIMEOUT_SECONDS = 3.0


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close_if_unusable_or_obsolete()


def _check_search() -> None:
    get_backend().ping()


def _index_lag() -> dict[str, Any]:
    """Queued index changes and the age of the oldest: how far search is behind."""
    from search.indexing import lag

    try:
        return lag()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


class _Probe:
    """The channel this process probes the layer with, one per event loop and reused. On the
    Redis Pub/Sub layer a channel stays subscribed (in Redis and in the process) until a
    receive on it is cancelled, so a new channel per check would leak one subscription per
    health check; a failed check drops the channel and the next one starts afresh."""

    def __init__(self) -> None:
        self.channel: str | None = None
        self.lock = asyncio.Lock()


_probes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Probe] = weakref.WeakKeyDictionary()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    probe = _probes.setdefault(asyncio.get_running_loop(), _Probe())
    async with probe.lock:
        try:
            if probe.channel is None:
                probe.channel = await layer.new_channel("health.")
            await layer.send(probe.channel, {"type": "health.probe"})
            message = await layer.receive(probe.channel)
        except BaseException:
            probe.channel = None
            raise
    if message.get("type") != "health.probe":
        raise RuntimeError("channel layer returned a different message")


async def _run(check: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


async def healthz(request: HttpRequest) -> JsonResponse:
    layer_backend = str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]
    db = await _run(sync_to_async(_check_database, thread_sensitive=True))
    layer = await _run(_check_channel_layer)
    search = await _run(sync_to_async(_check_search, thread_sensitive=True))
    search["index_lag"] = await sync_to_async(_index_lag, thread_sensitive=True)()
    body = {
        "status": "ok" if db["ok"] and layer["ok"] and search["ok"] else "unavailable",
        "database": {"backend": connection.vendor, **db},
        "channel_layer": {"backend": layer_backend, **layer},
        "search": {"backend": get_backend().name, **search},
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
