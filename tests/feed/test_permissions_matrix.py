"""The post permission model as a matrix: personas x posts x checks, each against a small
oracle written here, independently of feed/permissions.py and communities/permissions.py.

The world (see conftest `feed_world`): author, member, moderator, owner and inactive belong to
every community; outsider (inside the KVR subtree), other_dept (RBS) and admin to none. Every
post is by author.
"""

from __future__ import annotations

import pytest

from communities.models import Community
from feed import services
from feed.models import Comment, Mention
from feed.permissions import (
    access_comment,
    access_post,
    can_comment,
    can_delete_comment,
    can_delete_post,
    can_edit_comment,
    can_edit_post,
    can_moderate_post,
    can_post_in,
    can_react,
    can_read_post,
    post_readers,
    readable_posts,
)
from tests.factories import CommentFactory
from tests.feed.conftest import FEED_COMMUNITIES, FEED_PERSONAS, FEED_POSTS
from wilma.errors import NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

# The world, described as plain facts.
ROLES = {
    "author": "member",
    "member": "member",
    "moderator": "moderator",
    "owner": "owner",
    "inactive": "member",
}
IN_KVR = {"author", "member", "moderator", "owner", "outsider", "admin", "inactive"}
COMMUNITY_OF = {
    "profile": None,
    "public": "public",
    "private": "private",
    "secret": "secret",
    "restricted": "restricted",
    "archived": "archived",
    "deleted": "public",
    "locked": "public",
}
VISIBILITY = {
    "public": "public",
    "private": "private",
    "secret": "secret",
    "restricted": "public",
    "archived": "public",
}
RESTRICTED_TO_KVR = {"restricted"}
ARCHIVED = {"archived"}
DELETED = {"deleted"}
LOCKED = {"locked"}


def reads(persona: str, post: str) -> bool:
    if persona == "inactive" or post in DELETED:
        return False
    community = COMMUNITY_OF[post]
    if community is None or persona == "admin" or persona in ROLES:
        return True
    if community in RESTRICTED_TO_KVR and persona not in IN_KVR:
        return False
    return VISIBILITY[community] == "public"


def manages(persona: str, community: str | None) -> bool:
    return community is not None and (
        persona == "admin" or ROLES.get(persona) in {"owner", "moderator"}
    )


def comments(persona: str, post: str) -> bool:
    return reads(persona, post) and post not in LOCKED and COMMUNITY_OF[post] not in ARCHIVED


def reacts(persona: str, post: str) -> bool:
    return reads(persona, post) and COMMUNITY_OF[post] not in ARCHIVED


def edits(persona: str, post: str) -> bool:
    return reads(persona, post) and persona == "author"


def deletes(persona: str, post: str) -> bool:
    return reads(persona, post) and (
        persona in {"author", "admin"} or manages(persona, COMMUNITY_OF[post])
    )


def moderates(persona: str, post: str) -> bool:
    if not reads(persona, post):
        return False
    if COMMUNITY_OF[post] is None:
        return persona in {"author", "admin"}
    return manages(persona, COMMUNITY_OF[post])


def posts_in(persona: str, community: str | None) -> bool:
    if persona == "inactive":
        return False
    return community is None or persona == "admin" or persona in ROLES


def mismatches(feed_world, check, oracle) -> list[str]:
    wrong = []
    for persona in FEED_PERSONAS:
        user = feed_world.personas[persona]
        for name in FEED_POSTS:
            got = check(user, feed_world.posts[name])
            if got != oracle(persona, name):
                wrong.append(f"{persona} x {name}: {got}")
    return wrong


def test_the_oracle_covers_every_persona_and_post(feed_world):
    assert set(feed_world.personas) == set(FEED_PERSONAS)
    assert set(feed_world.posts) == set(FEED_POSTS) == set(COMMUNITY_OF)
    assert set(feed_world.communities) == set(FEED_COMMUNITIES) == set(VISIBILITY)


@pytest.mark.parametrize(
    ("check", "oracle"),
    [
        (can_read_post, reads),
        (can_comment, comments),
        (can_react, reacts),
        (can_edit_post, edits),
        (can_delete_post, deletes),
        (can_moderate_post, moderates),
    ],
    ids=["read", "comment", "react", "edit", "delete", "moderate"],
)
def test_predicate_agrees_with_the_oracle(feed_world, check, oracle):
    assert mismatches(feed_world, check, oracle) == []


