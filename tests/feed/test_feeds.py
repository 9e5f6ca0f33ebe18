"""The feed selectors: who sees which post in which feed, in which order, with what data.

Posts are built straight in the tables (see `fixtures_read`), so these tests exercise the read
path on its own. The permission cases come from `feed_world` (tests/feed/conftest.py): posts by
`author` in a public, private, secret, department-restricted and archived community, on the
profile, deleted and comment-locked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from communities.models import Membership
from feed import selectors
from feed.models import Post, SavedPost
from feed.permissions import readable_posts
from feed.schemas import PostOut, ThreadOut
from people.models import Employee, Follow
from tests.factories import EmployeeFactory
from tests.feed.fixtures_read import (
    add_attachment,
    add_poll,
    comment_on,
    enrich,
    follow,
    make_post,
    react,
)
from wilma.errors import InvalidInput

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def keys(world, posts) -> set[str]:
    by_id = {post.pk: key for key, post in world.posts.items()}
    return {by_id.get(post.pk, f"other:{post.pk}") for post in posts}


def home(viewer, **kwargs):
    return selectors.home_feed(viewer, limit=100, **kwargs).items


# --- Home feed ------------------------------------------------------------------------------


def test_home_feed_of_a_member_holds_their_communities_but_not_unfollowed_profiles(feed_world):
    member = feed_world.personas["member"]
    assert keys(feed_world, home(member)) == {
        "public",
        "private",
        "secret",
        "restricted",
        "archived",
        "locked",
    }


def test_home_feed_holds_own_profile_posts(feed_world):
    author = feed_world.personas["author"]
    assert "profile" in keys(feed_world, home(author))


def test_home_feed_of_someone_without_communities_or_follows_is_empty(feed_world):
    assert home(feed_world.personas["outsider"]) == []


def test_secret_post_of_a_followed_author_never_reaches_a_non_member(feed_world):
    outsider = feed_world.personas["outsider"]
    follow(outsider, feed_world.personas["author"])
    # Profile and public posts of the followed author; the restricted community is readable
    # because the outsider works inside its department subtree.
    assert keys(feed_world, home(outsider)) == {
        "profile",
        "public",
        "restricted",
        "archived",
        "locked",
    }


def test_department_restricted_post_of_a_followed_author_stays_inside_the_department(
    feed_world,
):
    other_dept = feed_world.personas["other_dept"]
    follow(other_dept, feed_world.personas["author"])
    assert keys(feed_world, home(other_dept)) == {"profile", "public", "archived", "locked"}


def test_deleted_posts_appear_in_no_feed(feed_world):
    author = feed_world.personas["author"]
    deleted = feed_world.posts["deleted"]
    assert deleted not in home(author)
    assert (
        deleted
        not in selectors.community_feed(author, feed_world.communities["public"], limit=100).items
    )


def test_inactive_employee_has_an_empty_home_feed(feed_world):
    assert home(feed_world.personas["inactive"]) == []


def test_site_admin_following_the_author_sees_everything_readable(feed_world):
    admin = feed_world.personas["admin"]
    follow(admin, feed_world.personas["author"])
    assert keys(feed_world, home(admin)) == {
        "profile",
        "public",
        "private",
        "secret",
        "restricted",
        "archived",
        "locked",
    }


def test_home_feed_is_newest_first_and_pages_without_gaps_or_repeats(feed_world):
    author = feed_world.personas["author"]
    community = feed_world.communities["public"]
    made = [make_post(author, community, minutes_ago=100 - i) for i in range(7)]
    seen, cursor = [], None
    while True:
        page = selectors.home_feed(author, cursor=cursor, limit=3)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    ids = [post.pk for post in seen]
    assert len(ids) == len(set(ids))
    assert set(ids) >= {post.pk for post in made}
    stamps = [(post.created_at, post.pk) for post in seen]
    assert stamps == sorted(stamps, reverse=True)


def _home_by_subqueries(viewer: Employee) -> list[int]:
    """The home feed as first defined (sources as subqueries), newest first: the reference for
    the literal-id shape of `selectors.home_sources`."""
    member_of = Membership.objects.filter(employee=viewer).values("community_id")
    followed = Follow.objects.filter(follower=viewer).values("followed_id")
    posts = readable_posts(viewer).filter(
        Q(community__in=member_of)
        | Q(author__in=followed)
        | Q(author=viewer, community__isnull=True)
    )
    return list(posts.order_by("-created_at", "-id").values_list("pk", flat=True))


def _walk_home(viewer: Employee, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.home_feed(viewer, cursor=cursor, limit=limit)
        seen.extend(post.pk for post in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("shape", ["literal ids", "subqueries"])
def test_home_feed_pages_exactly_like_its_definition_for_every_persona(
    feed_world, monkeypatch, shape
):
    if shape == "subqueries":
        # Past the literal-id limit the sources are nested as subqueries.
        monkeypatch.setattr(selectors, "MAX_LITERAL_SOURCE_IDS", 0)
    personas = feed_world.personas
    # A sparse reader: no community, follows the author (whose secret and restricted posts
    # stay hidden) and writes on the own profile.
    sparse = personas["other_dept"]
    follow(sparse, personas["author"])
    make_post(sparse, minutes_ago=3)
    community = feed_world.communities["public"]
    for i in range(5):
        make_post(personas["moderator"], community, minutes_ago=10 + i)
    # Same timestamps: the id breaks the tie, across pages too.
    twins = [make_post(personas["author"], minutes_ago=30) for _ in range(3)]
    Post.objects.filter(pk__in=[p.pk for p in twins]).update(created_at=twins[0].created_at)
    for persona in personas.values():
        expected = _home_by_subqueries(persona)
        assert _walk_home(persona, limit=2) == expected, persona.username
        assert [p.pk for p in home(persona)] == expected, persona.username


def test_announcements_come_with_the_first_home_page_only(feed_world):
    author = feed_world.personas["author"]
    first = selectors.home_feed(author, limit=1)
    later = selectors.home_feed(author, cursor=first.next_cursor, limit=1)
    assert isinstance(first.announcements, list)
    assert later.announcements == []


def test_forged_cursor_is_invalid_input(feed_world):
    with pytest.raises(InvalidInput):
        selectors.home_feed(feed_world.personas["author"], cursor="bm9wZQ", limit=5)


# --- Community feed -------------------------------------------------------------------------


def test_community_feed_never_shows_secret_posts_to_non_members(feed_world):
    # The API refuses first (404); the selector still filters on its own.
    secret = feed_world.communities["secret"]
    outsider = feed_world.personas["outsider"]
    assert selectors.community_feed(outsider, secret, limit=100).items == []
    assert selectors.community_feed(outsider, secret, limit=100).pinned == []


def test_community_feed_orders_by_new_or_by_latest_activity(feed_world):
    author = feed_world.personas["author"]
    community = feed_world.communities["private"]
    old = make_post(author, community, minutes_ago=60)
    new = make_post(author, community, minutes_ago=5)
    comment_on(old, author)  # bumps `old`
    by_new = selectors.community_feed(author, community, order="new", limit=100).items
    by_activity = selectors.community_feed(author, community, order="active", limit=100).items
    assert by_new.index(new) < by_new.index(old)
    assert by_activity.index(old) < by_activity.index(new)


def test_active_order_pages_without_gaps(feed_world):
    author = feed_world.personas["author"]
    community = feed_world.communities["private"]
    for i in range(5):
        make_post(author, community, minutes_ago=50 - i)
    expected = set(Post.objects.filter(community=community, deleted_at=None).values_list("pk"))
    seen, cursor = [], None
    while True:
        page = selectors.community_feed(author, community, order="active", cursor=cursor, limit=2)
        seen.extend(post.pk for post in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert {(pk,) for pk in seen} == expected


def test_pinned_posts_head_the_first_page_only(feed_world):
    author = feed_world.personas["author"]
    community = feed_world.communities["public"]
    for i in range(3):
        make_post(author, community, minutes_ago=i)
    pinned = feed_world.posts["public"]
    Post.objects.filter(pk=pinned.pk).update(is_pinned=True, pinned_at=timezone.now())
    first = selectors.community_feed(author, community, limit=2)
    assert [post.pk for post in first.pinned] == [pinned.pk]
    second = selectors.community_feed(author, community, cursor=first.next_cursor, limit=2)
    assert second.pinned == []


# --- Profile, hashtag and saved feeds -------------------------------------------------------


def test_profile_feed_holds_only_profile_posts(feed_world):
    author = feed_world.personas["author"]
    page = selectors.profile_feed(feed_world.personas["other_dept"], author, limit=100)
    assert keys(feed_world, page.items) == {"profile"}


@pytest.mark.parametrize("bound", [3000, 2], ids=["literal-ids", "subquery"])
def test_hashtag_feed_shows_only_readable_posts(feed_world, monkeypatch, bound):
    """Tags with few posts go into the query as literal ids, common ones as a subquery: both
    ways mean the same."""
    monkeypatch.setattr(selectors, "MAX_LITERAL_TAGGED_POSTS", bound)
    author = feed_world.personas["author"]
    for key in ("public", "secret", "private", "restricted", "deleted"):
        feed_world.posts[key].hashtags.add("Stadtrad")
    feed = {
        name: keys(
            feed_world,
            selectors.hashtag_feed(feed_world.personas[name], "stadtrad", limit=100).items,
        )
        for name in ("member", "outsider", "other_dept", "inactive")
    }
    assert feed["member"] == {"public", "secret", "private", "restricted"}
    assert feed["outsider"] == {"public", "restricted"}
    assert feed["other_dept"] == {"public"}
    assert feed["inactive"] == set()
    # Leading "#" and any case.
    assert keys(feed_world, selectors.hashtag_feed(author, "#STADTRAD", limit=100).items) == {
        "public",
        "secret",
        "private",
        "restricted",
    }


@pytest.mark.parametrize("tag", ["", "#", "unbekannt", "x" * 500, "ü" * 101, "#Straße 🚲"])
def test_unknown_or_impossible_hashtag_is_an_empty_feed(feed_world, tag):
    page = selectors.hashtag_feed(feed_world.personas["author"], tag, limit=10)
    assert page.items == []
    assert page.next_cursor is None


def test_saved_posts_are_most_recently_saved_first(feed_world):
    member = feed_world.personas["member"]
    first, second = feed_world.posts["public"], feed_world.posts["private"]
    older = SavedPost.objects.create(employee=member, post=second)
    SavedPost.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    SavedPost.objects.create(employee=member, post=first)
    items = selectors.saved_posts(member, limit=100).items
    assert [post.pk for post in items] == [first.pk, second.pk]
    assert all(post.saved for post in items)


def test_saved_post_disappears_when_access_is_lost(feed_world):
    member = feed_world.personas["member"]
    secret_post = feed_world.posts["secret"]
    SavedPost.objects.create(employee=member, post=secret_post)
    assert [p.pk for p in selectors.saved_posts(member, limit=10).items] == [secret_post.pk]
    Membership.objects.filter(employee=member, community=secret_post.community).delete()
    assert selectors.saved_posts(member, limit=10).items == []


def test_saved_posts_page_by_saved_time(feed_world):
    member = feed_world.personas["member"]
    for key in ("public", "private", "secret", "restricted", "profile"):
        SavedPost.objects.create(employee=member, post=feed_world.posts[key])
    first = selectors.saved_posts(member, limit=2)
    second = selectors.saved_posts(member, cursor=first.next_cursor, limit=2)
    third = selectors.saved_posts(member, cursor=second.next_cursor, limit=2)
    ids = [p.pk for p in first.items + second.items + third.items]
    assert len(ids) == len(set(ids)) == 5
    assert third.next_cursor is None


# --- One post with everything ---------------------------------------------------------------


def test_post_detail_carries_everything_a_client_shows(feed_world):
    member = feed_world.personas["member"]
    other = Employee.objects.get(
        pk=EmployeeFactory(department=feed_world.personas["author"].department).pk
    )
    post = enrich(feed_world.posts["public"], member, [other])
    Post.objects.filter(pk=post.pk).update(edited_at=timezone.now())
    out = PostOut.model_validate(selectors.post_detail(member, post)).model_dump()
    assert out["author"]["username"] == "anna.autorin"
    assert out["author"]["department"]["short_code"] == "KVR-I"
    assert out["community"]["slug"] == "public"
    assert out["is_edited"] is True
    assert out["hashtags"] == sorted(["Radl", f"tag{post.pk}"], key=str.casefold)
    assert out["mentions"] == ["mia.member"]
    assert out["saved"] is True
    assert out["reactions"] == {"heart": 1, "like": 2}
    assert out["my_reactions"] == ["heart", "like"]
    assert out["comment_count"] == 2
    assert [a["name"] for a in out["attachments"]] == ["plan.pdf", "foto.jpg"]
    for attachment in out["attachments"]:
        assert attachment["url"] == f"/api/v1/attachments/{attachment['id']}/download"
        assert "/media/" not in attachment["url"]
        assert attachment["thumbnail_url"] is None
    poll = out["poll"]
    assert [o["text"] for o in poll["options"]] == ["Montag", "Dienstag", "Mittwoch"]
    assert [o["vote_count"] for o in poll["options"]] == [2, 0, 0]
    assert poll["my_votes"] == [poll["options"][0]["id"]]
    assert poll["total_votes"] == 2
    assert poll["voter_count"] == 2
    assert poll["is_closed"] is False


def test_post_without_poll_or_reactions_has_empty_defaults(feed_world):
    viewer = feed_world.personas["outsider"]
    out = PostOut.model_validate(
        selectors.post_detail(viewer, feed_world.posts["profile"])
    ).model_dump()
    assert out["community"] is None
    assert out["poll"] is None
    assert out["reactions"] == {}
    assert out["my_reactions"] == []
    assert out["saved"] is False
    assert out["is_edited"] is False


def test_closed_poll_and_multiple_votes(feed_world):
    member = feed_world.personas["member"]
    post = feed_world.posts["private"]
    poll = add_poll(post, [member], multiple=True)
    poll.closes_at = timezone.now() - timedelta(minutes=1)
    poll.save()
    out = PostOut.model_validate(selectors.post_detail(member, post)).model_dump()["poll"]
    assert out["is_closed"] is True
    assert len(out["my_votes"]) == 2
    assert out["total_votes"] == 2
    assert out["voter_count"] == 1


def test_my_votes_are_only_mine(feed_world):
    member, author = feed_world.personas["member"], feed_world.personas["author"]
    add_poll(feed_world.posts["public"], [author])
    out = PostOut.model_validate(selectors.post_detail(member, feed_world.posts["public"]))
    assert out.poll is not None
    assert out.poll.my_votes == []
    assert out.poll.total_votes == 1


# --- Comments, revisions, reactions ---------------------------------------------------------


def test_comments_are_threads_oldest_first_with_replies(feed_world):
    member, author = feed_world.personas["member"], feed_world.personas["author"]
    post = feed_world.posts["public"]
    first = comment_on(post, member, "Erster")
    second = comment_on(post, author, "Zweiter")
    reply = comment_on(post, author, "Antwort", parent=first)
    add_attachment_to_comment = add_attachment(post, author)
    add_attachment_to_comment.post = None
    add_attachment_to_comment.comment = reply
    add_attachment_to_comment.save()
    react(member, "like", comment=reply)
    page = selectors.post_comments(member, post, limit=10)
    threads = [ThreadOut.model_validate(c).model_dump() for c in page.items]
    assert [t["id"] for t in threads] == [first.pk, second.pk]
    assert [r["id"] for r in threads[0]["replies"]] == [reply.pk]
    assert threads[0]["replies"][0]["reactions"] == {"like": 1}
    assert threads[0]["replies"][0]["my_reactions"] == ["like"]
    assert len(threads[0]["replies"][0]["attachments"]) == 1
    assert threads[1]["replies"] == []


def test_deleted_comment_with_replies_stays_as_an_empty_placeholder(feed_world):
    member = feed_world.personas["member"]
    post = feed_world.posts["public"]
    parent = comment_on(post, member, "Wird gelöscht")
    reply = comment_on(post, member, "Bleibt", parent=parent)
    lonely = comment_on(post, member, "Weg")
    deleted_reply = comment_on(post, member, "Auch weg", parent=parent)
    now = timezone.now()
    for comment in (parent, lonely, deleted_reply):
        comment.deleted_at = now
        comment.save()
    threads = [ThreadOut.model_validate(c) for c in selectors.post_comments(member, post).items]
    assert [t.id for t in threads] == [parent.pk]
    assert threads[0].is_deleted is True
    assert threads[0].body == ""
    assert threads[0].body_html == ""
    assert [r.id for r in threads[0].replies] == [reply.pk]


def test_comments_page_by_thread(feed_world):
    member = feed_world.personas["member"]
    post = feed_world.posts["public"]
    made = [comment_on(post, member, f"Nr. {i}") for i in range(5)]
    first = selectors.post_comments(member, post, limit=3)
    second = selectors.post_comments(member, post, cursor=first.next_cursor, limit=3)
    assert [c.pk for c in first.items + second.items] == [c.pk for c in made]
    assert second.next_cursor is None


def test_revisions_oldest_first(feed_world):
    from feed.models import PostRevision

    author = feed_world.personas["author"]
    post = feed_world.posts["public"]
    older = PostRevision.objects.create(
        post=post, body="Erste Fassung", created_at=post.created_at, editor=author
    )
    newer = PostRevision.objects.create(
        post=post, body="Zweite Fassung", created_at=timezone.now(), editor=author
    )
    page = selectors.post_revisions(author, post)
    assert [r.pk for r in page.items] == [older.pk, newer.pk]


def test_reaction_list_filters_by_kind_and_hides_deactivated_people(feed_world):
    personas = feed_world.personas
    post = feed_world.posts["public"]
    react(personas["member"], "like", post=post)
    react(personas["author"], "heart", post=post)
    react(personas["inactive"], "like", post=post)
    everyone = selectors.reactions_of(personas["member"], post=post)
    likes = selectors.reactions_of(personas["member"], post=post, kind="like")
    assert {r.employee.username for r in everyone.items} == {"mia.member", "anna.autorin"}
    assert [r.employee.username for r in likes.items] == ["mia.member"]


def test_reaction_state_counts_and_own_kinds(feed_world):
    personas = feed_world.personas
    post = feed_world.posts["public"]
    react(personas["member"], "like", post=post)
    react(personas["author"], "like", post=post)
    react(personas["author"], "heart", post=post)
    counts, mine = selectors.reaction_state(personas["author"], post=post)
    assert counts == {"like": 2, "heart": 1}
    assert mine == ["heart", "like"]
