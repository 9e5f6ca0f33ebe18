"""Heartbeats (a quiet stream is not a dead connection; a lost last event comes with the next
beat) and the cap on long replays (`resync_required` instead of streaming thousands)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from feed import services as feed_services
from realtime import events as realtime_events
from realtime.models import Event
from realtime.streams import community_stream
from tests.realtime.conftest import TIMEOUT, connect, receive, run, subscribe

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


async def post_in(world, body: str = "Hallo") -> None:
    await run(feed_services.create_post, author=world.owner, community=world.public, body=body)


async def next_of(ws, kind: str) -> dict:
    """The next message of a kind, skipping others (heartbeats come at any time)."""
    for _ in range(50):
        message = await ws.receive_json_from(timeout=TIMEOUT)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind}")


@pytest.fixture
def fast_heartbeat(settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_HEARTBEAT_SECONDS": 0.2}


async def test_hello_announces_the_heartbeat_and_a_quiet_connection_gets_heartbeats(
    world, fast_heartbeat
):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream, 0)
    beat = await next_of(ws, "heartbeat")
    assert beat == {"type": "heartbeat", "seqs": {stream: 0}}
    await post_in(world)
    assert (await next_of(ws, "event"))["seq"] == 1
    assert (await next_of(ws, "heartbeat"))["seqs"] == {stream: 1}
    await ws.disconnect()


async def test_a_lost_last_event_of_a_quiet_stream_arrives_before_the_next_heartbeat(
    world, fast_heartbeat, monkeypatch
):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream, 0)
    await post_in(world)
    assert (await next_of(ws, "event"))["seq"] == 1
    monkeypatch.setattr(realtime_events, "_group_send", lambda group, message: False)
    await post_in(world, "Verloren, dann nachgeliefert")  # never sent live
    monkeypatch.undo()
    messages = []
    while not messages or messages[-1]["type"] != "heartbeat" or messages[-1]["seqs"][stream] < 2:
        messages.append(await ws.receive_json_from(timeout=TIMEOUT))
    events = [m for m in messages if m["type"] == "event"]
    assert [e["seq"] for e in events] == [2]
    assert events[0]["data"]["body"] == "Verloren, dann nachgeliefert"
    await ws.disconnect()


async def test_heartbeats_can_be_switched_off(world, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_HEARTBEAT_SECONDS": 0}
    ws = await connect(world.member)
    await subscribe(ws, community_stream(world.public.pk), 0)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_replay_longer_than_the_cap_answers_resync_required(world, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_MAX_REPLAY": 3}
    for n in range(5):
        await post_in(world, f"Beitrag {n}")
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    assert await subscribe(ws, stream, 0) == {"type": "resync_required", "stream": stream}
    assert await receive(ws) == {"type": "subscribed", "stream": stream, "seq": 5}
    assert await ws.receive_nothing(timeout=0.3)
    # Within the cap: a normal replay.
    assert await subscribe(ws, stream, 2) == {"type": "subscribed", "stream": stream, "seq": 5}
    assert [(await receive(ws))["seq"] for _ in range(3)] == [3, 4, 5]
    await post_in(world)
    assert (await receive(ws))["seq"] == 6
    await ws.disconnect()


async def test_a_gap_longer_than_the_cap_mid_stream_answers_resync_required(
    world, settings, monkeypatch
):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_MAX_REPLAY": 2}
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream, 0)
    monkeypatch.setattr(realtime_events, "_group_send", lambda group, message: False)
    for _ in range(3):
        await post_in(world)  # seqs 1-3 lost by the channel layer
    monkeypatch.undo()
    await post_in(world)
    assert await receive(ws) == {"type": "resync_required", "stream": stream}
    assert (await receive(ws))["seq"] == 4
    await post_in(world)
    assert (await receive(ws))["seq"] == 5
    unpublished = await database_sync_to_async(
        lambda: Event.objects.filter(published_at__isnull=True).count()
    )()
    assert unpublished == 3  # left for the relay, which clients dedupe by seq
    await ws.disconnect()
