"""Which events each service records, on which stream, with which payload (read from the log;
delivery is covered by test_streams)."""

from __future__ import annotations

import json

import pytest

from communities import services as community_services
from communities.models import Role
from feed import services as feed_services
from realtime.models import Event
from realtime.streams import community_stream, post_stream, user_stream
from tests.factories import EmployeeFactory, add_member

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def logged(stream: str | None = None) -> list[tuple[str, str, dict]]:
    events = Event.objects.order_by("id")
    if stream is not None:
        events = events.filter(stream=stream)
    return [(e.stream, e.type, json.loads(e.payload)) for e in events]


def types(stream: str | None = None) -> list[str]:
    return [t for _s, t, _d in logged(stream)]


def test_post_lifecycle_events(world):
    post = feed_services.create_post(author=world.owner, community=world.public, body="Eins")
    feed_services.edit_post(editor=world.owner, post=post, body="Zwei")
    feed_services.edit_post(editor=world.owner, post=post, body="Zwei")  # no-op: no event
    feed_services.pin_post(actor=world.owner, post=post, pinned=True)
    feed_services.pin_post(actor=world.owner, post=post, pinned=True)  # idempotent
    feed_services.lock_comments(actor=world.owner, post=post, locked=True)
    feed_services.delete_post(actor=world.owner, post=post)
    stream = community_stream(world.public.pk)
    assert types(stream) == [
        "post.created",
        "post.edited",
        "post.pinned",
        "post.locked",
        "post.deleted",
    ]
    # Deleted: the text is gone from the log.
    assert all("Eins" not in e.payload and "Zwei" not in e.payload for e in Event.objects.all())
    assert [e.seq for e in Event.objects.filter(stream=stream).order_by("seq")] == [1, 2, 3, 4, 5]


def test_comment_events_and_redaction(world):
    post = feed_services.create_post(author=world.owner, community=world.public, body="Post")
    comment = feed_services.create_comment(author=world.member, post=post, body="Geheimnis")
    feed_services.edit_comment(editor=world.member, comment=comment, body="Geheimnis 2")
    feed_services.delete_comment(actor=world.member, comment=comment)
    assert types(post_stream(post.pk)) == ["comment.created", "comment.edited", "comment.deleted"]
    assert "Geheimnis" not in "".join(Event.objects.values_list("payload", flat=True))
    activity = [d for _s, t, d in logged(community_stream(world.public.pk)) if t == "post.activity"]
    assert [a["comment_count"] for a in activity] == [1, 0]


def test_reaction_toggle_records_both_directions(world):
    post = feed_services.create_post(author=world.owner, community=world.public, body="Post")
    feed_services.toggle_reaction(employee=world.member, post=post, kind="👍")
    feed_services.toggle_reaction(employee=world.member, post=post, kind="👍")
    changes = [d for _s, t, d in logged(post_stream(post.pk)) if t == "reaction.changed"]
    assert [(c["reacted"], c["reactions"]) for c in changes] == [(True, {"👍": 1}), (False, {})]


def test_denied_service_records_nothing(world):
    with pytest.raises(Exception):  # noqa: B017 - the service's own 404/403
        feed_services.create_post(author=world.outsider, community=world.secret, body="Hallo")
    assert not Event.objects.exists()


def test_membership_events(world):
    joiner = EmployeeFactory(department=world.member.department)
    community_services.join_community(employee=joiner, community=world.public)
    community_services.change_role(
        actor=world.owner, community=world.public, employee=joiner, role=Role.MODERATOR
    )
    community_services.remove_member(actor=world.owner, community=world.public, employee=joiner)
    community_services.leave_community(employee=world.member, community=world.public)
    records = logged(community_stream(world.public.pk))
    assert [t for _s, t, _d in records] == [
        "member.joined",
        "member.role_changed",
        "member.removed",
        "member.left",
    ]
    joined = records[0][2]
    assert joined["employee"]["id"] == joiner.pk and joined["role"] == "member"


def test_community_update_payload_has_no_viewer_state(world):
    community_services.update_community(
        actor=world.owner, community=world.public, description="Neu", tags=["Radl"]
    )
    community_services.archive_community(actor=world.owner, community=world.public)
    community_services.unarchive_community(actor=world.owner, community=world.public)
    (_s, _t, updated), *_rest = logged(community_stream(world.public.pk))
    assert updated["description"] == "Neu" and updated["tags"] == ["Radl"]
    assert not {"my_role", "my_pending_request", "my_pending_invitation_id"} & set(updated)
    assert types() == ["community.updated", "community.archived", "community.unarchived"]


def test_join_requests_go_to_moderators_and_the_decision_to_the_requester(world):
    requester = EmployeeFactory(department=world.member.department)
    moderator = EmployeeFactory(department=world.member.department)
    add_member(world.private, moderator, Role.MODERATOR)
    join_request = community_services.request_to_join(
        employee=requester, community=world.private, message="Bitte"
    )
    streams = sorted(s for s, t, _d in logged() if t == "join_request.created")
    assert streams == sorted([user_stream(world.owner.pk), user_stream(moderator.pk)])
    # Plain members are not told.
    assert not Event.objects.filter(stream=user_stream(world.member.pk)).exists()
    community_services.approve_join_request(actor=world.owner, join_request=join_request)
    decided = logged(user_stream(requester.pk))
    assert [(t, d["status"]) for _s, t, d in decided] == [("join_request.decided", "approved")]
    assert "member.joined" in types(community_stream(world.private.pk))


def test_invitations_go_to_the_invitee(world):
    invitation = community_services.invite_to_community(
        actor=world.owner, community=world.secret, invitee=world.outsider
    )
    community_services.revoke_invitation(actor=world.owner, invitation=invitation)
    assert types(user_stream(world.outsider.pk)) == ["invitation.created", "invitation.revoked"]
