"""Streams over the websocket: subscribe, live events, replay, duplicates, gaps, resync,
access (outsiders get nothing) and revocation when access ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from communities import services as community_services
from feed import services as feed_services
from feed.models import Post
from people.services import set_employee_active
from realtime import events as realtime_events
from realtime.models import Event, StreamCounter
from realtime.protocol import CLOSE_UNAUTHENTICATED
from realtime.streams import community_stream, post_stream, profile_stream, user_stream
from tests.realtime.conftest import (
    TIMEOUT,
    connect,
    events_until_quiet,
    receive,
    run,
    subscribe,
)

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


async def post_in(world, community, body="Hallo") -> Post:
    return await run(feed_services.create_post, author=world.owner, community=community, body=body)


def seqs(messages: list[dict]) -> list[int]:
    return [m["seq"] for m in messages if m["type"] == "event"]


# --- Subscribe and live ---------------------------------------------------------------------


async def test_subscribe_then_a_new_post_arrives_live_with_the_rest_payload(world):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    assert await subscribe(ws, stream, 0) == {"type": "subscribed", "stream": stream, "seq": 0}
    post = await post_in(world, world.public, "Radltour am **Samstag** #Radl")
    event = await receive(ws)
    assert event["type"] == "event" and event["stream"] == stream and event["seq"] == 1
    assert event["event"] == "post.created"
    data = event["data"]
    assert data["id"] == post.pk and data["body"].startswith("Radltour")
    assert "<strong>Samstag</strong>" in data["body_html"] and data["hashtags"] == ["Radl"]
    assert data["author"]["id"] == world.owner.pk
    assert data["community"]["id"] == world.public.pk
    # Viewer-neutral: no one's own state.
    assert data["my_reactions"] == [] and data["saved"] is False
    await ws.disconnect()


async def test_without_after_seq_only_new_events_arrive(world):
    await post_in(world, world.public)
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    assert (await subscribe(ws, stream))["seq"] == 1
    assert await ws.receive_nothing(timeout=0.3)
    await post_in(world, world.public)
    assert (await receive(ws))["seq"] == 2
    await ws.disconnect()


async def test_comments_reactions_and_polls_go_to_the_post_stream(world):
    post = await run(
        feed_services.create_post,
        author=world.owner,
        community=world.public,
        body="Wohin?",
        poll={"question": "Wohin?", "options": ["Isar", "Würm"]},
    )
    ws = await connect(world.member)
    await subscribe(ws, post_stream(post.pk), 0)
    await subscribe(ws, community_stream(world.public.pk), 1)
    comment = await run(feed_services.create_comment, author=world.member, post=post, body="Isar")
    await run(feed_services.toggle_reaction, employee=world.member, post=post, kind="👍")
    from polls import services as poll_services

    poll = await database_sync_to_async(lambda: post.poll)()
    option = await database_sync_to_async(lambda: poll.options.order_by("position").first())()
    await run(poll_services.vote, voter=world.member, poll=poll, option_ids=[option.pk])
    received = await events_until_quiet(ws)
    kinds = [(m["stream"], m["event"]) for m in received]
    assert kinds == [
        (post_stream(post.pk), "comment.created"),
        (community_stream(world.public.pk), "post.activity"),
        (post_stream(post.pk), "reaction.changed"),
        (post_stream(post.pk), "poll.updated"),
    ]
    created, activity, reaction, poll_event = (m["data"] for m in received)
    assert created["id"] == comment.pk and created["my_reactions"] == []
    assert activity == {
        "id": post.pk,
        "comment_count": 1,
        "last_activity_at": activity["last_activity_at"],
    }
    assert reaction["reactions"] == {"👍": 1} and reaction["reacted"] is True
    assert poll_event["total_votes"] == 1 and poll_event["my_votes"] == []
    await ws.disconnect()


async def test_profile_posts_go_to_the_profile_stream_and_user_streams_are_private(world):
    ws = await connect(world.outsider)
    assert (await subscribe(ws, profile_stream(world.owner.pk), 0))["type"] == "subscribed"
    denied = await subscribe(ws, user_stream(world.owner.pk), 0)
    assert denied["type"] == "error" and denied["code"] == "not_found"
    assert (await subscribe(ws, user_stream(world.outsider.pk), 0))["type"] == "subscribed"
    await run(feed_services.create_post, author=world.owner, body="Mein Profil")
    event = await receive(ws)
    assert event["stream"] == profile_stream(world.owner.pk) and event["event"] == "post.created"
    await ws.disconnect()


async def test_invitation_reaches_the_invitees_user_stream(world):
    ws = await connect(world.outsider)
    await subscribe(ws, user_stream(world.outsider.pk), 0)
    await run(
        community_services.invite_to_community,
        actor=world.owner,
        community=world.secret,
        invitee=world.outsider,
    )
    event = await receive(ws)
    assert event["event"] == "invitation.created"
    assert event["data"]["community"]["id"] == world.secret.pk
    await ws.disconnect()


async def test_unsubscribe_stops_events(world):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream, 0)
    await ws.send_json_to({"type": "unsubscribe", "stream": stream})
    assert await receive(ws) == {"type": "unsubscribed", "stream": stream, "reason": "client"}
    await post_in(world, world.public)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "subscribe", "stream": "community.x"},
        {"type": "subscribe", "stream": "chat.1"},
        {"type": "subscribe", "stream": "community.0"},
        {"type": "subscribe", "stream": 5},
        {"type": "subscribe", "stream": "community.1", "after_seq": -1},
        {"type": "subscribe", "stream": "community.1", "after_seq": "3"},
        {"type": "subscribe", "stream": "community.1", "after_seq": True},
    ],
)
async def test_malformed_subscribe_is_an_error(world, message):
    ws = await connect(world.member)
    await ws.send_json_to(message)
    answer = await receive(ws)
    assert answer["type"] == "error" and answer["code"] == "invalid_message"
    await ws.disconnect()


async def test_subscriptions_per_connection_are_bounded(world, settings):
    settings.WILMA = {**settings.WILMA, "WEBSOCKET_MAX_SUBSCRIPTIONS": 2}
    ws = await connect(world.member)
    assert (await subscribe(ws, community_stream(world.public.pk)))["type"] == "subscribed"
    assert (await subscribe(ws, community_stream(world.private.pk)))["type"] == "subscribed"
    refused = await subscribe(ws, community_stream(world.secret.pk))
    assert refused["code"] == "too_many_subscriptions"
    # Subscribing again to a stream already held is not a new subscription.
    assert (await subscribe(ws, community_stream(world.public.pk)))["type"] == "subscribed"
    await ws.disconnect()


# --- Replay, duplicates, gaps, resync -------------------------------------------------------


async def test_replay_after_a_gap_then_live(world):
    for n in range(4):
        await post_in(world, world.public, f"Beitrag {n}")
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    assert await subscribe(ws, stream, 2) == {"type": "subscribed", "stream": stream, "seq": 4}
    replayed = [await receive(ws), await receive(ws)]
    assert seqs(replayed) == [3, 4]
    assert [m["data"]["body"] for m in replayed] == ["Beitrag 2", "Beitrag 3"]
    await post_in(world, world.public)
    assert (await receive(ws))["seq"] == 5
    await ws.disconnect()


async def test_duplicates_from_relay_and_replay_are_dropped_and_seqs_have_no_gaps(world):
    stream = community_stream(world.public.pk)
    await post_in(world, world.public)
    ws = await connect(world.member)
    await subscribe(ws, stream, 0)
    await post_in(world, world.public)
    # The relay re-sends everything (as after a crash): nothing arrives twice.
    logged = await database_sync_to_async(lambda: list(Event.objects.filter(stream=stream)))()
    await database_sync_to_async(realtime_events.publish)(logged)
    await post_in(world, world.public)
    received = await events_until_quiet(ws)
    assert seqs(received) == [1, 2, 3]
    await ws.disconnect()


async def test_a_live_event_lost_by_the_channel_layer_is_filled_from_the_log(world, monkeypatch):
    stream = community_stream(world.public.pk)
    ws = await connect(world.member)
    await subscribe(ws, stream, 0)
    await post_in(world, world.public)
    monkeypatch.setattr(realtime_events, "_group_send", lambda group, message: False)
    await post_in(world, world.public)  # committed, never delivered live
    monkeypatch.undo()
    await post_in(world, world.public)
    received = await events_until_quiet(ws)
    assert seqs(received) == [1, 2, 3]
    assert (
        await database_sync_to_async(
            lambda: Event.objects.filter(published_at__isnull=True).count()
        )()
        == 1
    )
    await ws.disconnect()


async def test_subscribe_far_behind_retention_answers_resync_required(world):
    stream = community_stream(world.public.pk)
    for _ in range(3):
        await post_in(world, world.public)
    long_ago = timezone.now() - timedelta(days=30)
    await database_sync_to_async(
        lambda: Event.objects.filter(stream=stream, seq__lte=2).update(created_at=long_ago)
    )()
    deleted = await database_sync_to_async(realtime_events.prune_events)(
        older_than=timedelta(hours=72)
    )
    assert deleted == 2
    ws = await connect(world.member)
    assert await subscribe(ws, stream, 0) == {"type": "resync_required", "stream": stream}
    assert await receive(ws) == {"type": "subscribed", "stream": stream, "seq": 3}
    assert await ws.receive_nothing(timeout=0.3)  # no partial replay
    await post_in(world, world.public)
    assert (await receive(ws))["seq"] == 4  # live continues
    # Still within retention: a normal replay.
    assert await subscribe(ws, stream, 2) == {"type": "subscribed", "stream": stream, "seq": 4}
    assert seqs([await receive(ws), await receive(ws)]) == [3, 4]
    await ws.disconnect()


async def test_after_seq_beyond_the_stream_answers_resync_required(world):
    stream = community_stream(world.public.pk)
    await post_in(world, world.public)
    ws = await connect(world.member)
    assert (await subscribe(ws, stream, 99))["type"] == "resync_required"
    assert await receive(ws) == {"type": "subscribed", "stream": stream, "seq": 1}
    await ws.disconnect()


async def test_deleted_post_is_redacted_in_replay(world):
    post = await post_in(world, world.public, "Versehentlich gepostet")
    await run(feed_services.delete_post, actor=world.owner, post=post)
    ws = await connect(world.member)
    await subscribe(ws, community_stream(world.public.pk), 0)
    created, deleted = await receive(ws), await receive(ws)
    assert created["event"] == "post.created"
    assert created["data"] == {"id": post.pk, "redacted": True}
    assert deleted["event"] == "post.deleted" and deleted["data"] == {"id": post.pk}
    await ws.disconnect()


# --- Access: outsiders get nothing ----------------------------------------------------------


@pytest.mark.parametrize("community_name", ["private", "secret"])
async def test_outsider_cannot_subscribe_to_a_closed_community_or_its_posts(world, community_name):
    community = getattr(world, community_name)
    post = await post_in(world, community, "Intern")
    ws = await connect(world.outsider)
    for stream in (community_stream(community.pk), post_stream(post.pk)):
        answer = await subscribe(ws, stream, 0)
        assert answer == {
            "type": "error",
            "code": "not_found",
            "message": "No such stream.",
            "stream": stream,
        }
    # Hidden looks exactly like missing.
    missing = await subscribe(ws, community_stream(999_999), 0)
    assert missing["code"] == "not_found"
    await post_in(world, community, "Noch interner")
    await run(feed_services.create_comment, author=world.member, post=post, body="psst")
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


# --- Revocation -----------------------------------------------------------------------------


async def test_leaving_a_private_community_revokes_its_stream_and_its_posts_at_once(world):
    post = await post_in(world, world.private)
    ws = await connect(world.member)
    streams = [community_stream(world.private.pk), post_stream(post.pk)]
    for stream in streams:
        await subscribe(ws, stream, None)
    await subscribe(ws, community_stream(world.public.pk), None)
    await run(community_services.leave_community, employee=world.member, community=world.private)
    received = await events_until_quiet(ws)
    revoked = [m for m in received if m["type"] == "unsubscribed"]
    assert sorted(m["stream"] for m in revoked) == sorted(streams)
    assert {m["reason"] for m in revoked} == {"access_revoked"}
    # The member.left event itself (published before the re-check) may or may not have come
    # first; nothing after it does.
    await post_in(world, world.private)
    await run(feed_services.create_comment, author=world.owner, post=post, body="Nachtrag")
    assert await ws.receive_nothing(timeout=0.3)
    # The public subscription is untouched.
    await post_in(world, world.public)
    assert (await receive(ws))["stream"] == community_stream(world.public.pk)
    await ws.disconnect()


async def test_removed_member_is_unsubscribed_and_gets_no_further_events(world):
    ws = await connect(world.member)
    stream = community_stream(world.secret.pk)
    await subscribe(ws, stream)
    await run(
        community_services.remove_member,
        actor=world.owner,
        community=world.secret,
        employee=world.member,
    )
    received = await events_until_quiet(ws)
    assert received[-1] == {"type": "unsubscribed", "stream": stream, "reason": "access_revoked"}
    await post_in(world, world.secret)
    assert await ws.receive_nothing(timeout=0.3)
    # And subscribing again is refused like a missing stream.
    assert (await subscribe(ws, stream, 0))["code"] == "not_found"
    await ws.disconnect()


async def test_leaving_a_public_community_keeps_the_subscription(world):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream)
    await run(community_services.leave_community, employee=world.member, community=world.public)
    left = await receive(ws)
    assert left["event"] == "member.left" and left["data"] == {"employee_id": world.member.pk}
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_community_made_private_revokes_readers_before_they_see_the_change(world):
    post = await post_in(world, world.public)
    reader = await connect(world.outsider)  # reads the public community without joining
    member = await connect(world.member)
    stream = community_stream(world.public.pk)
    for ws in (reader, member):
        await subscribe(ws, stream)
    await subscribe(reader, post_stream(post.pk))
    await run(
        community_services.update_community,
        actor=world.owner,
        community=world.public,
        visibility="private",
        join_policy="request",
        description="Jetzt nur für Mitglieder",
    )
    revoked = await events_until_quiet(reader)
    assert sorted(m["stream"] for m in revoked) == sorted([stream, post_stream(post.pk)])
    assert all(m["type"] == "unsubscribed" for m in revoked)  # never the new settings
    updated = await receive(member)
    assert updated["event"] == "community.updated"
    assert updated["data"]["visibility"] == "private"
    assert "my_role" not in updated["data"]
    for ws in (reader, member):
        await ws.disconnect()


async def test_deleted_post_unsubscribes_its_stream(world):
    post = await post_in(world, world.public)
    ws = await connect(world.member)
    await subscribe(ws, post_stream(post.pk))
    await run(feed_services.delete_post, actor=world.owner, post=post)
    assert await receive(ws) == {
        "type": "unsubscribed",
        "stream": post_stream(post.pk),
        "reason": "access_revoked",
    }
    await ws.disconnect()


async def test_deactivation_closes_open_sockets_with_4401(world):
    ws = await connect(world.member)
    await subscribe(ws, community_stream(world.public.pk))
    await run(set_employee_active, employee=world.member, active=False)
    assert await ws.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


# --- Transactions ---------------------------------------------------------------------------


async def test_nothing_is_recorded_or_sent_when_the_transaction_rolls_back(world):
    ws = await connect(world.member)
    stream = community_stream(world.public.pk)
    await subscribe(ws, stream)

    def create_then_fail() -> None:
        with transaction.atomic():
            feed_services.create_post(author=world.owner, community=world.public, body="Nie")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(create_then_fail)()
    assert await ws.receive_nothing(timeout=0.3)
    assert not await database_sync_to_async(lambda: Event.objects.exists())()
    counter = await database_sync_to_async(
        lambda: StreamCounter.objects.filter(name=stream).first()
    )()
    assert counter is None or counter.last_seq == 0
    await ws.disconnect()


def test_record_event_outside_a_transaction_is_refused(db):
    with pytest.raises(AssertionError):
        realtime_events.record_event(stream="community.1", type="x", data={})
