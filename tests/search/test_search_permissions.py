"""The permission matrix through search: personas x communities of every kind, on results,
counts, facets, snippets and suggestions, checked against the REST rules as the oracle.

Every post and community in `feed_world` carries the word "Geheimwort", so one query reaches
all of them; what a persona may see is decided by `feed.permissions.can_read_post` and
`communities.permissions.can_see_community`, the same predicates REST uses.
"""

from __future__ import annotations

import pytest

from communities import services as community_services
from communities.models import Community
from communities.permissions import can_see_community
from feed.models import Comment, Post
from feed.permissions import can_read_post
from people.models import Employee
from search import indexing
from search.backends import get_backend
from search.query import SearchRequest
from tests.factories import CommentFactory
from tests.feed.conftest import FEED_PERSONAS, feed_world  # noqa: F401 - fixture

pytestmark = pytest.mark.embedded

WORD = "Geheimwort"


@pytest.fixture
def world(feed_world):  # noqa: F811
    for post in Post.objects.all():
        post.body = f"{post.body} {WORD}"
        post.save(update_fields=["body"])
        CommentFactory(post=post, author=post.author, body=f"Antwort {WORD}")
    for community in Community.objects.all():
        community.description = f"{community.description} {WORD}"
        community.save(update_fields=["description"])
    indexing.drain()
    return feed_world


def expected(viewer: Employee) -> set[tuple[str, int]]:
    """The REST rules, object by object."""
    allowed: set[tuple[str, int]] = set()
    for post in Post.objects.select_related("community__department"):
        if can_read_post(viewer, post):
            allowed.add(("post", post.pk))
            allowed.update(
                ("comment", c.pk) for c in Comment.objects.filter(post=post, deleted_at=None)
            )
    for community in Community.objects.select_related("department"):
        if viewer.is_active and can_see_community(viewer, community):
            allowed.add(("community", community.pk))
    return allowed


def found(viewer: Employee, q: str = WORD) -> tuple[set[tuple[str, int]], object]:
    result = get_backend().search(SearchRequest(q=q, limit=50), viewer)
    return {(h.kind, h.object_id) for h in result.hits}, result


@pytest.mark.parametrize("persona", FEED_PERSONAS)
def test_search_shows_exactly_what_rest_allows(world, persona):
    viewer = world.personas[persona]
    keys, result = found(viewer)
    assert keys == expected(viewer)
    # Counts and facets count only what is shown.
    assert result.total == len(keys)
    assert sum(result.facets["kind"].values()) == len(keys)
    visible_places = {pk for kind, pk in keys if kind == "community"} | {
        Post.objects.get(pk=pk).community_id for kind, pk in keys if kind == "post"
    }
    assert {int(pk) for pk in result.facets["community"]} <= visible_places - {None}


@pytest.mark.parametrize("persona", ["outsider", "other_dept", "inactive"])
def test_secret_community_leaks_nowhere(world, persona):
    viewer = world.personas[persona]
    secret = world.communities["secret"]
    keys, result = found(viewer, "Projekt")  # the secret community's name
    assert ("community", secret.pk) not in keys
    assert str(secret.pk) not in result.facets["community"]
    keys, result = found(viewer, "secret")  # its post says "Beitrag in secret"
    assert ("post", world.posts["secret"].pk) not in keys
    assert all("secret" not in hit.snippet for hit in result.hits)
    assert result.total == len(keys)
    suggestions = get_backend().suggest("Projekt", viewer, 8)
    assert all(hit.object_id != secret.pk for hit in suggestions)


def test_access_changes_count_at_once_without_the_worker(world):
    member = world.personas["member"]
    private = world.communities["private"]
    post = world.posts["private"]
    assert ("post", post.pk) in found(member)[0]
    community_services.leave_community(employee=member, community=private)
    assert ("post", post.pk) not in found(Employee.objects.get(pk=member.pk))[0]


def test_deletion_and_deactivation_count_at_once(world):
    admin = world.personas["admin"]
    post = world.posts["public"]
    Post.objects.filter(pk=post.pk).update(deleted_at=post.created_at)  # no signal, no task
    keys, _ = found(admin)
    assert ("post", post.pk) not in keys
    assert not any(
        kind == "comment" and Comment.objects.get(pk=pk).post_id == post.pk for kind, pk in keys
    )
    author = world.personas["author"]
    Employee.objects.filter(pk=author.pk).update(is_active=False)
    assert ("person", author.pk) not in found(admin, author.last_name)[0]


def test_inactive_searcher_finds_nothing(world):
    keys, result = found(world.personas["inactive"])
    assert keys == set() and result.total == 0
