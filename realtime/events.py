"""Recording events (inside the writing service's transaction) and publishing them after
commit. Nothing outside `realtime/` calls the channel layer.

- `record_event` appends an event to a stream's log with the next sequence number. It locks the
  stream's counter row, so two transactions writing to one stream take numbers in the order
  they commit, and a client replaying "everything after seq N" can never skip a row that
  commits later with a smaller number.
- After commit the event's frame (the whole websocket message, serialized once) goes to the
  stream's group, and the row is marked published. If the process dies in between, or the
  channel layer is down, `manage.py realtime_relay` sends it later.
- `notify_*` tell open connections, after commit, to re-check what they may still read, or to
  close (a deactivated employee).
- `recording_paused()` turns recording off for bulk jobs that must not leave a log behind
  (the demo seed: thousands of events stamped "now" would be replayed to the first clients).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from realtime.layer import send_to_group_sync
from realtime.models import Event, StreamCounter
from realtime.streams import (
    community_control_group,
    org_control_group,
    parse_stream,
    stream_group,
    user_control_group,
)

logger = logging.getLogger(__name__)

# Channel-layer message types, handled by `RealtimeConsumer.realtime_<...>`.
EVENT_MESSAGE = "realtime.event"
RECHECK_MESSAGE = "realtime.recheck"
CLOSE_MESSAGE = "realtime.close"


def dumps(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def frame(stream: str, seq: int, type: str, payload: str) -> str:
    """The websocket message for an event, built from its stored parts without re-parsing."""
    return (
        f'{{"type":"event","stream":{json.dumps(stream)},"seq":{int(seq)},'
        f'"event":{json.dumps(type)},"data":{payload}}}'
    )


# --- Recording ------------------------------------------------------------------------------

_paused: ContextVar[bool] = ContextVar("realtime_recording_paused", default=False)


@contextlib.contextmanager
def recording_paused() -> Iterator[None]:
    """Within the block, `record_event` stores and sends nothing and `notify_*` tell nobody:
    for bulk jobs whose changes no client can be waiting for (building the demo)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _check_deferred_constraints() -> None:
    """Run PostgreSQL's pending foreign-key checks now instead of at commit.

    Django creates foreign keys DEFERRABLE INITIALLY DEFERRED, so the check of an inserted row
    (which takes a KEY SHARE lock on the parent row: the post a reaction belongs to, the
    community a post is in) happens at commit, after the stream counter was locked. Another
    transaction holding that parent row (create_comment locks the post, membership changes lock
    the community) and waiting for the same counter would then deadlock with us. Taking those
    locks before the counter's keeps one lock order everywhere: rows first, counters last.
    The second statement restores Django's default (every FK here is deferrable).
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _locked_counter(stream: str) -> StreamCounter:
    _check_deferred_constraints()
    counter = StreamCounter.objects.select_for_update().filter(name=stream).first()
    if counter is None:
        # First event of the stream: insert the counter if no concurrent transaction did
        # (ON CONFLICT DO NOTHING, so this never aborts the transaction), then lock it.
        StreamCounter.objects.bulk_create([StreamCounter(name=stream)], ignore_conflicts=True)
        counter = StreamCounter.objects.select_for_update().get(name=stream)
    return counter


def record_event(
    *, stream: str, type: str, data: dict[str, Any] | str, subject: str = "", recheck: bool = False
) -> Event:
    """Append an event to `stream` and publish it once the surrounding transaction commits.

    Call it inside the service's transaction, after the change it describes. `data` is the
    payload (serialized here, once) or an already serialized JSON object. `subject` names what
    the event is about (for `redact_events`). `recheck` makes every subscriber re-check its
    access before it is delivered (for changes to who may read the stream).
    """
    assert transaction.get_connection().in_atomic_block, "record_event needs a transaction"
    if parse_stream(stream) is None:
        raise ValueError(f"not a stream: {stream!r}")
    if _paused.get():
        return Event(stream=stream, seq=0, type=type, payload="{}", subject=subject)
    payload = data if isinstance(data, str) else dumps(data)
    counter = _locked_counter(stream)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    event = Event.objects.create(
        stream=stream, seq=counter.last_seq, type=type, payload=payload, subject=subject
    )
    transaction.on_commit(lambda: publish([event], recheck=recheck), robust=True)
    return event


def subject(kind: str, pk: int) -> str:
    """What an event is about, e.g. `post.12`: the key `redact_events` looks for."""
    return f"{kind}.{int(pk)}"


def redact_events(kind: str, pk: int) -> int:
    """Replace the payloads of earlier events about a deleted post or comment with
    `{"id": <pk>, "redacted": true}`, so a later replay no longer hands out its text. Call
    inside the deleting transaction, before recording the deletion event."""
    if _paused.get():
        return 0
    redacted = dumps({"id": int(pk), "redacted": True})
    return Event.objects.filter(subject=subject(kind, pk)).update(payload=redacted)


# --- Publishing -----------------------------------------------------------------------------


def event_message(event: Event, *, recheck: bool = False) -> dict[str, Any]:
    return {
        "type": EVENT_MESSAGE,
        "stream": event.stream,
        "seq": event.seq,
        "frame": frame(event.stream, event.seq, event.type, event.payload),
        "recheck": recheck,
    }


def _group_send(group: str, message: dict[str, Any]) -> bool:
    """Send to a group; False (logged once per outage, never raised) if the layer is down."""
    return send_to_group_sync(group, message)


def mark_published(event_ids: list[int]) -> None:
    """Mark sent events, so the relay leaves them alone. A failure only means the relay
    sends them again later (clients drop duplicates by seq)."""
    if not event_ids:
        return
    try:
        Event.objects.filter(pk__in=event_ids).update(published_at=timezone.now())
    except Exception as error:  # noqa: BLE001 - the database went away after commit
        logger.warning("realtime: could not mark %d event(s) published: %s", len(event_ids), error)


def publish(events: Iterable[Event], *, recheck: bool = False) -> int:
    """Send committed events to their streams' groups and mark them published; events that
    could not be sent stay unpublished for the relay. Never raises (it runs after commit:
    the write has succeeded whatever happens here). Returns how many were sent."""
    sent = []
    for event in events:
        if _group_send(stream_group(event.stream), event_message(event, recheck=recheck)):
            sent.append(event.pk)
    mark_published(sent)
    return len(sent)


def unpublished_events(*, older_than: timedelta, batch: int = 500) -> list[Event]:
    """Events committed more than `older_than` ago and still not published, oldest stream
    order first: what the relay sends."""
    cutoff = timezone.now() - older_than
    return list(
        Event.objects.filter(published_at__isnull=True, created_at__lt=cutoff).order_by(
            "stream", "seq"
        )[:batch]
    )


def relay_unpublished(*, older_than: timedelta, batch: int = 500) -> int:
    """Send events committed more than `older_than` ago and still not published (the process
    died between commit and send, or the channel layer was down). Duplicates are harmless:
    clients drop events by seq. Returns how many were sent."""
    total = 0
    while True:
        pending = unpublished_events(older_than=older_than, batch=batch)
        if not pending:
            return total
        sent = publish(pending)
        total += sent
        if sent < len(pending):
            return total  # the channel layer is failing; try again on the next round


def prune_events(*, older_than: timedelta, batch: int = 5000) -> int:
    """Delete events recorded before `older_than` ago. The stream counters stay, so sequence
    numbers never restart. Returns how many rows were deleted."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(Event.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Event.objects.filter(pk__in=ids).delete()[0]


