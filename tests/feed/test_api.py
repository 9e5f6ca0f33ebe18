"""The feed REST API: every endpoint answers success, 401, 404 for hidden and missing posts and
comments, 422 for invalid input, the documented 403/409 refusals, and never a 500.

A post in the secret community must not surface for outsiders anywhere: in no feed, hashtag
list, saved list, detail, comment list, reaction list, poll result or attachment URL.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from announcements.models import Announcement
from feed.models import Comment, Post, PostRevision, Reaction, SavedPost
from polls.models import Poll
from tests.factories import CommentFactory
from tests.feed.fixtures_read import add_attachment, add_poll, enrich, follow, react

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

LIKE = "👍"

# (method, path, body): {post}, {comment}, {slug} are filled in per test.
ENDPOINTS = [
    ("get", "/feed/home", None),
    ("get", "/feed/saved", None),
    ("get", "/hashtags/geheim/posts", None),
    ("get", "/posts/?community={slug}", None),
    ("get", "/posts/?author=anna.autorin", None),
    ("post", "/posts/", {"community": "{slug}", "body": "Hallo"}),
    ("get", "/posts/{post}", None),
    ("patch", "/posts/{post}", {"body": "Neu"}),
    ("delete", "/posts/{post}", None),
    ("get", "/posts/{post}/revisions", None),
    ("post", "/posts/{post}/pin", None),
    ("delete", "/posts/{post}/pin", None),
    ("post", "/posts/{post}/lock", None),
    ("delete", "/posts/{post}/lock", None),
    ("post", "/posts/{post}/save", None),
    ("delete", "/posts/{post}/save", None),
    ("get", "/posts/{post}/comments", None),
    ("post", "/posts/{post}/comments", {"body": "Kommentar"}),
    ("post", "/posts/{post}/reactions", {"kind": LIKE}),
    ("get", "/posts/{post}/reactions", None),
    ("patch", "/comments/{comment}", {"body": "Neu"}),
    ("delete", "/comments/{comment}", None),
    ("post", "/comments/{comment}/reactions", {"kind": LIKE}),
    ("get", "/comments/{comment}/reactions", None),
]
PAGED = [e for e in ENDPOINTS if e[0] == "get" and e[1] != "/posts/{post}"]
POST_ENDPOINTS = [e for e in ENDPOINTS if "{post}" in e[1]]
COMMENT_ENDPOINTS = [e for e in ENDPOINTS if "{comment}" in e[1]]
TARGETED = POST_ENDPOINTS + COMMENT_ENDPOINTS


def call(client, method: str, path: str, body=None, **ids):
    path = path.format(**ids)
    if body is not None:
        body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
    if method in ("get", "delete"):
        return getattr(client, f"{method}_json")(path)
    return getattr(client, f"{method}_json")(path, body)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def item_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def secret_ids(feed_world) -> dict:
    """Real objects inside the secret community, for probing it."""
    post = feed_world.posts["secret"]
    comment = CommentFactory(post=post, author=feed_world.personas["author"])
    return {"slug": "secret", "post": post.pk, "comment": comment.pk}


@pytest.fixture
def missing_ids() -> dict:
    return {"slug": "gibt-es-nicht", "post": 987654, "comment": 987654}


# --- Every endpoint -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_needs_authentication(anon, secret_ids, method, path, body):
    response = call(anon, method, path, body, **secret_ids)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize(("method", "path", "body"), TARGETED)
def test_hidden_post_or_comment_answers_404_like_a_missing_one(
    feed_world, client_for, secret_ids, missing_ids, method, path, body
):
    for persona in ("outsider", "other_dept"):
        client = client_for(feed_world.personas[persona])
        hidden = call(client, method, path, body, **secret_ids)
        missing = call(client, method, path, body, **missing_ids)
        assert hidden.status_code == missing.status_code == 404, (persona, hidden.content)
        assert hidden.json() == missing.json()


@pytest.mark.parametrize(("method", "path", "body"), TARGETED)
def test_deleted_post_answers_404(feed_world, client_for, method, path, body):
    deleted = feed_world.posts["deleted"]
    comment = CommentFactory(post=deleted, author=feed_world.personas["author"])
    client = client_for(feed_world.personas["author"])
    response = call(client, method, path, body, post=deleted.pk, comment=comment.pk)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), TARGETED)
@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", "1.5", str(2**70), "%F0%9F%9A%B2"])
def test_invalid_ids_answer_422(feed_world, client_for, method, path, body, bad_id):
    client = client_for(feed_world.personas["author"])
    response = call(client, method, path, body, post=bad_id, comment=bad_id, slug="public")
    assert response.status_code == 422, response.content
    assert error_code(response) == "invalid_input"


@pytest.mark.parametrize(("method", "path", "body"), PAGED)
@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "nicht-base64-ä"},
        {"cursor": "W10"},  # "[]": valid base64 JSON of the wrong length
        {"cursor": "WyJ4IiwieSJd"},  # ["x","y"]: wrong types for the sort keys
        {"cursor": "x" * 501},
        {"limit": "0"},
        {"limit": "viele"},
        {"limit": str(2**70)},
    ],
)
def test_bad_paging_parameters_answer_422_never_500(
    feed_world, client_for, method, path, body, params
):
    post = feed_world.posts["public"]
    comment = CommentFactory(post=post, author=feed_world.personas["author"])
    client = client_for(feed_world.personas["author"])
    url = "/api/v1" + path.format(slug="public", post=post.pk, comment=comment.pk)
    response = client.get(url, {**dict(_query(url)), **params})
    assert response.status_code == 422, (url, params, response.content)


def _query(url: str):
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


@pytest.mark.parametrize(("method", "path", "body"), [e for e in ENDPOINTS if e[2] is not None])
@pytest.mark.parametrize(
    "payload",
    [
        "nicht json",
        "[]",
        '{"body": 5, "kind": 5, "community": 5}',
        '{"body": null, "kind": null}',
        '{"body": "' + "x" * 200_001 + '", "kind": "' + "x" * 1000 + '"}',
        '{"body": "\\ud800", "kind": "\\ud800"}',
        '{"body": "   ", "kind": ""}',
        '{"body": "ok", "kind": "👍", "unbekannt": 1}',
    ],
)
def test_bad_bodies_answer_4xx_never_500_and_change_nothing(
    feed_world, client_for, method, path, body, payload
):
    post = feed_world.posts["public"]
    comment = CommentFactory(post=post, author=feed_world.personas["author"])
    client = client_for(feed_world.personas["author"])
    before = (Post.objects.count(), Comment.objects.count(), Reaction.objects.count())
    url = "/api/v1" + path.format(slug="public", post=post.pk, comment=comment.pk)
    response = getattr(client, method)(url, payload, content_type="application/json")
    assert 400 <= response.status_code < 500, (url, payload[:80], response.content[:300])
    assert response.status_code != 404
    assert "error" in response.json()
    assert (Post.objects.count(), Comment.objects.count(), Reaction.objects.count()) == before


# --- Feeds ----------------------------------------------------------------------------------


def test_home_feed_page_shape_with_announcements_on_the_first_page(feed_world, client_for, org):
    member = feed_world.personas["member"]
    author = feed_world.personas["author"]
    for title, department in [("Alle", None), ("KVR", org.kvr), ("RBS", org.rbs)]:
        Announcement.objects.create(
            author=author, department=department, title=title, body=title, body_html=title
        )
    response = client_for(member).get_json("/feed/home", limit=2)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"items", "next_cursor", "announcements"}
    # member works in KVR-I: announcements to everyone and to KVR, not to RBS.
    assert sorted(a["title"] for a in body["announcements"]) == ["Alle", "KVR"]
    assert body["announcements"][0]["author"]["username"] == "anna.autorin"
    assert len(body["items"]) == 2
    later = client_for(member).get_json("/feed/home", limit=2, cursor=body["next_cursor"]).json()
    assert later["announcements"] == []
    assert not set(item_ids(response)) & {item["id"] for item in later["items"]}


def test_secret_post_is_in_no_feed_of_a_follower_who_is_not_a_member(feed_world, client_for):
    personas = feed_world.personas
    outsider, member = personas["outsider"], personas["member"]
    follow(outsider, personas["author"])
    secret = feed_world.posts["secret"]
    secret.hashtags.add("Geheim")
    feed_world.posts["public"].hashtags.add("Geheim")
    enrich(secret, member, [personas["moderator"]])
    outsider_client = client_for(outsider)
    member_client = client_for(member)

    feeds = [
        ("/feed/home", {}),
        ("/feed/saved", {}),
        ("/hashtags/geheim/posts", {}),
        ("/posts/", {"author": "anna.autorin"}),
        ("/posts/", {"community": "public"}),
    ]
    for path, params in feeds:
        assert secret.pk not in item_ids(outsider_client.get_json(path, limit=100, **params))
    # The member sees it where it belongs: a check that the probe above can find it at all.
    assert secret.pk in item_ids(member_client.get_json("/feed/home", limit=100))
    assert secret.pk in item_ids(member_client.get_json("/hashtags/geheim/posts", limit=100))
    assert secret.pk in item_ids(member_client.get_json("/feed/saved", limit=100))
    assert secret.pk in item_ids(member_client.get_json("/posts/", community="secret", limit=100))
    # Detail, poll results and attachment URLs come only with the post.
    assert outsider_client.get_json(f"/posts/{secret.pk}").status_code == 404
    assert outsider_client.get_json("/posts/", community="secret").status_code == 404
    attachment = secret.attachments.first()
    assert attachment is not None
    assert attachment.name not in json.dumps(
        [outsider_client.get_json(path, limit=100, **params).json() for path, params in feeds]
    )


def test_mention_of_an_outsider_in_a_secret_post_is_not_recorded(feed_world, client_for):
    member = client_for(feed_world.personas["member"])
    response = member.post_json(
        "/posts/", {"community": "secret", "body": "Frag mal @erika.mustermann und @anna.autorin"}
    )
    assert response.status_code == 201
    assert response.json()["mentions"] == ["anna.autorin"]
    outsider = client_for(feed_world.personas["outsider"])
    assert outsider.get_json(f"/posts/{response.json()['id']}").status_code == 404
    assert response.json()["id"] not in item_ids(outsider.get_json("/feed/home"))


def test_saved_post_disappears_after_losing_access(feed_world, client_for):
    from communities.models import Membership

    member = feed_world.personas["member"]
    secret = feed_world.posts["secret"]
    client = client_for(member)
    assert client.post_json(f"/posts/{secret.pk}/save").status_code == 204
    assert item_ids(client.get_json("/feed/saved")) == [secret.pk]
    Membership.objects.filter(employee=member, community=secret.community).delete()
    assert item_ids(client.get_json("/feed/saved")) == []
    assert client.get_json(f"/posts/{secret.pk}").status_code == 404


def test_community_feed_of_a_private_community_is_members_only(feed_world, client_for):
    response = client_for(feed_world.personas["outsider"]).get_json("/posts/", community="private")
    assert response.status_code == 403
    assert error_code(response) == "members_only"


@pytest.mark.parametrize("slug", ["secret", "gibt-es-nicht", "restricted"])
def test_community_feed_of_hidden_or_missing_community_is_404(feed_world, client_for, slug):
    # `restricted` is limited to the KVR subtree; other_dept works in RBS.
    response = client_for(feed_world.personas["other_dept"]).get_json("/posts/", community=slug)
    assert response.status_code == 404


def test_community_feed_with_pinned_and_order(feed_world, client_for):
    moderator = feed_world.personas["moderator"]
    client = client_for(moderator)
    post = feed_world.posts["public"]
    assert client.post_json(f"/posts/{post.pk}/pin").json()["is_pinned"] is True
    first = client.get_json("/posts/", community="public", limit=1).json()
    assert [p["id"] for p in first["pinned"]] == [post.pk]
    second = client.get_json(
        "/posts/", community="public", limit=1, cursor=first["next_cursor"]
    ).json()
    assert second["pinned"] == []
    active = client.get_json("/posts/", community="public", order="active")
    assert active.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"community": "public", "author": "anna.autorin"},
        {"community": "public", "order": "beliebt"},
        {"community": "nicht erlaubt!"},
        {"community": "x" * 81},
        {"author": ""},
        {"author": "x" * 151},
    ],
)
def test_post_list_needs_exactly_one_valid_target(feed_world, client_for, params):
    response = client_for(feed_world.personas["member"]).get_json("/posts/", **params)
    assert response.status_code == 422


def test_profile_feed_by_id_or_username(feed_world, client_for):
    author = feed_world.personas["author"]
    client = client_for(feed_world.personas["other_dept"])
    by_name = item_ids(client.get_json("/posts/", author="anna.autorin"))
    by_id = item_ids(client.get_json("/posts/", author=str(author.pk)))
    assert by_name == by_id == [feed_world.posts["profile"].pk]


@pytest.mark.parametrize("author", ["niemand", "987654", "ina.inactive", "a b", "ä" * 150])
def test_profile_feed_of_unknown_or_hidden_person_is_404(feed_world, client_for, author):
    response = client_for(feed_world.personas["member"]).get_json("/posts/", author=author)
    assert response.status_code == 404


@pytest.mark.parametrize("tag", ["%23Radl", "RADL", "radl", "x" * 300, "%F0%9F%9A%B2", "a%20b"])
def test_hashtag_feed_answers_for_any_tag(feed_world, client_for, tag):
    feed_world.posts["public"].hashtags.add("Radl")
    response = client_for(feed_world.personas["member"]).get(f"/api/v1/hashtags/{tag}/posts")
    assert response.status_code == 200
    expected = [feed_world.posts["public"].pk] if tag.lower().endswith("radl") else []
    assert item_ids(response) == expected


# --- Posts ----------------------------------------------------------------------------------


def test_create_post_in_community_returns_the_full_post(feed_world, client_for):
    member = feed_world.personas["member"]
    response = client_for(member).post_json(
        "/posts/",
        {
            "community": "public",
            "body": "Wer kommt mit zum **Radlflohmarkt**? #Radl @anna.autorin",
            "poll": {"question": "Wann?", "options": ["Samstag", "Sonntag"]},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["community"]["slug"] == "public"
    assert body["author"]["username"] == "mia.member"
    assert "<strong>Radlflohmarkt</strong>" in body["body_html"]
    assert body["hashtags"] == ["Radl"]
    assert body["mentions"] == ["anna.autorin"]
    assert [o["text"] for o in body["poll"]["options"]] == ["Samstag", "Sonntag"]
    assert body["reactions"] == {}
    assert body["saved"] is False


def test_create_profile_post(feed_world, client_for):
    outsider = feed_world.personas["outsider"]
    response = client_for(outsider).post_json("/posts/", {"community": None, "body": "Servus"})
    assert response.status_code == 201
    assert response.json()["community"] is None
    assert response.json()["id"] in item_ids(client_for(outsider).get_json("/feed/home"))


def test_create_post_in_archived_community_is_409_and_changes_nothing(feed_world, client_for):
    before = Post.objects.count()
    response = client_for(feed_world.personas["member"]).post_json(
        "/posts/", {"community": "archived", "body": "Noch jemand da?"}
    )
    assert response.status_code == 409
    assert error_code(response) == "archived"
    assert Post.objects.count() == before


def test_create_post_in_hidden_community_is_404(feed_world, client_for):
    response = client_for(feed_world.personas["outsider"]).post_json(
        "/posts/", {"community": "secret", "body": "Hallo"}
    )
    assert response.status_code == 404


def test_create_post_as_non_member_is_403(feed_world, client_for):
    response = client_for(feed_world.personas["outsider"]).post_json(
        "/posts/", {"community": "public", "body": "Hallo"}
    )
    assert response.status_code == 403


def test_create_post_with_invalid_poll_is_422_and_changes_nothing(feed_world, client_for):
    before = (Post.objects.count(), Poll.objects.count())
    response = client_for(feed_world.personas["member"]).post_json(
        "/posts/",
        {"community": "public", "body": "Umfrage", "poll": {"question": "?", "options": ["a"]}},
    )
    assert response.status_code == 422
    assert (Post.objects.count(), Poll.objects.count()) == before


def test_create_post_with_foreign_attachment_is_422(feed_world, client_for):
    author = feed_world.personas["author"]
    attachment = add_attachment(feed_world.posts["public"], author)
    response = client_for(feed_world.personas["member"]).post_json(
        "/posts/", {"community": "public", "body": "Mit Anhang", "attachment_ids": [attachment.pk]}
    )
    assert response.status_code == 422


def test_get_post_carries_poll_results_and_permission_checked_attachment_urls(
    feed_world, client_for
):
    member = feed_world.personas["member"]
    post = feed_world.posts["private"]
    attachment = add_attachment(post, feed_world.personas["author"])
    add_poll(post, [member])
    body = client_for(member).get_json(f"/posts/{post.pk}").json()
    assert body["attachments"][0]["url"] == f"/api/v1/attachments/{attachment.pk}/download"
    assert body["poll"]["my_votes"] == [body["poll"]["options"][0]["id"]]
    assert body["poll"]["total_votes"] == 1


def test_edit_post_keeps_a_revision(feed_world, client_for):
    author = feed_world.personas["author"]
    post = feed_world.posts["public"]
    client = client_for(author)
    response = client.patch_json(f"/posts/{post.pk}", {"body": "Neuer Text #Neu"})
    assert response.status_code == 200
    assert response.json()["is_edited"] is True
    assert response.json()["hashtags"] == ["Neu"]
    revisions = client.get_json(f"/posts/{post.pk}/revisions").json()["items"]
    assert [r["body"] for r in revisions] == ["Beitrag in public"]
    assert revisions[0]["editor"]["username"] == "anna.autorin"


def test_edit_post_by_someone_else_is_403(feed_world, client_for):
    post = feed_world.posts["public"]
    response = client_for(feed_world.personas["member"]).patch_json(
        f"/posts/{post.pk}", {"body": "Gekapert"}
    )
    assert response.status_code == 403
    assert PostRevision.objects.filter(post=post).count() == 0


def test_delete_post_hides_it(feed_world, client_for):
    post = feed_world.posts["public"]
    moderator = client_for(feed_world.personas["moderator"])
    assert moderator.delete_json(f"/posts/{post.pk}").status_code == 204
    assert moderator.get_json(f"/posts/{post.pk}").status_code == 404
    assert post.pk not in item_ids(moderator.get_json("/posts/", community="public"))


def test_pin_and_lock_need_moderation(feed_world, client_for):
    post = feed_world.posts["public"]
    member = client_for(feed_world.personas["member"])
    assert member.post_json(f"/posts/{post.pk}/pin").status_code == 403
    assert member.post_json(f"/posts/{post.pk}/lock").status_code == 403
    moderator = client_for(feed_world.personas["moderator"])
    assert moderator.post_json(f"/posts/{post.pk}/lock").json()["comments_locked"] is True
    assert moderator.delete_json(f"/posts/{post.pk}/lock").json()["comments_locked"] is False
    assert moderator.post_json(f"/posts/{post.pk}/pin").json()["is_pinned"] is True
    assert moderator.delete_json(f"/posts/{post.pk}/pin").json()["is_pinned"] is False


def test_save_and_unsave_are_idempotent(feed_world, client_for):
    post = feed_world.posts["public"]
    member = feed_world.personas["member"]
    client = client_for(member)
    for _ in range(2):
        assert client.post_json(f"/posts/{post.pk}/save").status_code == 204
    assert client.get_json(f"/posts/{post.pk}").json()["saved"] is True
    for _ in range(2):
        assert client.delete_json(f"/posts/{post.pk}/save").status_code == 204
    assert not SavedPost.objects.filter(employee=member).exists()


# --- Comments -------------------------------------------------------------------------------


def test_comment_and_reply(feed_world, client_for):
    post = feed_world.posts["public"]
    client = client_for(feed_world.personas["member"])
    top = client.post_json(f"/posts/{post.pk}/comments", {"body": "Erster!"})
    assert top.status_code == 201, top.content
    reply = client.post_json(
        f"/posts/{post.pk}/comments", {"body": "Antwort", "parent_id": top.json()["id"]}
    )
    assert reply.status_code == 201
    assert reply.json()["parent_id"] == top.json()["id"]
    threads = client.get_json(f"/posts/{post.pk}/comments").json()["items"]
    assert [t["id"] for t in threads] == [top.json()["id"]]
    assert [r["id"] for r in threads[0]["replies"]] == [reply.json()["id"]]
    assert client.get_json(f"/posts/{post.pk}").json()["comment_count"] == 2


@pytest.mark.parametrize("parent", ["other_post", 987654])
def test_reply_to_a_comment_of_another_post_is_422(feed_world, client_for, parent):
    if parent == "other_post":
        parent = CommentFactory(post=feed_world.posts["private"]).pk
    post = feed_world.posts["public"]
    response = client_for(feed_world.personas["member"]).post_json(
        f"/posts/{post.pk}/comments", {"body": "Antwort", "parent_id": parent}
    )
    assert response.status_code == 422
    assert not Comment.objects.filter(post=post).exists()


def test_comment_on_locked_post_is_409_and_changes_nothing(feed_world, client_for):
    post = feed_world.posts["locked"]
    response = client_for(feed_world.personas["member"]).post_json(
        f"/posts/{post.pk}/comments", {"body": "Doch noch was"}
    )
    assert response.status_code == 409
    assert error_code(response) == "comments_locked"
    assert not Comment.objects.filter(post=post).exists()


def test_edit_and_delete_comment(feed_world, client_for):
    post = feed_world.posts["public"]
    client = client_for(feed_world.personas["member"])
    comment = client.post_json(f"/posts/{post.pk}/comments", {"body": "Tippfeler"}).json()
    edited = client.patch_json(f"/comments/{comment['id']}", {"body": "Tippfehler"})
    assert edited.status_code == 200
    assert edited.json()["is_edited"] is True
    other = client_for(feed_world.personas["outsider"])
    assert other.patch_json(f"/comments/{comment['id']}", {"body": "x"}).status_code == 403
    assert client.delete_json(f"/comments/{comment['id']}").status_code == 204
    assert client.get_json(f"/posts/{post.pk}/comments").json()["items"] == []
    assert client.delete_json(f"/comments/{comment['id']}").status_code == 404


# --- Reactions ------------------------------------------------------------------------------


def test_toggle_reaction_on_post(feed_world, client_for):
    post = feed_world.posts["public"]
    member = client_for(feed_world.personas["member"])
    react(feed_world.personas["author"], LIKE, post=post)
    on = member.post_json(f"/posts/{post.pk}/reactions", {"kind": LIKE})
    assert on.status_code == 200
    assert on.json() == {"reacted": True, "reactions": {LIKE: 2}, "my_reactions": [LIKE]}
    off = member.post_json(f"/posts/{post.pk}/reactions", {"kind": LIKE})
    assert off.json() == {"reacted": False, "reactions": {LIKE: 1}, "my_reactions": []}
    who = member.get_json(f"/posts/{post.pk}/reactions", kind=LIKE).json()["items"]
    assert [r["employee"]["username"] for r in who] == ["anna.autorin"]


def test_unknown_reaction_is_422_and_changes_nothing(feed_world, client_for):
    post = feed_world.posts["public"]
    response = client_for(feed_world.personas["member"]).post_json(
        f"/posts/{post.pk}/reactions", {"kind": "💩"}
    )
    assert response.status_code == 422
    assert error_code(response) == "unknown_reaction"
    assert not Reaction.objects.exists()


def test_reaction_in_archived_community_is_409(feed_world, client_for):
    post = feed_world.posts["archived"]
    response = client_for(feed_world.personas["member"]).post_json(
        f"/posts/{post.pk}/reactions", {"kind": LIKE}
    )
    assert response.status_code == 409
    assert not Reaction.objects.exists()


def test_toggle_reaction_on_comment(feed_world, client_for):
    comment = CommentFactory(post=feed_world.posts["public"])
    client = client_for(feed_world.personas["member"])
    response = client.post_json(f"/comments/{comment.pk}/reactions", {"kind": LIKE})
    assert response.json() == {"reacted": True, "reactions": {LIKE: 1}, "my_reactions": [LIKE]}
    who = client.get_json(f"/comments/{comment.pk}/reactions").json()["items"]
    assert [r["kind"] for r in who] == [LIKE]


# --- Odd but valid input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Grüße aus dem Bürgerbüro 🚲 #Straße",
        "‮rechts-nach-links‬ und ​ unsichtbar",
        "<script>alert(1)</script>",
        "x" * 20_000,
        "Z̷̢̛a̸l̵g̷o̶",
    ],
)
def test_odd_unicode_round_trips_and_is_escaped(feed_world, client_for, text):
    client = client_for(feed_world.personas["member"])
    response = client.post_json("/posts/", {"community": "public", "body": text})
    assert response.status_code == 201, response.content[:300]
    body = client.get_json(f"/posts/{response.json()['id']}").json()
    assert body["body"] == text
    assert "<script>" not in body["body_html"]


def test_post_over_the_configured_length_is_422(feed_world, client_for):
    response = client_for(feed_world.personas["member"]).post_json(
        "/posts/", {"community": "public", "body": "x" * 20_001}
    )
    assert response.status_code == 422


def test_post_detail_budget_does_not_grow_with_comments_or_reactions(
    feed_world, client_for, django_assert_max_num_queries
):
    member = feed_world.personas["member"]
    post = enrich(feed_world.posts["public"], member, [feed_world.personas["moderator"]])
    client = client_for(member)
    client.get_json(f"/posts/{post.pk}")  # warm up the token
    with CaptureQueriesContext(connection) as ctx:
        assert client.get_json(f"/posts/{post.pk}").status_code == 200
    for _ in range(10):
        react(CommentFactory(post=post).author, LIKE, post=post)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert client.get_json(f"/posts/{post.pk}").status_code == 200
