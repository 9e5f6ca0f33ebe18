"""The channel layer as this process sees it: sending without ever raising into a request,
one log line per outage instead of a traceback per message, and a watch that closes this
process's websockets cleanly when the layer (Redis) becomes unreachable.

Why close sockets when Redis goes away: a connection that stays open without a channel layer
receives nothing, not even the control messages that revoke access, and the client cannot
tell. Closing with 4503 and a `retry_after` hint makes clients come back when Redis is back,
re-authorize and replay from the event log, which is complete (the relay sends what could not
be published meanwhile).

The watch runs while this process holds websockets on a shared (Redis) layer, and after an
outage until the layer is back: it sends a probe message to a channel of its own every
`WEBSOCKET_LAYER_CHECK_SECONDS` and waits for it to come back. A failed or lost round trip
(3 s), a failed send of any consumer, or an error in the Redis PubSub layer's receive loop
marks the layer unavailable (every socket of the process is closed, new ones are refused with
the same message); the first successful round trip marks it available again. A process
without websockets (the relay) does not watch: its sends simply fail fast until Redis is back.
The in-memory layer lives inside the process and cannot fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from redis.exceptions import RedisError

from realtime.protocol import CLOSE_UNAVAILABLE

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger("realtime")

# What a channel layer raises when Redis is unreachable or too slow. asyncio's TimeoutError
# is the builtin one on Python 3.11.
LAYER_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)

PROBE_TIMEOUT_SECONDS = 3.0


def setting(name: str, default: float) -> float:
    return float(settings.WILMA.get(name, default))


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class OutageLog:
    """One warning line when the layer starts failing, one info line when it works again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failing_since: float | None = None
        self.failures = 0

    def failed(self, doing: str, error: BaseException) -> None:
        with self._lock:
            first = self.failing_since is None
            if first:
                self.failing_since = time.monotonic()
                self.failures = 0
            self.failures += 1
        if first:
            logger.warning(
                "channel layer unavailable (%s) while %s; events stay in the log "
                "for the relay, websockets are closed with 4503",
                describe(error),
                doing,
            )

    def succeeded(self) -> None:
        if self.failing_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            since, failures = self.failing_since, self.failures
            self.failing_since, self.failures = None, 0
        if since is not None:
            logger.info(
                "channel layer reachable again after %.1f s (%d failed operations)",
                time.monotonic() - since,
                failures,
            )


outage_log = OutageLog()


# --- Sending --------------------------------------------------------------------------------


def is_shared(layer: Any) -> bool:
    """Whether the layer reaches other processes (Redis) rather than living in this one."""
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


async def send_to_group(group: str, message: dict[str, Any]) -> bool:
    """`group_send` that never raises: False when the layer is missing or failing."""
    layer = get_channel_layer()
    if layer is None:
        return False
    if not watch.available:
        outage_log.failed(f"sending to {group}", ConnectionError("known to be unavailable"))
        return False
    try:
        await layer.group_send(group, message)
    except LAYER_ERRORS as error:
        outage_log.failed(f"sending to {group}", error)
        watch.report_failure(error)
        return False
    outage_log.succeeded()
    return True


def send_to_group_sync(group: str, message: dict[str, Any]) -> bool:
    """`send_to_group` for synchronous code (services' on-commit hooks). Never raises into
    the request: a write whose event cannot be sent is still a successful write."""
    try:
        return bool(async_to_sync(send_to_group)(group, message))
    except Exception as error:  # noqa: BLE001 - a failed send must not fail the request
        outage_log.failed(f"sending to {group}", error)
        return False


# --- Websockets of this process and the watch -----------------------------------------------


class Closable(Protocol):
    """What the watch needs of a websocket consumer."""

    loop: asyncio.AbstractEventLoop

    async def close_with_reconnect(self, code: int, reason: str, retry_after: float) -> None: ...