# --- Access changes -------------------------------------------------------------------------


def _after_commit(group: str, message: dict[str, Any]) -> None:
    if _paused.get():
        return
    transaction.on_commit(lambda: _group_send(group, message), robust=True)


def notify_user_access_changed(employee_id: int) -> None:
    """After commit, the employee's connections re-check every subscription (their membership
    ended, their department changed...) and drop what they may no longer read."""
    _after_commit(user_control_group(employee_id), {"type": RECHECK_MESSAGE})


def notify_community_access_changed(community_id: int) -> None:
    """After commit, every connection subscribed to the community's stream or to one of its
    posts re-checks (the community became private, secret or department-restricted)."""
    _after_commit(
        community_control_group(community_id),
        {"type": RECHECK_MESSAGE, "community_id": int(community_id)},
    )


def notify_org_changed() -> None:
    """After commit, every connection re-checks its subscriptions that depend on the
    organisation tree (a department moved: restricted communities and unit announcements may
    now be closed to whole subtrees). One broadcast, not one message per employee."""
    _after_commit(org_control_group(), {"type": RECHECK_MESSAGE, "org": True})


def notify_stream_access_changed(stream: str) -> None:
    """After commit, every connection subscribed to `stream` re-checks it (e.g. the post was
    deleted)."""
    _after_commit(stream_group(stream), {"type": RECHECK_MESSAGE, "stream": stream})


def close_user_connections(employee_id: int) -> None:
    """After commit, close every connection of the employee with 4401 (deactivated)."""
    _after_commit(user_control_group(employee_id), {"type": CLOSE_MESSAGE})


# --- Replay ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamState:
    last_seq: int
    # Whether events after the client's `after_seq` were pruned (or the log was reset).
    gap: bool


def stream_state(stream: str, after_seq: int | None) -> StreamState:
    """The stream's last committed seq, and whether a replay from `after_seq` is complete."""
    last_seq = StreamCounter.objects.filter(name=stream).values_list("last_seq", flat=True).first()
    last_seq = last_seq or 0
    if after_seq is None or after_seq == last_seq:
        return StreamState(last_seq, gap=False)
    if after_seq > last_seq:
        return StreamState(last_seq, gap=True)
    first = (
        Event.objects.filter(stream=stream, seq__gt=after_seq)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    return StreamState(last_seq, gap=first != after_seq + 1)


def stream_seqs(streams: list[str]) -> dict[str, int]:
    """The last committed seq of each stream (0 for a stream without events): one query."""
    if not streams:
        return {}
    found = dict(StreamCounter.objects.filter(name__in=streams).values_list("name", "last_seq"))
    return {stream: int(found.get(stream, 0)) for stream in streams}


def replay_frames(stream: str, after_seq: int, upto_seq: int, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` events with after_seq < seq <= upto_seq, in order, as (seq, frame)."""
    rows = (
        Event.objects.filter(stream=stream, seq__gt=after_seq, seq__lte=upto_seq)
        .order_by("seq")
        .values_list("seq", "type", "payload")[:limit]
    )
    return [(seq, frame(stream, seq, type_, payload)) for seq, type_, payload in rows]
