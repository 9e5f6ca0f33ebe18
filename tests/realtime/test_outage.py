"""The channel layer failing (Redis down), seen from one process: writes succeed and leave
their events to the relay with one log line, sockets close with `reconnect` and 4503 instead
of a traceback, new sockets are told to come back later, and the watch notices an outage of an
idle process and its end. (Real Redis and real processes: test_cluster.py.)"""

from __future__ import annotations

import asyncio
import logging

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from feed import services as feed_services
from realtime import layer
from realtime.models import Event
from realtime.protocol import CLOSE_UNAVAILABLE
from realtime.streams import community_stream
from tests.realtime.conftest import TIMEOUT, connect, receive, run, subscribe

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def down(*args, **kwargs):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


async def closed_with(ws) -> int:
    return (await ws.receive_output(timeout=TIMEOUT))["code"]


async def test_a_failing_layer_closes_the_socket_with_a_retry_hint(world, monkeypatch, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_RETRY_AFTER_SECONDS": 7}
    ws = await connect(world.member)
    monkeypatch.setattr(get_channel_layer(), "group_add", down)
    await ws.send_json_to({"type": "subscribe", "stream": community_stream(world.public.pk)})
    assert await receive(ws) == {"type": "reconnect", "reason": "unavailable", "retry_after": 7}
    assert await closed_with(ws) == CLOSE_UNAVAILABLE
    await ws.wait()  # the consumer ended without an exception


async def test_while_the_layer_is_down_new_sockets_are_told_to_come_back(world, monkeypatch):
    ws = await connect(world.member)
    channel_layer = get_channel_layer()
    monkeypatch.setattr(channel_layer, "group_send", down)
    monkeypatch.setattr(channel_layer, "send", down)  # the watch's probe fails too
    layer.watch.report_failure(RedisConnectionError("gone"))
    assert (await receive(ws))["type"] == "reconnect"
    assert await closed_with(ws) == CLOSE_UNAVAILABLE
    assert not layer.watch.available
    from channels.testing import WebsocketCommunicator

    from people.services import create_api_token
    from wilma.asgi import application

    _row, secret = await database_sync_to_async(create_api_token)(employee=world.member, name="x")
    late = WebsocketCommunicator(
        application, "/ws/v1/", headers=[(b"authorization", f"Bearer {secret}".encode())]
    )
    connected, _ = await late.connect()
    assert connected
    assert await late.receive_json_from(timeout=TIMEOUT) == {
        "type": "reconnect",
        "reason": "unavailable",
        "retry_after": 5,
    }
    assert await closed_with(late) == CLOSE_UNAVAILABLE
    # The watch's probe works again (the in-memory layer is fine): sockets are welcome again.
    monkeypatch.undo()
    for _ in range(100):
        if layer.watch.available:
            break
        await asyncio.sleep(0.05)
    assert layer.watch.available
    again = await connect(world.member)
    await again.disconnect()


async def test_writes_succeed_while_the_layer_is_down_with_one_warning_and_no_traceback(
    world, monkeypatch, caplog
):
    stream = community_stream(world.public.pk)
    monkeypatch.setattr(get_channel_layer(), "group_send", down)
    caplog.set_level(logging.INFO, logger="realtime")
    for body in ("Eins", "Zwei"):
        await run(feed_services.create_post, author=world.owner, community=world.public, body=body)
    unpublished = await database_sync_to_async(
        lambda: list(Event.objects.filter(published_at__isnull=True).values_list("seq", flat=True))
    )()
    assert sorted(unpublished) == [1, 2]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "channel layer unavailable" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    monkeypatch.undo()
    ws = await connect(world.member)
    await subscribe(ws, stream, 0)  # the log has them
    assert [(await receive(ws))["seq"] for _ in range(2)] == [1, 2]
    await run(feed_services.create_post, author=world.owner, community=world.public, body="Drei")
    assert (await receive(ws))["seq"] == 3
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    await ws.disconnect()


async def test_restart_closes_every_socket_with_reconnect_at_once(world):
    sockets = [await connect(world.member), await connect(world.owner)]
    closed = await layer.close_all(code=CLOSE_UNAVAILABLE, reason="restart", retry_after=0)
    assert closed == 2
    for ws in sockets:
        assert await receive(ws) == {"type": "reconnect", "reason": "restart", "retry_after": 0}
        assert await closed_with(ws) == CLOSE_UNAVAILABLE


# --- The watch, with a layer that can be switched off ---------------------------------------


class SwitchableLayer:
    """A shared layer stand-in: a round trip through a queue that fails while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.queues: dict[str, asyncio.Queue] = {}

    async def new_channel(self, prefix: str = "specific.") -> str:
        name = f"{prefix}{len(self.queues)}"
        self.queues[name] = asyncio.Queue()
        return name

    async def send(self, channel: str, message: dict) -> None:
        if self.down:
            down()
        self.queues[channel].put_nowait(message)

    async def receive(self, channel: str) -> dict:
        return await self.queues[channel].get()


class FakeSocket:
    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.closed: list[tuple[int, str, float]] = []

    async def close_with_reconnect(self, code: int, reason: str, retry_after: float) -> None:
        self.closed.append((code, reason, retry_after))
        layer.watch.unregister(self)


async def test_the_watch_closes_idle_sockets_when_the_layer_fails_and_sees_it_return(
    monkeypatch, settings
):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_LAYER_CHECK_SECONDS": 0.05}
    fake = SwitchableLayer()
    monkeypatch.setattr(layer, "get_channel_layer", lambda: fake)
    socket = FakeSocket()
    layer.watch.register(socket)
    await asyncio.sleep(0.2)
    assert layer.watch.available and not socket.closed
    fake.down = True
    for _ in range(100):
        if socket.closed:
            break
        await asyncio.sleep(0.05)
    assert socket.closed == [(CLOSE_UNAVAILABLE, "unavailable", 5)]
    assert not layer.watch.available
    fake.down = False
    for _ in range(100):
        if layer.watch.available:
            break
        await asyncio.sleep(0.05)
    assert layer.watch.available


def test_pubsub_receive_errors_become_one_line_and_other_records_pass():
    log_filter = layer.PubSubErrorFilter()
    try:
        down()
    except RedisConnectionError as error:
        outage = logging.LogRecord(
            "channels_redis.pubsub", logging.ERROR, __file__, 1, "Unexpected", (), None
        )
        outage.exc_info = (type(error), error, error.__traceback__)
    other = logging.LogRecord("channels_redis.pubsub", logging.ERROR, __file__, 1, "x", (), None)
    assert log_filter.filter(outage) is False
    assert log_filter.filter(other) is True
    layer.outage_log.succeeded()
