"""Query budgets: every feed page costs the same number of queries for 1 post or 30, with
attachments, polls, votes, reactions, comments, hashtags, mentions and saved flags present.

Each feed is measured through the API (so serialization is included: a resolver that queries
would show up here) at `limit=1` and `limit=30`; the counts must be equal and within the budget.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from announcements.models import Announcement
from feed.models import Post, PostRevision
from tests.factories import EmployeeFactory
from tests.feed.fixtures_read import comment_on, enrich, follow, make_post

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

POSTS = 31  # one more than the large page, so the large page also has a next cursor

# Token lookup (1) + the viewer's department for the community rules (1) + page (1) + author
# skills, attachments, hashtags, poll options, my votes, voter counts, reactions, mentions (8)
# = 11. Feeds with an extra step say so below.
FEED_BUDGET = 11


@pytest.fixture
def rich(feed_world):
    """POSTS rich posts by the author in the public community, tagged #Radl, saved by the
    viewer, who follows the author."""
    personas = feed_world.personas
    viewer = personas["member"]
    others = [personas["moderator"], EmployeeFactory(department=viewer.department)]
    follow(viewer, personas["author"])
    community = feed_world.communities["public"]
    posts = []
    for i in range(POSTS):
        post = make_post(personas["author"], community, minutes_ago=POSTS - i)
        posts.append(enrich(post, viewer, others))
    # The world's own plain posts go to the back, so even a 1-post page shows a rich post.
    long_ago = timezone.now() - timedelta(days=2)
    Post.objects.exclude(pk__in=[p.pk for p in posts]).update(
        created_at=long_ago, last_activity_at=long_ago
    )
    return viewer, community, posts


def count_queries(client, path: str, **params) -> tuple[list[str], dict]:
    client.get_json("/feed/saved", limit=1)  # the token's first use is recorded once: warm up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get_json(path, **params)
    assert response.status_code == 200, response.content
    return [q["sql"][:200] for q in ctx.captured_queries], response.json()


def assert_constant(client, path: str, budget: int, **params) -> None:
    small, body_small = count_queries(client, path, limit=1, **params)
    large, body_large = count_queries(client, path, limit=30, **params)
    assert len(body_small["items"]) == 1
    assert len(body_large["items"]) == 30
    assert len(small) == len(large), "\n".join(
        [f"{path}: {len(small)} queries for 1 item, {len(large)} for 30", *small, "--", *large]
    )
    assert len(large) <= budget, "\n".join([f"{path}: budget {budget}", *large])


def test_home_feed_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, posts = rich
    for department in (None, viewer.department):
        Announcement.objects.create(
            author=posts[0].author,
            department=department,
            title="Hitzeschutz",
            body="Bitte lüften",
            body_html="<p>Bitte lüften</p>",
        )
    # + announcements (page 1 only) with their authors' skills (2).
    assert_constant(client_for(viewer), "/feed/home", FEED_BUDGET + 2)


def test_home_feed_with_many_sources_keeps_its_query_count(rich, client_for, monkeypatch):
    from feed import selectors

    # Past the literal-id limit the sources are nested as subqueries: same count, same page.
    viewer, _community, _posts = rich
    client = client_for(viewer)
    literal, body_literal = count_queries(client, "/feed/home", limit=30)
    monkeypatch.setattr(selectors, "MAX_LITERAL_SOURCE_IDS", 0)
    nested, body_nested = count_queries(client, "/feed/home", limit=30)
    assert len(nested) == len(literal)
    assert body_nested == body_literal
    assert_constant(client, "/feed/home", FEED_BUDGET)


def test_community_feed_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, community, posts = rich
    Post.objects.filter(pk__in=[p.pk for p in posts[1:6:2]]).update(is_pinned=True)
    client = client_for(viewer)
    # + community access (the community, the viewer's role twice) and the pinned posts.
    assert_constant(client, "/posts/", FEED_BUDGET + 4, community=community.slug)
    assert_constant(client, "/posts/", FEED_BUDGET + 4, community=community.slug, order="active")


def test_profile_feed_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, posts = rich
    author = posts[0].author
    others = [EmployeeFactory()]
    for i in range(POSTS):
        enrich(make_post(author, minutes_ago=POSTS - i), viewer, others)
    # + the profile owner.
    assert_constant(client_for(viewer), "/posts/", FEED_BUDGET + 1, author="anna.autorin")


def test_hashtag_feed_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, _posts = rich
    assert_constant(client_for(viewer), "/hashtags/radl/posts", FEED_BUDGET)


def test_saved_feed_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, _posts = rich
    # + the page of saved rows, then the posts.
    assert_constant(client_for(viewer), "/feed/saved", FEED_BUDGET + 1)


def test_comments_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, posts = rich
    post = posts[1]
    for i in range(31):
        thread = comment_on(post, viewer, f"Kommentar {i}")
        comment_on(post, posts[1].author, "Antwort", parent=thread)
    # token, department, post access, page, replies, skills, attachments, reactions, mentions.
    assert_constant(client_for(viewer), f"/posts/{post.pk}/comments", 9)


def test_reaction_list_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, posts = rich
    post = posts[1]
    from tests.feed.fixtures_read import react

    for _ in range(31):
        react(EmployeeFactory(), "clap", post=post)
    # token, department, post access, page, skills.
    assert_constant(client_for(viewer), f"/posts/{post.pk}/reactions", 5, kind="clap")


def test_revisions_query_count_does_not_depend_on_page_size(rich, client_for):
    viewer, _community, posts = rich
    post = posts[1]
    for i in range(31):
        PostRevision.objects.create(
            post=post, body=f"Fassung {i}", created_at=post.created_at, editor=post.author
        )
    # token, department, post access, page, editor skills.
    assert_constant(client_for(viewer), f"/posts/{post.pk}/revisions", 5)


def test_post_detail_query_budget(rich, client_for, django_assert_max_num_queries):
    viewer, _community, posts = rich
    client = client_for(viewer)
    client.get_json("/feed/saved", limit=1)  # warm up the token
    # + post access.
    with django_assert_max_num_queries(FEED_BUDGET + 1):
        response = client.get_json(f"/posts/{posts[1].pk}")
    assert response.status_code == 200
