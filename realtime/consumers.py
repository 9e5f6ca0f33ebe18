"""The websocket endpoint `/ws/v1/` (protocol in docs/realtime.md): authenticates, greets with
the protocol version, answers pings, manages stream subscriptions, relays typing and presence
between employees who opted in, and sends heartbeats.

Subscribing joins the stream's channel-layer group first, then replays the event log after the
client's `after_seq`, then forwards live events. Per subscription the consumer remembers the
last seq it sent: it drops duplicates (an event both replayed and received live, or re-sent by
the relay) and fills a gap from the database when a live event arrives ahead of the one it
expects (another process published later, or the channel layer dropped a message), so each
subscription receives every event once, in order. Live events are forwarded as the frame built
once when they were published: no query per delivery. A replay longer than
`WEBSOCKET_MAX_REPLAY` events answers `resync_required` instead.

Access is checked at subscribe time with the REST rules, and again when told to: a control
message on the employee's, the community's or the organisation's control group, or an event
marked `recheck` (then before it is forwarded). A subscription that is no longer allowed is
dropped with `unsubscribed {reason: "access_revoked"}`; a deactivated employee's sockets close
with 4401.

Every `WEBSOCKET_HEARTBEAT_SECONDS` the consumer reads its streams' last seqs (one query),
sends what the channel layer lost at the end of a quiet stream, and sends `heartbeat`: a client
that hears nothing for two intervals knows the connection is dead, not quiet.

If the channel layer fails (Redis down) the socket is closed with `reconnect` and 4503 instead
of dying with a traceback (realtime/layer.py watches the layer for idle sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime import access, events, streams
from realtime.layer import LAYER_ERRORS, describe, setting, watch
from realtime.protocol import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_RATE_LIMITED,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNAVAILABLE,
    PROTOCOL_VERSION,
)

logger = logging.getLogger("realtime")

REPLAY_BATCH = 500
MAX_SEQ = 2**63 - 1
# How long a close for an outage or a restart waits for a handler that is still running.
CLOSE_WAIT_SECONDS = 1.0


@dataclass
class Subscription:
    community_id: int | None
    last_seq: int  # the last seq sent to the client
    org_dependent: bool = False
    presence: bool = False  # this connection announced its presence on the stream


def heartbeat_state(employee_id: int, subscribed: list[str]) -> tuple[bool, bool, dict[str, int]]:
    """For a heartbeat: whether the employee is active, whether they share presence, and the
    last seq of each subscribed stream."""
    from people.models import Employee

    row = Employee.objects.filter(pk=employee_id).values_list("is_active", "share_presence").first()
    active, share = row if row is not None else (False, False)
    return bool(active), bool(share), events.stream_seqs(subscribed)


def shares_presence(employee_id: int) -> bool:
    from people.models import Employee

    return Employee.objects.filter(pk=employee_id, is_active=True, share_presence=True).exists()


class RealtimeConsumer(AsyncWebsocketConsumer):
    user_id: int
    subscriptions: dict[str, Subscription]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = {}
        self.control_groups: set[str] = set()
        self.typing_sent: dict[int, float] = {}
        self.share_presence = False
        self.user_name = ""
        # new -> connecting (handshake received) -> open (accepted) -> closed
        self.state = "new"
        self.lock = asyncio.Lock()
        self.heartbeat_task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # --- Lifecycle ----------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except LAYER_ERRORS as error:
            # The layer failed outside a handler (creating or reading this consumer's
            # channel): answer the handshake with a clean close instead of a traceback.
            watch.report_failure(error)
            await self._close_unavailable_raw(receive, send)
        finally:
            self._stop_heartbeats()
            watch.unregister(self)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first runs `close_old_connections` in the sync thread: a
        thread hop for every event delivered, which made fan-out to a big room wait in one
        queue (docs/benchmarks.md, realtime). Nothing here touches the database outside
        `database_sync_to_async`, which closes old connections itself, so the hop is skipped.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        async with self.lock:
            if self.state == "closed" and message.get("type") != "websocket.disconnect":
                return  # closed by us: whatever is still queued is not delivered
            try:
                await handler(message)
            except LAYER_ERRORS as error:
                await self._layer_failed(error)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.state = "connecting"
        await super().websocket_connect(message)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self.state = "open"

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self.state == "closed":
            return
        self.state = "closed"
        self._stop_heartbeats()
        await super().close(code, reason)

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.loop = asyncio.get_running_loop()
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept-then-close lets the client read the close code (a refused handshake cannot
            # carry one), so it knows not to retry without signing in.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.user_name = user.name
        self.share_presence = bool(getattr(user, "share_presence", False))
        if not watch.available:
            await self.accept()
            await self._send_reconnect_and_close("unavailable", self._retry_after())
            return
        self.window_started = time.monotonic()
        self.window_count = 0
        await self._join(streams.user_control_group(self.user_id))
        await self.accept()
        watch.register(self)
        interval = self._heartbeat_interval()
        await self.send_json(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "user": user.pk,
                "heartbeat": _seconds(interval),
            }
        )
        if interval > 0:
            self.heartbeat_task = asyncio.get_running_loop().create_task(self._heartbeats())

    async def disconnect(self, code: int) -> None:
        self.state = "closed"
        self._stop_heartbeats()
        watch.unregister(self)
        # During an outage these fail: the groups then die with the process's subscriptions.
        with contextlib.suppress(*LAYER_ERRORS):
            for stream, subscription in list(self.subscriptions.items()):
                if subscription.presence:
                    await self._announce_presence(stream, "offline")
                await self.channel_layer.group_discard(
                    streams.stream_group(stream), self.channel_name
                )
            for group in list(self.control_groups):
                await self.channel_layer.group_discard(group, self.channel_name)
        self.subscriptions, self.control_groups = {}, set()

    # --- Closing for an outage or a restart ---------------------------------------------

    async def close_with_reconnect(self, code: int, reason: str, retry_after: float) -> None:
        """Tell the client to come back (`reconnect {reason, retry_after}`) and close with
        `code`. Waits briefly for a running handler, so the frames do not interleave."""
        if self.state == "closed":
            return
        try:
            await asyncio.wait_for(self.lock.acquire(), CLOSE_WAIT_SECONDS)
        except TimeoutError:
            await self._send_reconnect_and_close(reason, retry_after, code)
            return
        try:
            await self._send_reconnect_and_close(reason, retry_after, code)
        finally:
            self.lock.release()

    async def _send_reconnect_and_close(
        self, reason: str, retry_after: float, code: int = CLOSE_UNAVAILABLE
    ) -> None:
        if self.state == "closed":
            return
        await self.send_json(
            {"type": "reconnect", "reason": reason, "retry_after": _seconds(retry_after)}
        )
        await self.close(code=code)

    async def _layer_failed(self, error: BaseException) -> None:
        logger.debug("layer failed for a connection: %s", describe(error))
        watch.report_failure(error)
        if self.state == "connecting":
            await self.accept()
        if self.state == "open":
            await self._send_reconnect_and_close("unavailable", self._retry_after())

    async def _close_unavailable_raw(self, receive: Any, send: Any) -> None:
        """Close without the consumer machinery (it failed before dispatching)."""
        if self.state == "closed":
            return
        if self.state == "new":
            message = await receive()
            if message.get("type") != "websocket.connect":
                return
        if self.state != "open":
            await send({"type": "websocket.accept", "subprotocol": None})
        frame = {"type": "reconnect", "reason": "unavailable", "retry_after": self._retry_after()}
        await send({"type": "websocket.send", "text": json.dumps(frame)})
        await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})
        self.state = "closed"

    @staticmethod
    def _retry_after() -> float:
        return setting("WEBSOCKET_RETRY_AFTER_SECONDS", 5)

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
        elif kind == "typing":
            await self.typing(message)
        else:
            await self.send_error("unknown_type", f"Unknown message type: {kind[:40]}")

    async def subscribe(self, message: dict[str, Any]) -> None:
        stream, after_seq = message.get("stream"), message.get("after_seq")
        parsed = streams.parse_stream(stream)
        if parsed is None:
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
        if granted.org_dependent:
            await self._join(streams.org_control_group())
        state = await database_sync_to_async(self._open)(stream, after_seq)
        if state is None:
            if stream not in self.subscriptions:
                await self._leave_groups(stream, granted.community_id)
            await self._refuse(stream)
            return
        too_long = after_seq is not None and state.last_seq - after_seq > self._max_replay()
        gap = state.gap or too_long
        if gap:
            await self.send_json({"type": "resync_required", "stream": stream})
        replay = after_seq is not None and not gap
        start = after_seq if replay and after_seq is not None else state.last_seq
        previous = self.subscriptions.get(stream)
        announced = previous is not None and previous.presence
        subscription = Subscription(granted.community_id, start, granted.org_dependent, announced)
        self.subscriptions[stream] = subscription
        await self.send_json({"type": "subscribed", "stream": stream, "seq": state.last_seq})
        if start < state.last_seq:
            await self._send_from_log(stream, start, state.last_seq)
        if (
            parsed[0] in access.PRESENCE_KINDS
            and self.share_presence
            and not announced
            and self.subscriptions.get(stream) is subscription
        ):
            subscription.presence = True
            await self._announce_presence(stream, "online", sync=True)

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

    async def typing(self, message: dict[str, Any]) -> None:
        """`typing {post}`: tell the post's other readers (who opted in) that I am writing.
        At most one per post per `WEBSOCKET_TYPING_INTERVAL_SECONDS`; more are dropped."""
        post_id = message.get("post")
        if not isinstance(post_id, int) or isinstance(post_id, bool) or not 0 < post_id <= MAX_SEQ:
            await self.send_error("invalid_message", "'post' is a post id.")
            return
        stream = streams.post_stream(post_id)
        if stream not in self.subscriptions:
            await self.send_error("not_subscribed", "Subscribe to the post first.", stream=stream)
            return
        now = time.monotonic()
        interval = setting("WEBSOCKET_TYPING_INTERVAL_SECONDS", 3)
        if now - self.typing_sent.get(post_id, -interval) < interval:
            return
        self.share_presence = await database_sync_to_async(shares_presence)(self.user_id)
        if not self.share_presence:
            await self.send_error(
                "presence_off", "Typing and presence are switched off in your profile."
            )
            return
        self.typing_sent[post_id] = now
        await self.channel_layer.group_send(
            streams.stream_group(stream),
            {
                "type": "realtime.typing",
                "stream": stream,
                "post": post_id,
                "employee": self._me(),
            },
        )

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
        org = bool(message.get("org"))
        targets = [
            stream
            for stream, sub in self.subscriptions.items()
            if (only is None or stream == only)
            and (community_id is None or sub.community_id == community_id)
            and (not org or sub.org_dependent)
        ]
        if not targets and (community_id is not None or only is not None or org):
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

    async def realtime_typing(self, message: dict[str, Any]) -> None:
        if not self._hears(message):
            return
        await self.send_json(
            {"type": "typing", "post": message["post"], "employee": message["employee"]}
        )

    async def realtime_presence(self, message: dict[str, Any]) -> None:
        if not self._hears(message):
            return
        stream = message["stream"]
        await self.send_json(
            {
                "type": "presence",
                "stream": stream,
                "employee": message["employee"],
                "state": message["state"],
                "ttl": self._presence_ttl(),
            }
        )
        subscription = self.subscriptions[stream]
        if message.get("sync") and subscription.presence and message.get("reply_to"):
            # Someone arrived: tell them that I am here (no shared presence registry needed).
            await self.channel_layer.send(
                message["reply_to"], self._presence_message(stream, "online")
            )

    def _hears(self, message: dict[str, Any]) -> bool:
        """Typing and presence reach those who subscribed to the stream and opted in
        themselves (reciprocity), never the sender's own connections."""
        return (
            message.get("stream") in self.subscriptions
            and self.share_presence
            and message.get("employee", {}).get("id") != self.user_id
        )

    # --- Heartbeats ---------------------------------------------------------------------

    async def _heartbeats(self) -> None:
        interval = self._heartbeat_interval()
        # Spread the first beat, so connections opened together do not query together.
        await asyncio.sleep(interval * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
        while self.state == "open":
            try:
                async with self.lock:
                    if self.state != "open":
                        return
                    try:
                        await self._heartbeat()
                    except LAYER_ERRORS as error:
                        await self._layer_failed(error)
                        return
            except Exception as error:  # noqa: BLE001 - e.g. the database is down: next beat
                logger.warning("heartbeat failed: %s", describe(error))
            await asyncio.sleep(interval)

    async def _heartbeat(self) -> None:
        active, share, seqs = await database_sync_to_async(heartbeat_state)(
            self.user_id, list(self.subscriptions)
        )
        if not active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        for stream, last_seq in seqs.items():
            subscription = self.subscriptions.get(stream)
            if subscription is not None and last_seq > subscription.last_seq:
                # The live message of the stream's latest event(s) was lost.
                await self._send_from_log(stream, subscription.last_seq, last_seq)
        if self.state != "open":
            return
        await self.send_json(
            {
                "type": "heartbeat",
                "seqs": {stream: sub.last_seq for stream, sub in self.subscriptions.items()},
            }
        )
        stopped_sharing = self.share_presence and not share
        self.share_presence = share
        for stream, subscription in list(self.subscriptions.items()):
            if not subscription.presence:
                continue
            if stopped_sharing:
                subscription.presence = False
                await self._announce_presence(stream, "offline")
            else:
                await self._announce_presence(stream, "online")

    def _stop_heartbeats(self) -> None:
        task, self.heartbeat_task = self.heartbeat_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    @staticmethod
    def _heartbeat_interval() -> float:
        return setting("WEBSOCKET_HEARTBEAT_SECONDS", 30)

    def _presence_ttl(self) -> float:
        return _seconds(3 * self._heartbeat_interval())

    # --- Helpers ------------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.user_name}

    def _presence_message(self, stream: str, state: str, *, sync: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "realtime.presence",
            "stream": stream,
            "employee": self._me(),
            "state": state,
        }
        if sync:
            message["sync"] = True
            message["reply_to"] = self.channel_name
        return message

    async def _announce_presence(self, stream: str, state: str, *, sync: bool = False) -> None:
        await self.channel_layer.group_send(
            streams.stream_group(stream), self._presence_message(stream, state, sync=sync)
        )

    def _authorize(self, stream: str) -> access.Access | None:
        return access.authorize(access.fresh_employee(self.user_id), stream)

    def _open(self, stream: str, after_seq: int | None) -> events.StreamState | None:
        if self._authorize(stream) is None:
            return None
        return events.stream_state(stream, after_seq)

    @staticmethod
    def _max_replay() -> int:
        return int(settings.WILMA.get("WEBSOCKET_MAX_REPLAY", 1000))

    async def _send_from_log(self, stream: str, after_seq: int, upto_seq: int) -> None:
        """Send the logged events after_seq < seq <= upto_seq in order; if some were pruned,
        or there are more than `WEBSOCKET_MAX_REPLAY`, tell the client to resync and go on
        from `upto_seq`."""
        subscription = self.subscriptions[stream]
        if upto_seq - after_seq > self._max_replay():
            await self._resync(stream, subscription, upto_seq)
            return
        expected = after_seq + 1
        while expected <= upto_seq:
            batch = await database_sync_to_async(events.replay_frames)(
                stream, expected - 1, upto_seq, REPLAY_BATCH
            )
            if subscription is not self.subscriptions.get(stream):
                return  # dropped meanwhile
            if not batch or batch[0][0] != expected:
                await self._resync(stream, subscription, upto_seq)
                return
            for seq, text in batch:
                if seq != expected:
                    await self._resync(stream, subscription, upto_seq)
                    return
                if seq > subscription.last_seq:
                    await self.send(text_data=text)
                    subscription.last_seq = seq
                expected = seq + 1

    async def _resync(self, stream: str, subscription: Subscription, upto_seq: int) -> None:
        await self.send_json({"type": "resync_required", "stream": stream})
        subscription.last_seq = max(subscription.last_seq, upto_seq)

    async def _drop(self, stream: str, reason: str) -> None:
        subscription = self.subscriptions.pop(stream, None)
        parsed = streams.parse_stream(stream)
        if parsed is not None and parsed[0] == "post":
            self.typing_sent.pop(parsed[1], None)
        if subscription is not None and subscription.presence:
            await self._announce_presence(stream, "offline")
        await self._leave_groups(stream, subscription)
        await self.send_json({"type": "unsubscribed", "stream": stream, "reason": reason})

    async def _leave_groups(self, stream: str, gone: Subscription | int | None) -> None:
        """Leave the stream's group, and the control groups no other subscription needs."""
        await self.channel_layer.group_discard(streams.stream_group(stream), self.channel_name)
        community_id = gone.community_id if isinstance(gone, Subscription) else gone
        remaining = self.subscriptions.values()
        if community_id is not None and not any(
            sub.community_id == community_id for sub in remaining
        ):
            await self._leave(streams.community_control_group(community_id))
        if not any(sub.org_dependent for sub in remaining):
            await self._leave(streams.org_control_group())

    async def _join(self, group: str) -> None:
        if group not in self.control_groups:
            self.control_groups.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def _leave(self, group: str) -> None:
        if group in self.control_groups:
            self.control_groups.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)

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


def _seconds(value: float) -> int | float:
    """Whole seconds as an int in JSON (5, not 5.0)."""
    return int(value) if float(value).is_integer() else value
