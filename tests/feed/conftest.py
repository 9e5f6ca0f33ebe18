"""Fixtures for the feed tests: personas x communities of every kind x a post in each.

`feed_world` personas (on top of the shared `org`):
- author (KVR-I): member of every community, wrote every post (and the profile post)
- member (KVR-I): plain member of every community
- moderator, owner (KVR-I): that role in every community
- outsider (KVR-I-1, the `employee` fixture): no role anywhere, inside the KVR subtree
- other_dept (RBS, the `other_employee` fixture): no role anywhere, outside the KVR subtree
- admin (KVR, the `admin_user` fixture): site admin, no role
- inactive (KVR-I-1): member of every community, deactivated

Communities: public, private, secret, restricted (public, limited to the KVR subtree),
archived (public, archived). Posts (all by author, created directly, not through services):
profile (no community), one per community (same key), deleted (public community, soft
deleted), locked (public community, comments locked).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from communities.models import Community, Role, Visibility
from feed.models import Post
from people.models import Employee
from tests.factories import CommunityFactory, EmployeeFactory, PostFactory, add_member

FEED_PERSONAS = [
    "author",
    "member",
    "moderator",
    "owner",
    "outsider",
    "other_dept",
    "admin",
    "inactive",
]
FEED_COMMUNITIES = ["public", "private", "secret", "restricted", "archived"]
FEED_POSTS = ["profile", *FEED_COMMUNITIES, "deleted", "locked"]


@dataclass
class FeedWorld:
    personas: dict[str, Employee]
    communities: dict[str, Community]
    posts: dict[str, Post]


@pytest.fixture
def feed_world(org, employee, other_employee, admin_user) -> FeedWorld:
    author = EmployeeFactory(department=org.kvr_i, username="anna.autorin")
    member = EmployeeFactory(department=org.kvr_i, username="mia.member")
    moderator = EmployeeFactory(department=org.kvr_i, username="mona.moderator")
    owner = EmployeeFactory(department=org.kvr_i, username="olga.owner")
    inactive = EmployeeFactory(department=org.kvr_i_1, username="ina.inactive")
    communities = {
        "public": CommunityFactory(name="Radlfreunde", slug="public"),
        "private": CommunityFactory(
            name="Personalrat", slug="private", visibility=Visibility.PRIVATE
        ),
        "secret": CommunityFactory(name="Projekt X", slug="secret", visibility=Visibility.SECRET),
        "restricted": CommunityFactory(name="KVR Allgemein", slug="restricted", department=org.kvr),
        "archived": CommunityFactory(
            name="Altes Projekt", slug="archived", is_archived=True, archived_at=timezone.now()
        ),
    }
    for community in communities.values():
        add_member(community, owner, Role.OWNER)
        add_member(community, moderator, Role.MODERATOR)
        add_member(community, author)
        add_member(community, member)
        add_member(community, inactive)
    posts = {
        "profile": PostFactory(author=author, body="Mein erster Beitrag auf dem Profil"),
        **{
            name: PostFactory(author=author, community=community, body=f"Beitrag in {name}")
            for name, community in communities.items()
        },
        "deleted": PostFactory(
            author=author,
            community=communities["public"],
            body="Gelöschter Beitrag",
            deleted_at=timezone.now(),
        ),
        "locked": PostFactory(
            author=author,
            community=communities["public"],
            body="Diskussion beendet",
            comments_locked=True,
        ),
    }
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    personas = {
        "author": author,
        "member": member,
        "moderator": moderator,
        "owner": owner,
        "outsider": employee,
        "other_dept": other_employee,
        "admin": admin_user,
        "inactive": inactive,
    }
    # Fresh instances, as a request would load them.
    return FeedWorld(
        personas={k: Employee.objects.get(pk=v.pk) for k, v in personas.items()},
        communities={k: Community.objects.get(pk=v.pk) for k, v in communities.items()},
        posts={
            k: Post.objects.select_related("community__department", "author").get(pk=v.pk)
            for k, v in posts.items()
        },
    )
