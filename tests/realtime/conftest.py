"""Realtime test helpers: a small world (three communities, a few personas) and websocket
clients authenticated with API tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from communities.models import Community, Role, Visibility
from people.models import Employee
from people.services import create_api_token
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from wilma.asgi import application

TIMEOUT = 1  # seconds: "at once" means within a second


@dataclass
class World:
    owner: Employee
    member: Employee
    outsider: Employee
    public: Community
    private: Community
    secret: Community


@pytest.fixture
def world(org) -> World:
    owner = EmployeeFactory(department=org.kvr_i, username="olga.owner")
    member = EmployeeFactory(department=org.kvr_i, username="mia.member")
    outsider = EmployeeFactory(department=org.kvr_i_1, username="otto.outsider")
    public = CommunityFactory(name="Radlfreunde", slug="public")
    private = CommunityFactory(name="Personalrat", slug="private", visibility=Visibility.PRIVATE)
    secret = CommunityFactory(name="Projekt X", slug="secret", visibility=Visibility.SECRET)
    for community in (public, private, secret):
        add_member(community, owner, Role.OWNER)
        add_member(community, member)
    return World(owner, member, outsider, public, private, secret)


def run(fn, /, **kwargs):
    """Call a (sync) service from an async test, in a worker thread, as a view would."""
    return database_sync_to_async(fn)(**kwargs)


async def connect(employee: Employee) -> WebsocketCommunicator:
    _row, secret = await database_sync_to_async(create_api_token)(employee=employee, name="ws")
    ws = WebsocketCommunicator(
        application,
        "/ws/v1/",
        headers=[(b"host", b"wilma.example"), (b"authorization", f"Bearer {secret}".encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from(timeout=TIMEOUT)
    assert hello["type"] == "hello"
    return ws


async def subscribe(ws: WebsocketCommunicator, stream: str, after_seq: int | None = None) -> dict:
    """Subscribe and return the `subscribed` answer (or whatever came instead)."""
    await ws.send_json_to({"type": "subscribe", "stream": stream, "after_seq": after_seq})
    return await ws.receive_json_from(timeout=TIMEOUT)


async def receive(ws: WebsocketCommunicator) -> dict:
    return await ws.receive_json_from(timeout=TIMEOUT)


async def events_until_quiet(ws: WebsocketCommunicator) -> list[dict]:
    """Every message that arrives until the socket is quiet for a moment."""
    received = []
    while not await ws.receive_nothing(timeout=0.3):
        received.append(await ws.receive_json_from(timeout=TIMEOUT))
    return received
