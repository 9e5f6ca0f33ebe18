"""The relay re-sends what a crash left unpublished; prune keeps the log bounded."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.utils import timezone

from feed import services as feed_services
from realtime import events as realtime_events
from realtime.models import Event, StreamCounter
from realtime.streams import community_stream
from tests.realtime.conftest import connect, receive, run, subscribe

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


async def test_relay_resends_an_event_left_unpublished(world, monkeypatch):
    stream = community_stream(world.public.pk)
    ws = await connect(world.member)
    await subscribe(ws, stream)
    # The process "dies" between commit and send: the send never happens.
    monkeypatch.setattr(realtime_events, "_group_send", lambda group, message: False)
    post = await run(
        feed_services.create_post, author=world.owner, community=world.public, body="Verloren?"
    )
    monkeypatch.undo()
    assert await ws.receive_nothing(timeout=0.3)
    out = StringIO()
    # Younger than the grace period: left alone (its own process may still send it).
    await database_sync_to_async(call_command)("realtime_relay", "--once", stdout=out)
    assert "sent 0" in out.getvalue()
    await database_sync_to_async(
        lambda: Event.objects.update(created_at=timezone.now() - timedelta(seconds=10))
    )()
    await database_sync_to_async(call_command)("realtime_relay", "--once", stdout=out)
    assert "sent 1" in out.getvalue()
    event = await receive(ws)
    assert event["seq"] == 1 and event["data"]["id"] == post.pk
    assert not await database_sync_to_async(
        lambda: Event.objects.filter(published_at__isnull=True).exists()
    )()
    await ws.disconnect()


def test_published_events_are_marked(world):
    feed_services.create_post(author=world.owner, community=world.public, body="Hallo")
    event = Event.objects.get()
    assert event.published_at is not None
    assert event.stream == community_stream(world.public.pk) and event.seq == 1


def test_prune_deletes_events_older_than_the_retention_and_keeps_counters(world, settings):
    settings.WILMA = {**settings.WILMA, "EVENT_RETENTION_HOURS": 24}
    for _ in range(3):
        feed_services.create_post(author=world.owner, community=world.public, body="Hallo")
    Event.objects.filter(seq__lte=2).update(created_at=timezone.now() - timedelta(hours=25))
    out = StringIO()
    call_command("realtime_prune", stdout=out)
    assert "deleted 2" in out.getvalue()
    assert list(Event.objects.values_list("seq", flat=True)) == [3]
    assert StreamCounter.objects.get(name=community_stream(world.public.pk)).last_seq == 3
    feed_services.create_post(author=world.owner, community=world.public, body="Weiter")
    assert Event.objects.order_by("-seq").first().seq == 4
