"""The websocket handshake and the base protocol: origin, authentication, limits, ping."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from people.services import create_api_token, set_employee_active
from realtime.handshake import normalize_origin
from realtime.protocol import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_RATE_LIMITED,
    CLOSE_UNAUTHENTICATED,
    PROTOCOL_VERSION,
)
from wilma.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]

HOST = "wilma.example"


def communicator(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, "/ws/v1/", headers=[(b"host", HOST.encode()), *headers]
    )


async def token_for(employee) -> str:
    _row, secret = await sync_to_async(create_api_token)(employee=employee, name="ws")
    return secret


async def test_token_authenticated_connection_is_greeted_and_answers_ping(employee, settings):
    settings.ALLOWED_HOSTS = [HOST]
    secret = await token_for(employee)
    ws = communicator([(b"authorization", f"Bearer {secret}".encode())])
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from()
    assert hello == {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "user": employee.pk,
        "heartbeat": settings.WILMA["WEBSOCKET_HEARTBEAT_SECONDS"],
    }
    await ws.send_json_to({"type": "ping", "id": 7})
    assert await ws.receive_json_from() == {"type": "pong", "id": 7}
    await ws.disconnect()


async def test_session_cookie_authenticates(employee):
    client = Client()
    await sync_to_async(client.force_login)(employee)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    ws = communicator([(b"cookie", cookie.encode()), (b"origin", f"http://{HOST}".encode())])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["user"] == employee.pk
    await ws.disconnect()


async def test_anonymous_connection_is_closed_with_4401():
    ws = communicator([])
    connected, _ = await ws.connect()
    assert connected
    closed = await ws.receive_output()
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_bad_token_is_closed_with_4401():
    ws = communicator([(b"authorization", b"Bearer wilma_not-a-real-token")])
    await ws.connect()
    assert (await ws.receive_output())["code"] == CLOSE_UNAUTHENTICATED


async def test_deactivated_employee_token_is_closed_with_4401(employee):
    secret = await token_for(employee)
    await sync_to_async(set_employee_active)(employee=employee, active=False)
    ws = communicator([(b"authorization", f"Bearer {secret}".encode())])
    await ws.connect()
    assert (await ws.receive_output())["code"] == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        f"https://{HOST}",  # same host, other scheme
        f"http://{HOST}:8080",  # same host, other port
        f"http://{HOST}.evil.example",
        "null",
        "not a url",
    ],
)
async def test_foreign_origin_is_refused(employee, origin):
    secret = await token_for(employee)
    ws = communicator(
        [(b"authorization", f"Bearer {secret}".encode()), (b"origin", origin.encode())]
    )
    connected, _ = await ws.connect()
    assert not connected


async def test_configured_full_origin_is_accepted(employee, settings):
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://app.muenchen.example"]
    secret = await token_for(employee)
    headers = [(b"authorization", f"Bearer {secret}".encode())]
    ok = communicator([*headers, (b"origin", b"https://app.muenchen.example:443")])
    assert (await ok.connect())[0]
    await ok.disconnect()
    wrong_port = communicator([*headers, (b"origin", b"https://app.muenchen.example:8443")])
    assert not (await wrong_port.connect())[0]


async def test_oversized_message_closes_with_1009(employee, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_MAX_MESSAGE_BYTES": 100}
    secret = await token_for(employee)
    ws = communicator([(b"authorization", f"Bearer {secret}".encode())])
    await ws.connect()
    await ws.receive_json_from()
    await ws.send_to(text_data='{"type": "ping", "pad": "' + "x" * 200 + '"}')
    assert (await ws.receive_output())["code"] == CLOSE_MESSAGE_TOO_BIG


async def test_message_flood_closes_with_4429(employee, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_MESSAGES_PER_10S": 3}
    secret = await token_for(employee)
    ws = communicator([(b"authorization", f"Bearer {secret}".encode())])
    await ws.connect()
    await ws.receive_json_from()
    for _ in range(3):
        await ws.send_json_to({"type": "ping"})
        assert (await ws.receive_json_from())["type"] == "pong"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_output())["code"] == CLOSE_RATE_LIMITED


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "fly"}', "unknown_type"),
    ],
)
async def test_bad_messages_get_an_error_and_keep_the_connection(employee, raw, code):
    secret = await token_for(employee)
    ws = communicator([(b"authorization", f"Bearer {secret}".encode())])
    await ws.connect()
    await ws.receive_json_from()
    await ws.send_to(text_data=raw)
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == code
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from())["type"] == "pong"
    await ws.disconnect()


def test_normalize_origin_makes_default_ports_explicit():
    assert normalize_origin("HTTPS://Intranet.Example") == "https://intranet.example:443"
    assert normalize_origin("http://a.example:8000") == "http://a.example:8000"
    assert normalize_origin("ftp://a.example") is None
    assert normalize_origin("http://a.example:99999") is None
