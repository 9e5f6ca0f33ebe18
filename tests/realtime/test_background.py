"""Background tasks in the server process (`WILMA["BACKGROUND_TASKS"]`, started by
`manage.py serve` or by ASGI lifespan), the relay running as one of them, and recording paused
for bulk jobs such as the demo seed."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from feed import services as feed_services
from realtime import background, relay
from realtime import events as realtime_events
from realtime.models import Event, StreamCounter
from realtime.streams import community_stream
from tests.realtime.conftest import connect, receive, run, subscribe
from wilma.asgi import application

pytestmark = [pytest.mark.embedded]

CALLS: list[str] = []


async def sample_task(stop: asyncio.Event) -> None:
    """A well-behaved background task: runs until told to stop."""
    CALLS.append("started")
    await stop.wait()
    CALLS.append("stopped")


async def failing_task(stop: asyncio.Event) -> None:
    CALLS.append("failed")
    raise RuntimeError("kaputt")


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


async def test_tasks_run_until_stopped_and_a_failing_one_is_restarted(monkeypatch, caplog):
    monkeypatch.setattr(background, "RESTART_DELAY_SECONDS", 0.05)
    runner = background.BackgroundTasks(
        background.load(
            [
                "tests.realtime.test_background.sample_task",
                "tests.realtime.test_background.failing_task",
            ]
        )
    )
    runner.start()
    await asyncio.sleep(0.3)
    assert CALLS.count("started") == 1 and CALLS.count("failed") >= 2
    await runner.stop(timeout=2)
    assert "stopped" in CALLS and runner.running == []
    assert "background task tests.realtime.test_background.failing_task failed" in caplog.text


async def test_lifespan_starts_and_stops_the_configured_tasks(settings):
    settings.WILMA = {
        **settings.WILMA,
        "BACKGROUND_TASKS": ["tests.realtime.test_background.sample_task"],
    }
    inbox: asyncio.Queue[dict] = asyncio.Queue()
    outbox: asyncio.Queue[dict] = asyncio.Queue()
    server = asyncio.get_running_loop().create_task(
        application({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    assert await asyncio.wait_for(outbox.get(), 2) == {"type": "lifespan.startup.complete"}
    await asyncio.sleep(0.05)
    assert CALLS == ["started"]
    await inbox.put({"type": "lifespan.shutdown"})
    assert await asyncio.wait_for(outbox.get(), 2) == {"type": "lifespan.shutdown.complete"}
    await asyncio.wait_for(server, 2)
    assert CALLS == ["started", "stopped"]


async def test_lifespan_reports_a_task_that_cannot_be_imported(settings):
    settings.WILMA = {**settings.WILMA, "BACKGROUND_TASKS": ["realtime.nothing.here"]}
    inbox: asyncio.Queue[dict] = asyncio.Queue()
    outbox: asyncio.Queue[dict] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    await asyncio.wait_for(background.lifespan({"type": "lifespan"}, inbox.get, outbox.put), 2)
    assert (await outbox.get())["type"] == "lifespan.startup.failed"


def test_serve_refuses_a_background_task_it_cannot_import(settings):
    settings.WILMA = {**settings.WILMA, "BACKGROUND_TASKS": ["realtime.nothing.here"]}
    with pytest.raises(CommandError, match="WILMA_BACKGROUND_TASKS"):
        call_command("serve", "--port", "0")


def test_relay_and_search_worker_are_background_tasks_by_default_only_when_embedded():
    tasks = django_settings.WILMA["BACKGROUND_TASKS"]
    if django_settings.REDIS_URL:
        assert tasks == []  # processes of their own (docs/deployment.md)
    else:
        assert tasks == ["realtime.relay.run", "search.indexing.run"]
    assert all(callable(task) for _path, task in background.load(tasks))


@pytest.mark.skipif(bool(django_settings.REDIS_URL), reason="with Redis the command may run")
def test_the_relay_command_refuses_to_run_on_the_in_memory_layer():
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("realtime_relay")


@pytest.mark.django_db(transaction=True)
async def test_the_relay_task_sends_what_was_left_unpublished(world, monkeypatch):
    stream = community_stream(world.public.pk)
    ws = await connect(world.member)
    await subscribe(ws, stream)
    monkeypatch.setattr(realtime_events, "_group_send", lambda group, message: False)
    await run(feed_services.create_post, author=world.owner, community=world.public, body="Spät")
    monkeypatch.undo()
    assert await ws.receive_nothing(timeout=0.2)
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(relay.run(stop, grace=0, interval=0.05))
    event = await receive(ws)
    assert (event["stream"], event["seq"], event["data"]["body"]) == (stream, 1, "Spät")
    stop.set()
    await asyncio.wait_for(task, 2)
    assert not await database_sync_to_async(
        lambda: Event.objects.filter(published_at__isnull=True).exists()
    )()
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_relay_task_survives_a_failing_database(monkeypatch, caplog):
    calls = []

    def broken(**kwargs):
        calls.append(1)
        raise ConnectionError("database gone")

    monkeypatch.setattr(realtime_events, "unpublished_events", broken)
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(relay.run(stop, grace=0, interval=0.02))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert len(calls) >= 2  # it kept trying
    assert caplog.text.count("pass failed") == 1  # and said so once


@pytest.mark.django_db
def test_paused_recording_stores_and_sends_nothing(world):
    with realtime_events.recording_paused():
        post = feed_services.create_post(author=world.owner, community=world.public, body="Demo")
        feed_services.delete_post(actor=world.owner, post=post)
    assert not Event.objects.exists() and not StreamCounter.objects.exists()
    feed_services.create_post(author=world.owner, community=world.public, body="Echt")
    assert list(Event.objects.values_list("seq", flat=True)) == [1]  # recording is back
