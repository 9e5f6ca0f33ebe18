"""Integration: real server processes (`manage.py serve`, daphne) sharing a private Redis
(started here on a free port, no persistence) and the test database, with real websocket
clients. An event written through one process reaches clients of every process; Redis
stopped and started again mid-stream closes every socket cleanly (4503 with `retry_after`)
while writes go on, and the clients end with every event exactly once; a killed process's
clients move to another and lose nothing; a stopped process says `reconnect {restart}`.

The processes must see what the tests commit: hence `transaction=True` (committed data, in the
test database that pytest-django created; the processes get it as their DATABASE_URL), and
PostgreSQL (on SQLite the suite's database lives where the processes cannot share it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db import connection

from communities.models import Role
from people.services import create_api_token
from realtime.models import Event
from realtime.protocol import CLOSE_UNAVAILABLE
from realtime.streams import community_stream
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from tests.realtime.processes import (
    REDIS_SERVER,
    Client,
    ManageProcess,
    RedisProcess,
    Server,
    database_url,
    process_env,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the server processes share the test database: needs PostgreSQL",
    ),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server"),
]

TIMEOUT = 20.0  # seconds for anything to happen (generous: CI machines are shared)


@dataclass
class Scene:
    stream: str
    slug: str
    writer_token: str
    reader_token: str


@dataclass
class Cluster:
    """Two servers and the relay, shared by the tests of this module (starting a process
    takes seconds). The tests run in file order; the last one kills the servers."""

    redis: RedisProcess
    a: Server
    b: Server
    relay: ManageProcess


@pytest.fixture(scope="module")
def cluster(django_db_setup) -> Iterator[Cluster]:
    redis = RedisProcess()
    started: list[ManageProcess] = []
    try:
        redis.start()
        # The database pytest-django created for this run: what the tests commit is there.
        env = process_env(database_url(connection.settings_dict), redis.url)
        a, b = Server("a", env), Server("b", env)
        relay = ManageProcess("relay", ["realtime_relay"], env)
        started += [a, b, relay]  # they start in parallel
        a.wait_ready(), b.wait_ready(), relay.wait_for("realtime_relay: running")
        yield Cluster(redis, a, b, relay)
    finally:
        for process in started:
            process.kill()
        redis.stop()


@pytest.fixture
def live(cluster: Cluster) -> Cluster:
    """The cluster, with Redis up (a failed outage test may have left it stopped)."""
    if not cluster.redis.ping():
        cluster.redis.start()
    return cluster


@pytest.fixture
def scene(transactional_db) -> Scene:
    writer = EmployeeFactory(username="wanda.writer")
    reader = EmployeeFactory(username="rudi.reader")
    community = CommunityFactory(slug="stadtradeln")
    add_member(community, writer, Role.OWNER)
    _row, writer_token = create_api_token(employee=writer, name="test")
    _row, reader_token = create_api_token(employee=reader, name="test")
    return Scene(community_stream(community.pk), community.slug, writer_token, reader_token)


async def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def write_post(server: Server, scene: Scene, body: str) -> None:
    status, post = await asyncio.to_thread(
        server.post, scene.writer_token, "/posts/", {"community": scene.slug, "body": body}
    )
    assert status == 201 and post["body"] == body


async def subscribed(*clients: Client) -> None:
    for client in clients:
        client.start()
    await asyncio.wait_for(asyncio.gather(*(c.subscribed.wait() for c in clients)), TIMEOUT)


def unpublished() -> int:
    """Read from a worker thread (the test's loop must not touch the ORM); its connection
    is closed, so the test database can be dropped afterwards."""
    try:
        return Event.objects.filter(published_at__isnull=True).count()
    finally:
        connection.close()


def assert_clean(*processes: ManageProcess) -> None:
    for process in processes:
        assert "Traceback" not in process.output, process.output
        assert " ERROR " not in process.output, process.output


def test_an_event_written_through_one_process_reaches_clients_of_both(live, scene):
    a, b = live.a, live.b

    async def scenario() -> None:
        clients = [Client([a.ws_url], scene.reader_token, scene.stream) for _ in range(2)]
        clients.append(Client([b.ws_url], scene.reader_token, scene.stream))
        await subscribed(*clients)
        await write_post(a, scene, "Über Prozess A geschrieben")
        await until(lambda: all(c.seqs == [1] for c in clients), "the event on every client")
        await write_post(b, scene, "Über Prozess B geschrieben")
        await until(lambda: all(c.seqs == [1, 2] for c in clients), "the second event")
        for client in clients:
            await client.stop()

    asyncio.run(scenario())
    assert_clean(a, b)


def test_redis_outage_closes_sockets_cleanly_writes_go_on_and_nothing_is_lost(live, scene):
    a, b, relay, redis = live.a, live.b, live.relay, live.redis

    async def scenario() -> None:
        on_a = Client([a.ws_url], scene.reader_token, scene.stream)
        on_b = Client([b.ws_url], scene.reader_token, scene.stream)
        clients = [on_a, on_b]
        await subscribed(*clients)
        await write_post(a, scene, "Vor dem Ausfall")
        await until(lambda: all(c.seqs == [1] for c in clients), "the first event")

        redis.stop()
        await until(
            lambda: all(CLOSE_UNAVAILABLE in c.closes for c in clients), "4503 on every socket"
        )
        for client in clients:
            reconnect = client.reconnects[0]
            assert reconnect == {"type": "reconnect", "reason": "unavailable", "retry_after": 0.5}
        # Writes succeed without Redis; their events wait in the log.
        await write_post(a, scene, "Während des Ausfalls (A)")
        await write_post(b, scene, "Während des Ausfalls (B)")
        assert await asyncio.to_thread(unpublished) == 2

        redis.start()
        await until(lambda: all(c.seqs == [1, 2, 3] for c in clients), "the replay")
        await write_post(b, scene, "Nach dem Ausfall")
        await until(lambda: all(c.seqs == [1, 2, 3, 4] for c in clients), "the live event")
        # The relay sent what could not be published; the clients dropped those copies.
        deadline = time.monotonic() + TIMEOUT
        while await asyncio.to_thread(unpublished):
            assert time.monotonic() < deadline, "timed out waiting for the relay"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        for client in clients:
            await client.stop()
            assert client.seqs == [1, 2, 3, 4]  # exactly once, in order
            assert client.resyncs == 0

    asyncio.run(scenario())
    assert_clean(a, b, relay)
    for process in (a, b):
        assert process.output.count("channel layer unavailable") == 1, process.output
        assert "channel layer reachable again" in process.output


def test_a_killed_process_loses_its_clients_to_another_and_they_miss_nothing(live, scene):
    """Runs last: it kills one server and stops the other."""
    a, b = live.a, live.b

    async def scenario() -> None:
        moving = Client([a.ws_url, b.ws_url], scene.reader_token, scene.stream)
        staying = Client([b.ws_url], scene.reader_token, scene.stream)
        await subscribed(moving, staying)
        for n in (1, 2):
            await write_post(b, scene, f"Beitrag {n}")
        await until(lambda: moving.seqs == [1, 2] and staying.seqs == [1, 2], "two events")

        a.kill()  # SIGKILL: no goodbye, the socket just breaks
        for n in (3, 4, 5):
            await write_post(b, scene, f"Beitrag {n}")
        await until(lambda: moving.seqs == [1, 2, 3, 4, 5], "the moved client to catch up")
        await until(lambda: staying.seqs == [1, 2, 3, 4, 5], "the other client")

        # A graceful stop tells clients to reconnect at once (to another process).
        assert b.terminate() == 0
        await until(lambda: bool(staying.reconnects), "reconnect from the stopping server")
        assert staying.reconnects[-1] == {
            "type": "reconnect",
            "reason": "restart",
            "retry_after": 0,
        }
        assert CLOSE_UNAVAILABLE in staying.closes
        for client in (moving, staying):
            await client.stop()
        assert moving.seqs == staying.seqs == [1, 2, 3, 4, 5]

    asyncio.run(scenario())
    assert_clean(b, live.relay)
