"""The permission matrix through the websocket: personas x streams x access paths (subscribe
with a replay of the log, then live events), against an oracle written out by hand from the
rules (guide section 3, docs/realtime.md). Whatever the oracle denies must answer `not_found`
and deliver nothing: no replayed event, no live event, on any stream kind, the announcement
streams included."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async

from announcements import services as announcement_services
from communities import services as community_services
from communities.models import Community, Role
from feed import services as feed_services
from feed.models import Post
from people.models import Employee
from realtime.streams import (
    announcements_stream,
    community_stream,
    post_stream,
    profile_stream,
    user_stream,
)
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from tests.realtime.conftest import connect, events_until_quiet, receive

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PERSONAS = ("outsider", "member", "other_department", "admin")
RESOURCES = (
    "community:public",
    "community:private",
    "community:secret",
    "community:restricted_kvr_i",
    "community:restricted_rbs",
    "post:public",
    "post:private",
    "post:secret",
    "post:restricted_kvr_i",
    "post:restricted_rbs",
    "profile:owner",
    "user:owner",
    "user:outsider",
    "announcements:kvr_i",
    "announcements:rbs",
    "announcements:all",
)

# Who may read what. The outsider works in KVR-I-1 (inside KVR-I), the member in KVR-I and
# belongs to the world's three communities, the other employee in RBS, the admin is a site
# admin in RBS. Restricted communities are public within their unit's subtree.
EVERYONE = set(PERSONAS)
ORACLE: dict[str, set[str]] = {
    "community:public": EVERYONE,
    "community:private": {"member", "admin"},
    "community:secret": {"member", "admin"},
    "community:restricted_kvr_i": {"outsider", "member", "admin"},
    "community:restricted_rbs": {"other_department", "admin"},
    "profile:owner": EVERYONE,
    "user:owner": set(),
    "user:outsider": {"outsider"},
    "announcements:kvr_i": {"outsider", "member", "admin"},
    "announcements:rbs": {"other_department", "admin"},
    "announcements:all": EVERYONE,
}
for _name in ("public", "private", "secret", "restricted_kvr_i", "restricted_rbs"):
    ORACLE[f"post:{_name}"] = ORACLE[f"community:{_name}"]


@dataclass
class Matrix:
    personas: dict[str, Employee]
    streams: dict[str, str]  # resource -> stream name
    communities: dict[str, Community]
    posts: dict[str, Post]
    owner: Employee
    admin: Employee


@pytest.fixture
def matrix(world, org) -> Matrix:
    admin = EmployeeFactory(department=org.rbs, is_staff=True, is_superuser=True)
    other = EmployeeFactory(department=org.rbs)
    communities = {"public": world.public, "private": world.private, "secret": world.secret}
    for name, department in (("restricted_kvr_i", org.kvr_i), ("restricted_rbs", org.rbs)):
        community = CommunityFactory(slug=name.replace("_", "-"), department=department)
        add_member(community, world.owner, Role.OWNER)
        communities[name] = community
    posts = {
        name: feed_services.create_post(author=world.owner, community=c, body=f"Alt: {name}")
        for name, c in communities.items()
    }
    streams = {f"community:{n}": community_stream(c.pk) for n, c in communities.items()}
    streams.update({f"post:{n}": post_stream(p.pk) for n, p in posts.items()})
    streams.update(
        {
            "profile:owner": profile_stream(world.owner.pk),
            "user:owner": user_stream(world.owner.pk),
            "user:outsider": user_stream(world.outsider.pk),
            "announcements:kvr_i": announcements_stream(org.kvr_i.pk),
            "announcements:rbs": announcements_stream(org.rbs.pk),
            "announcements:all": announcements_stream(None),
        }
    )
    assert set(streams) == set(RESOURCES)
    personas = {
        "outsider": world.outsider,
        "member": world.member,
        "other_department": other,
        "admin": admin,
    }
    matrix = Matrix(personas, streams, communities, posts, world.owner, admin)
    write_one_event_everywhere(matrix, org, round_="alt")
    return matrix


def write_one_event_everywhere(matrix: Matrix, org, round_: str) -> None:
    """At least one new event on every stream of the matrix."""
    for name, community in matrix.communities.items():
        feed_services.create_post(author=matrix.owner, community=community, body=f"{round_} {name}")
    for post in matrix.posts.values():
        feed_services.create_comment(author=matrix.owner, post=post, body=f"{round_} Kommentar")
    feed_services.create_post(author=matrix.owner, body=f"{round_} Profil")
    requester = EmployeeFactory(department=org.kvr_i)  # -> join_request.created on user.owner
    community_services.request_to_join(employee=requester, community=matrix.communities["private"])
    invitee = matrix.personas["outsider"]  # -> invitation.created on user.outsider
    secret = matrix.communities["secret"]
    invitation = community_services.invite_to_community(
        actor=matrix.owner, community=secret, invitee=invitee
    )
    community_services.revoke_invitation(actor=matrix.owner, invitation=invitation)
    for department in (org.kvr_i, org.rbs, None):
        announcement_services.publish_announcement(
            author=matrix.admin, title=f"{round_} Hinweis", body="Text", department=department
        )


def reverse(matrix: Matrix) -> dict[str, str]:
    return {stream: resource for resource, stream in matrix.streams.items()}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_each_persona_reads_exactly_what_the_oracle_allows(matrix, org, persona):
    employee = matrix.personas[persona]
    by_stream = reverse(matrix)
    ws = await connect(employee)
    answers: dict[str, str] = {}
    replayed: set[str] = set()
    for stream in matrix.streams.values():
        await ws.send_json_to({"type": "subscribe", "stream": stream, "after_seq": 0})
        answer = await receive(ws)
        assert answer["stream"] == stream
        answers[by_stream[stream]] = answer["type"]
        if answer["type"] == "error":
            assert answer["code"] == "not_found"
            continue
        for _ in range(answer["seq"]):  # the whole history is replayed right after
            event = await receive(ws)
            assert (event["type"], event["stream"]) == ("event", stream)
            replayed.add(by_stream[stream])
    assert await ws.receive_nothing(timeout=0.3)  # nothing from a denied stream came later
    allowed = {r for r in RESOURCES if persona in ORACLE[r]}
    assert {r for r, answer in answers.items() if answer == "subscribed"} == allowed
    assert {r for r, answer in answers.items() if answer == "error"} == set(RESOURCES) - allowed
    assert replayed == allowed  # every allowed stream had history; no denied one leaked any

    await database_sync_to_async(write_one_event_everywhere)(matrix, org, round_="neu")
    live = {by_stream[m["stream"]] for m in await events_until_quiet(ws) if m["type"] == "event"}
    assert live == allowed
    await ws.disconnect()


def test_the_oracle_covers_every_persona_and_stream_kind():
    kinds = {resource.split(":")[0] for resource in RESOURCES}
    assert kinds == {"community", "post", "profile", "user", "announcements"}
    assert all(set(allowed) <= EVERYONE for allowed in ORACLE.values())
    # Somebody is denied something on every kind that has rules.
    assert {r.split(":")[0] for r, allowed in ORACLE.items() if allowed != EVERYONE} == {
        "community",
        "post",
        "user",
        "announcements",
    }