def test_readable_posts_agrees_with_the_predicate(feed_world):
    wrong = []
    for persona in FEED_PERSONAS:
        user = feed_world.personas[persona]
        readable = set(readable_posts(user).values_list("pk", flat=True))
        for name, post in feed_world.posts.items():
            if (post.pk in readable) != can_read_post(user, post):
                wrong.append(f"{persona} x {name}")
    assert wrong == []


def test_post_readers_agrees_with_the_predicate(feed_world):
    wrong = []
    for name, post in feed_world.posts.items():
        readers = set(post_readers(post).values_list("pk", flat=True))
        for persona in FEED_PERSONAS:
            user = feed_world.personas[persona]
            if (user.pk in readers) != can_read_post(user, post):
                wrong.append(f"{persona} x {name}")
    assert wrong == []


def test_access_post_is_404_exactly_where_reading_is_refused(feed_world):
    wrong = []
    for persona in FEED_PERSONAS:
        user = feed_world.personas[persona]
        for name, post in feed_world.posts.items():
            try:
                found = access_post(user, post.pk)
            except NotFound:
                found = None
            if (found is not None) != reads(persona, name) or (found and found.pk != post.pk):
                wrong.append(f"{persona} x {name}")
    assert wrong == []


def test_comment_checks_agree_with_the_oracle(feed_world):
    comments_by_post = {
        name: CommentFactory(post=post, author=feed_world.personas["member"])
        for name, post in feed_world.posts.items()
    }
    wrong = []
    for persona in FEED_PERSONAS:
        user = feed_world.personas[persona]
        for name, made in comments_by_post.items():
            try:
                access_comment(user, made.pk)
                accessible = True
            except NotFound:
                accessible = False
            comment = Comment.objects.select_related("post__community").get(pk=made.pk)
            expected = {
                "access": reads(persona, name),
                "edit": reads(persona, name) and persona == "member",
                "delete": reads(persona, name)
                and (persona == "member" or moderates(persona, name)),
            }
            got = {
                "access": accessible,
                "edit": can_edit_comment(user, comment),
                "delete": can_delete_comment(user, comment),
            }
            if got != expected:
                wrong.append(f"{persona} x {name}: {got} != {expected}")
    assert wrong == []


def test_deleted_comment_is_404_for_everyone(feed_world):
    comment = CommentFactory(post=feed_world.posts["public"], author=feed_world.personas["member"])
    Comment.objects.filter(pk=comment.pk).update(deleted_at=feed_world.posts["deleted"].deleted_at)
    for persona in FEED_PERSONAS:
        with pytest.raises(NotFound):
            access_comment(feed_world.personas[persona], comment.pk)


@pytest.mark.parametrize("post_id", [0, -1, 2**63, 10**30])
def test_impossible_ids_are_404(feed_world, post_id):
    with pytest.raises(NotFound):
        access_post(feed_world.personas["admin"], post_id)
    with pytest.raises(NotFound):
        access_comment(feed_world.personas["admin"], post_id)


def test_can_post_in_agrees_with_the_oracle(feed_world):
    targets: dict[str | None, Community | None] = {None: None, **feed_world.communities}
    wrong = []
    for persona in FEED_PERSONAS:
        user = feed_world.personas[persona]
        for name, community in targets.items():
            if can_post_in(user, community) != posts_in(persona, name):
                wrong.append(f"{persona} x {name}")
    assert wrong == []


def test_secret_post_does_not_show_up_for_outsiders(feed_world):
    secret = feed_world.posts["secret"]
    for persona in ("outsider", "other_dept", "inactive"):
        user = feed_world.personas[persona]
        assert not readable_posts(user).filter(pk=secret.pk).exists()
        assert not readable_posts(user).filter(community=secret.community).exists()
        with pytest.raises(NotFound):
            access_post(user, secret.pk)


def test_mentions_are_recorded_exactly_for_readers(feed_world):
    """Mention every persona in a new post in each open community: only those who may read
    it are recorded (the author mentioning themselves is not)."""
    author = feed_world.personas["author"]
    everyone = " ".join(f"@{user.username}" for user in feed_world.personas.values())
    wrong = []
    for name in ["profile", "public", "private", "secret", "restricted"]:
        community = feed_world.communities.get(name)
        post = services.create_post(author=author, community=community, body=everyone)
        mentioned = set(Mention.objects.filter(post=post).values_list("employee_id", flat=True))
        for persona in FEED_PERSONAS:
            expected = reads(persona, name) and persona != "author"
            if (feed_world.personas[persona].pk in mentioned) != expected:
                wrong.append(f"{persona} x {name}")
    assert wrong == []