class LayerWatch:
    """Tracks this process's websockets and whether the shared channel layer is reachable."""

    def __init__(self) -> None:
        self._available = True
        self.connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._received = 0
        self._arrived: asyncio.Event | None = None
        self._closing: set[asyncio.Task[int]] = set()

    @property
    def available(self) -> bool:
        """Whether the layer is believed reachable. What an earlier event loop (a previous
        test) saw says nothing about this one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._available
        return self._available or (self._loop is not None and self._loop is not loop)

    # Registration --------------------------------------------------------------------------

    def register(self, connection: Closable) -> None:
        self.connections.add(connection)
        if is_shared(get_channel_layer()):
            self._ensure_running()

    def unregister(self, connection: Closable) -> None:
        self.connections.discard(connection)

    def live(self) -> list[Closable]:
        """This loop's open connections (tests run one loop after another)."""
        loop = asyncio.get_running_loop()
        return [c for c in list(self.connections) if getattr(c, "loop", None) is loop]

    # State changes -------------------------------------------------------------------------

    def report_failure(self, error: BaseException) -> None:
        """A consumer, a sender or the layer's own receive loop saw the layer fail: close the
        websockets now instead of waiting for the next probe. Safe to call from any thread."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop = self._loop
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(self._mark_down, error)
            return
        self._mark_down(error)

    def _mark_down(self, error: BaseException) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests run one after another)
            self._loop, self._task, self._available = loop, None, True
        if not self._available or not self.live():
            # Already known; or no websocket here to protect (senders simply keep trying,
            # a refused connection fails fast).
            return
        self._available = False
        outage_log.failed("checking the channel layer", error)
        self._ensure_running()  # until the layer is back, even once every socket is closed
        closing = loop.create_task(
            close_all(
                code=CLOSE_UNAVAILABLE,
                reason="unavailable",
                retry_after=setting("WEBSOCKET_RETRY_AFTER_SECONDS", 5),
            )
        )
        self._closing.add(closing)  # a reference, so the task is not collected midway
        closing.add_done_callback(self._closing.discard)

    def _mark_up(self) -> None:
        if not self._available:
            self._available = True
            outage_log.succeeded()

    # The probe -----------------------------------------------------------------------------

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        if self._loop is not loop:
            self._available = True  # a new event loop (tests run one after another)
        self._loop = loop
        self._task = loop.create_task(self._run(), name="wilma-layer-watch")

    async def _run(self) -> None:
        layer = get_channel_layer()
        interval = setting("WEBSOCKET_LAYER_CHECK_SECONDS", 1)
        channel: str | None = None
        receiver: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        sent = 0
        try:
            # While sockets are open, and after an outage until the layer is back (new
            # connections are refused meanwhile, so there may be none).
            while self.live() or not self._available:
                if channel is None:
                    try:
                        created: str = await asyncio.wait_for(
                            layer.new_channel("wilma.probe."), PROBE_TIMEOUT_SECONDS
                        )
                        receiver = asyncio.get_running_loop().create_task(
                            self._receive(layer, created)
                        )
                        channel = created
                    except LAYER_ERRORS as error:
                        self._mark_down(error)
                if channel is not None:
                    sent += 1
                    ok = await self._round_trip(layer, channel, sent)
                    if ok:
                        self._mark_up()
                await asyncio.sleep(interval)
        finally:
            if receiver is not None:
                receiver.cancel()
                with contextlib.suppress(asyncio.CancelledError, *LAYER_ERRORS):
                    await receiver

    async def _round_trip(self, layer: Any, channel: str, number: int) -> bool:
        assert self._arrived is not None
        self._arrived.clear()
        try:
            await asyncio.wait_for(
                layer.send(channel, {"type": "wilma.probe", "n": number}), PROBE_TIMEOUT_SECONDS
            )
            deadline = time.monotonic() + PROBE_TIMEOUT_SECONDS
            while self._received < number:
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())
                self._arrived.clear()
        except LAYER_ERRORS as error:
            self._mark_down(error)
            return False
        return True

    async def _receive(self, layer: Any, channel: str) -> None:
        """Collects probe replies; runs as long as the watch (never cancelled per probe: the
        PubSub layer unsubscribes a channel whose receive is cancelled)."""
        while True:
            try:
                message = await layer.receive(channel)
            except LAYER_ERRORS:
                await asyncio.sleep(0.5)
                continue
            self._received = max(self._received, int(message.get("n", 0)))
            if self._arrived is not None:
                self._arrived.set()


watch = LayerWatch()


async def close_all(*, code: int, reason: str, retry_after: float) -> int:
    """Close every websocket of this process (this loop) with `reconnect {reason,
    retry_after}` and `code`. Returns how many were closed."""
    connections = watch.live()
    await _close_each(connections, code=code, reason=reason, retry_after=retry_after)
    return len(connections)


async def _close_each(
    connections: Iterable[Closable], *, code: int, reason: str, retry_after: float
) -> None:
    await asyncio.gather(
        *(c.close_with_reconnect(code, reason, retry_after) for c in connections),
        return_exceptions=True,
    )


# --- Log noise of the Redis PubSub layer ----------------------------------------------------


class PubSubErrorFilter(logging.Filter):
    """channels_redis's PubSub layer logs a full traceback every second while Redis is down
    ("Unexpected exception in receive task"). Connection errors become one warning line per
    outage (OutageLog) and tell the watch at once; anything else passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not isinstance(error, LAYER_ERRORS):
            return True
        outage_log.failed("receiving from the channel layer", error)
        watch.report_failure(error)
        return False


def install_log_filter() -> None:
    for name in ("channels_redis.pubsub", "channels_redis.core"):
        target = logging.getLogger(name)
        if not any(isinstance(f, PubSubErrorFilter) for f in target.filters):
            target.addFilter(PubSubErrorFilter())
