"""The websocket endpoint `/ws/v1/`. It authenticates, greets with the protocol version and
answers pings; streams (subscribe, replay, live events) are specified in docs/realtime.md."""

from __future__ import annotations

import json
import time
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime.protocol import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_RATE_LIMITED,
    CLOSE_UNAUTHENTICATED,
    PROTOCOL_VERSION,
)


class RealtimeConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept-then-close lets the client read the close code (a refused handshake cannot
            # carry one), so it knows not to retry without signing in.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.window_started = time.monotonic()
        self.window_count = 0
        await self.accept()
        await self.send_json({"type": "hello", "protocol": PROTOCOL_VERSION, "user": user.pk})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        limits = settings.WILMA
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode()) > int(limits["WEBSOCKET_MAX_MESSAGE_BYTES"]):
            await self.close(code=CLOSE_MESSAGE_TOO_BIG)
            return
        if not self._within_rate(int(limits["WEBSOCKET_MESSAGES_PER_10S"])):
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        try:
            message = json.loads(raw)
        except ValueError:
            await self.send_error("invalid_json", "Message is not valid JSON.")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("invalid_message", "A message is an object with a 'type'.")
            return
        if message["type"] == "ping":
            await self.send_json({"type": "pong", "id": message.get("id")})
            return
        await self.send_error("unknown_type", f"Unknown message type: {message['type'][:40]}")

    def _within_rate(self, limit: int) -> bool:
        now = time.monotonic()
        if now - self.window_started >= 10:
            self.window_started, self.window_count = now, 0
        self.window_count += 1
        return self.window_count <= limit

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))
