"""Typing indicators and presence: ephemeral (never in the log), rate-limited, and only
between employees who opted in (`share_presence`, off by default)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from feed import services as feed_services
from people.models import Employee
from people.services import update_profile
from realtime.models import Event
from realtime.streams import community_stream, post_stream, profile_stream
from tests.realtime.conftest import connect, events_until_quiet, receive, run, subscribe

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def opt_in(*employees: Employee) -> None:
    for employee in employees:
        update_profile(employee=employee, share_presence=True)


async def presence_of(ws, employee: Employee, state: str) -> dict:
    """The next presence of `employee` in `state`. Presence is state, not an event: the same
    `online` may come twice (a broadcast and an answer crossing), so others are skipped."""
    for _ in range(10):
        message = await receive(ws)
        assert message["type"] == "presence"
        if message["employee"]["id"] == employee.pk and message["state"] == state:
            return message
    raise AssertionError(f"no presence {state} of {employee.pk}")


@pytest.fixture
def post(world):
    return feed_services.create_post(author=world.owner, community=world.public, body="Frage?")


def test_presence_is_off_by_default_and_switched_on_in_the_own_profile(world, client_for):
    assert Employee.objects.filter(share_presence=True).count() == 0
    client = client_for(world.member)
    assert client.get_json("/me").json()["share_presence"] is False
    response = client.patch_json("/me", {"share_presence": True})
    assert response.status_code == 200 and response.json()["share_presence"] is True
    assert list(Employee.objects.filter(share_presence=True)) == [world.member]


async def test_typing_reaches_other_readers_who_opted_in_and_nobody_else(world, post):
    await database_sync_to_async(opt_in)(world.owner, world.member)
    stream = post_stream(post.pk)
    owner, member, outsider = (
        await connect(world.owner),
        await connect(world.member),
        await connect(world.outsider),
    )
    for ws in (owner, member, outsider):
        assert (await subscribe(ws, stream))["type"] == "subscribed"
    await events_until_quiet(owner)  # presence of the others
    await events_until_quiet(member)
    await member.send_json_to({"type": "typing", "post": post.pk})
    assert await receive(owner) == {
        "type": "typing",
        "post": post.pk,
        "employee": {"id": world.member.pk, "name": world.member.name},
    }
    assert await member.receive_nothing(timeout=0.3)  # not to oneself
    assert await outsider.receive_nothing(timeout=0.3)  # did not opt in: sees nothing
    # Rate-limited: a second notice within the interval is dropped silently.
    await member.send_json_to({"type": "typing", "post": post.pk})
    assert await owner.receive_nothing(timeout=0.3)
    assert await member.receive_nothing(timeout=0.1)
    assert not await database_sync_to_async(
        lambda: Event.objects.filter(type__contains="typing").exists()
    )()
    for ws in (owner, member, outsider):
        await ws.disconnect()


async def test_typing_needs_opt_in_and_a_subscription(world, post, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_TYPING_INTERVAL_SECONDS": 0}
    ws = await connect(world.outsider)
    await ws.send_json_to({"type": "typing", "post": post.pk})
    answer = await receive(ws)
    assert answer["code"] == "not_subscribed" and answer["stream"] == post_stream(post.pk)
    await subscribe(ws, post_stream(post.pk))
    await ws.send_json_to({"type": "typing", "post": post.pk})
    assert (await receive(ws))["code"] == "presence_off"
    for bad in ("1", None, 0, True):
        await ws.send_json_to({"type": "typing", "post": bad})
        assert (await receive(ws))["code"] == "invalid_message"
    await ws.disconnect()


async def test_presence_online_both_ways_then_offline_on_unsubscribe(world):
    await database_sync_to_async(opt_in)(world.owner, world.member)
    stream = community_stream(world.public.pk)
    owner = await connect(world.owner)
    await subscribe(owner, stream)
    member = await connect(world.member)
    await subscribe(member, stream)
    arrived = await presence_of(owner, world.member, "online")
    assert arrived["stream"] == stream and arrived["ttl"] > 0
    assert arrived["employee"] == {"id": world.member.pk, "name": world.member.name}
    # The newcomer learns who is already there (the owner answers directly).
    await presence_of(member, world.owner, "online")
    await member.send_json_to({"type": "unsubscribe", "stream": stream})
    while (message := await receive(member))["type"] != "unsubscribed":
        assert message["type"] == "presence"
    await presence_of(owner, world.member, "offline")
    for ws in (owner, member):
        await ws.disconnect()


async def test_presence_is_neither_sent_nor_shown_without_opt_in(world):
    await database_sync_to_async(opt_in)(world.owner)
    stream = community_stream(world.public.pk)
    owner = await connect(world.owner)
    await subscribe(owner, stream)
    member = await connect(world.member)  # did not opt in
    await subscribe(member, stream)
    assert await owner.receive_nothing(timeout=0.3)  # the member stays invisible
    assert await member.receive_nothing(timeout=0.3)  # and sees nobody
    await member.disconnect()
    assert await owner.receive_nothing(timeout=0.3)
    await owner.disconnect()


async def test_disconnecting_announces_offline(world):
    await database_sync_to_async(opt_in)(world.owner, world.member)
    stream = community_stream(world.public.pk)
    owner = await connect(world.owner)
    await subscribe(owner, stream)
    member = await connect(world.member)
    await subscribe(member, stream)
    await presence_of(owner, world.member, "online")
    await member.disconnect()
    await presence_of(owner, world.member, "offline")
    await owner.disconnect()


async def test_no_presence_on_profile_streams(world):
    await database_sync_to_async(opt_in)(world.owner, world.member)
    stream = profile_stream(world.owner.pk)
    owner = await connect(world.owner)
    await subscribe(owner, stream)
    member = await connect(world.member)
    await subscribe(member, stream)
    assert await owner.receive_nothing(timeout=0.3)
    for ws in (owner, member):
        await ws.disconnect()


async def test_switching_presence_off_is_honoured_at_the_next_heartbeat(world, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_HEARTBEAT_SECONDS": 0.2}
    await database_sync_to_async(opt_in)(world.owner, world.member)
    stream = community_stream(world.public.pk)
    owner = await connect(world.owner)
    await subscribe(owner, stream)
    member = await connect(world.member)
    await subscribe(member, stream)
    await run(update_profile, employee=world.member, share_presence=False)
    seen = []
    while not seen or seen[-1].get("state") != "offline":
        message = await receive(owner)
        if message["type"] == "presence" and message["employee"]["id"] == world.member.pk:
            seen.append(message)
    assert [m["state"] for m in seen][-1] == "offline"
    for ws in (owner, member):
        await ws.disconnect()
