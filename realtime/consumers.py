"""The websocket endpoint `/ws/v1/` (protocol in docs/realtime.md): authenticates, greets with
the protocol version, answers pings, and manages stream subscriptions.

Subscribing joins the stream's channel-layer group first, then replays the event log after the
client's `after_seq`, then forwards live events. Per subscription the consumer remembers the
last seq it sent: it drops duplicates (an event both replayed and received live, or re-sent by
the relay) and fills a gap from the database when a live event arrives ahead of the one it
expects (another process published later, or the channel layer dropped a message), so each
subscription receives every event once, in order. Live events are forwarded as the frame built
once when they were published: no query per delivery.

Access is checked at subscribe time with the REST rules, and again when told to: a control
message on the employee's or the community's control group, or an event marked `recheck`
(then before it is forwarded). A subscription that is no longer allowed is dropped with
`unsubscribed {reason: "access_revoked"}`; a deactivated employee's sockets close with 4401.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime import access, events, streams
from realtime.protocol import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_RATE_LIMITED,
    CLOSE_UNAUTHENTICATED,
    PROTOCOL_VERSION,
)

REPLAY_BATCH = 500
MAX_SEQ = 2**63 - 1


@dataclass
class Subscription:
    community_id: int | None
    last_seq: int  # the last seq sent to the client


class RealtimeConsumer(AsyncWebsocketConsumer):
    user_id: int
    subscriptions: dict[str, Subscription]

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.subscriptions = {}
        self.control_groups: set[str] = set()
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept-then-close lets the client read the close code (a refused handshake cannot
            # carry one), so it knows not to retry without signing in.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.window_started = time.monotonic()
        self.window_count = 0
        await self._join(streams.user_control_group(self.user_id))
        await self.accept()
        await self.send_json({"type": "hello", "protocol": PROTOCOL_VERSION, "user": user.pk})

    async def disconnect(self, code: int) -> None:
        for stream in list(self.subscriptions):
            await self.channel_layer.group_discard(streams.stream_group(stream), self.channel_name)
        for group in list(self.control_groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.subscriptions, self.control_groups = {}, set()

    # --- Client messages ----------------------------------------------------------------

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
        kind = message["type"]
        if kind == "ping":
            await self.send_json({"type": "pong", "id": message.get("id")})
        elif kind == "subscribe":
            await self.subscribe(message)
        elif kind == "unsubscribe":
            await self.unsubscribe(message)
        else:
            await self.send_error("unknown_type", f"Unknown message type: {kind[:40]}")

    async def subscribe(self, message: dict[str, Any]) -> None:
        stream, after_seq = message.get("stream"), message.get("after_seq")
        if streams.parse_stream(stream) is None:
            await self.send_error("invalid_message", "'stream' is not a stream name.")
            return
        assert isinstance(stream, str)
        if after_seq is not None and (
            not isinstance(after_seq, int)
            or isinstance(after_seq, bool)
            or not 0 <= after_seq <= MAX_SEQ
        ):
            await self.send_error("invalid_message", "'after_seq' is a number >= 0 or null.")
            return
        limit = int(settings.WILMA["WEBSOCKET_MAX_SUBSCRIPTIONS"])
        if stream not in self.subscriptions and len(self.subscriptions) >= limit:
            await self.send_error(
                "too_many_subscriptions", f"At most {limit} subscriptions.", stream=stream
            )
            return
        granted = await database_sync_to_async(self._authorize)(stream)
        if granted is None:
            await self._refuse(stream)
            return
        # Join first, then check again and read the log: whatever commits from now on arrives
        # live (possibly also in the replay; the seq check drops the second copy), and an
        # access change committed after this check reaches us as a re-check message.
        await self.channel_layer.group_add(streams.stream_group(stream), self.channel_name)
        if granted.community_id is not None:
            await self._join(streams.community_control_group(granted.community_id))
        state = await database_sync_to_async(self._open)(stream, after_seq)
        if state is None:
            if stream not in self.subscriptions:
                await self._leave_groups(stream, granted.community_id)
            await self._refuse(stream)
            return
        if state.gap:
            await self.send_json({"type": "resync_required", "stream": stream})
        replay = after_seq is not None and not state.gap
        start = after_seq if replay and after_seq is not None else state.last_seq
        self.subscriptions[stream] = Subscription(granted.community_id, start)
        await self.send_json({"type": "subscribed", "stream": stream, "seq": state.last_seq})
        if start < state.last_seq:
            await self._send_from_log(stream, start, state.last_seq)

    async def _refuse(self, stream: str) -> None:
        """`not_found` (hidden looks like missing); a stream held until now is dropped."""
        if stream in self.subscriptions:
            await self._drop(stream, "access_revoked")
        await self.send_error("not_found", "No such stream.", stream=stream)

    async def unsubscribe(self, message: dict[str, Any]) -> None:
        stream = message.get("stream")
        if not isinstance(stream, str) or stream not in self.subscriptions:
            await self.send_error("not_subscribed", "Not subscribed to this stream.")
            return
        await self._drop(stream, "client")

    # --- Channel-layer messages ---------------------------------------------------------

    async def realtime_event(self, message: dict[str, Any]) -> None:
        stream, seq = message["stream"], int(message["seq"])
        subscription = self.subscriptions.get(stream)
        if subscription is None or seq <= subscription.last_seq:
            return  # not (or no longer) subscribed, or already sent
        if message.get("recheck"):
            active, revoked = await database_sync_to_async(access.still_allowed)(
                self.user_id, [stream]
            )
            if not active:
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            if revoked:
                await self._drop(stream, "access_revoked")
                return
        if seq > subscription.last_seq + 1:
            # Earlier events are committed (seq order is commit order) but have not arrived:
            # send them from the log first.
            await self._send_from_log(stream, subscription.last_seq, seq - 1)
            if self.subscriptions.get(stream) is not subscription or seq <= subscription.last_seq:
                return
        await self.send(text_data=message["frame"])
        subscription.last_seq = seq

    async def realtime_recheck(self, message: dict[str, Any]) -> None:
        community_id, only = message.get("community_id"), message.get("stream")
        targets = [
            stream
            for stream, sub in self.subscriptions.items()
            if (only is None or stream == only)
            and (community_id is None or sub.community_id == community_id)
        ]
        if not targets and (community_id is not None or only is not None):
            return
        active, revoked = await database_sync_to_async(access.still_allowed)(self.user_id, targets)
        if not active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        for stream in revoked:
            if stream in self.subscriptions:
                await self._drop(stream, "access_revoked")

    async def realtime_close(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_UNAUTHENTICATED)

    # --- Helpers ------------------------------------------------------------------------

    def _authorize(self, stream: str) -> access.Access | None:
        return access.authorize(access.fresh_employee(self.user_id), stream)

    def _open(self, stream: str, after_seq: int | None) -> events.StreamState | None:
        if self._authorize(stream) is None:
            return None
        return events.stream_state(stream, after_seq)

    async def _send_from_log(self, stream: str, after_seq: int, upto_seq: int) -> None:
        """Send the logged events after_seq < seq <= upto_seq in order; if some were pruned,
        tell the client to resync and go on from `upto_seq`."""
        subscription = self.subscriptions[stream]
        expected = after_seq + 1
        while expected <= upto_seq:
            batch = await database_sync_to_async(events.replay_frames)(
                stream, expected - 1, upto_seq, REPLAY_BATCH
            )
            if subscription is not self.subscriptions.get(stream):
                return  # dropped meanwhile
            if not batch or batch[0][0] != expected:
                await self.send_json({"type": "resync_required", "stream": stream})
                subscription.last_seq = max(subscription.last_seq, upto_seq)
                return
            for seq, text in batch:
                if seq != expected:
                    await self.send_json({"type": "resync_required", "stream": stream})
                    subscription.last_seq = max(subscription.last_seq, upto_seq)
                    return
                if seq > subscription.last_seq:
                    await self.send(text_data=text)
                    subscription.last_seq = seq
                expected = seq + 1

    async def _drop(self, stream: str, reason: str) -> None:
        subscription = self.subscriptions.pop(stream, None)
        await self._leave_groups(stream, subscription.community_id if subscription else None)
        await self.send_json({"type": "unsubscribed", "stream": stream, "reason": reason})

    async def _leave_groups(self, stream: str, community_id: int | None) -> None:
        """Leave the stream's group, and the community's control group unless another
        subscription still depends on that community."""
        await self.channel_layer.group_discard(streams.stream_group(stream), self.channel_name)
        if community_id is None:
            return
        if any(sub.community_id == community_id for sub in self.subscriptions.values()):
            return
        group = streams.community_control_group(community_id)
        self.control_groups.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str) -> None:
        if group not in self.control_groups:
            self.control_groups.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    def _within_rate(self, limit: int) -> bool:
        now = time.monotonic()
        if now - self.window_started >= 10:
            self.window_started, self.window_count = now, 0
        self.window_count += 1
        return self.window_count <= limit

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))
