"""The Django admin for posts and comments: read-only views, moderation through services."""

from __future__ import annotations

import pytest

from feed.models import Comment, Post
from tests.factories import CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def admin_client(client, feed_world):
    client.force_login(feed_world.personas["admin"])
    return client


def test_changelists_search_and_detail_pages_work(admin_client, feed_world):
    post = feed_world.posts["secret"]
    comment = CommentFactory(post=post, author=feed_world.personas["member"], body="Geheimtipp")
    response = admin_client.get("/admin/feed/post/", {"q": "secret"})
    assert response.status_code == 200
    assert str(post.pk).encode() in response.content
    assert admin_client.get(f"/admin/feed/post/{post.pk}/change/").status_code == 200
    response = admin_client.get("/admin/feed/comment/", {"q": "Geheimtipp"})
    assert response.status_code == 200
    assert admin_client.get(f"/admin/feed/comment/{comment.pk}/change/").status_code == 200


def test_posts_cannot_be_added_changed_or_hard_deleted(admin_client, feed_world):
    post = feed_world.posts["public"]
    assert admin_client.get("/admin/feed/post/add/").status_code == 403
    response = admin_client.post(f"/admin/feed/post/{post.pk}/change/", {"body": "Überschrieben"})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/feed/post/{post.pk}/delete/").status_code == 403
    assert Post.objects.get(pk=post.pk).body == post.body


def test_soft_delete_action_goes_through_the_service(admin_client, feed_world):
    post = feed_world.posts["private"]
    response = admin_client.post(
        "/admin/feed/post/", {"action": "soft_delete", "_selected_action": [post.pk]}
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).deleted_at is not None


def test_refused_actions_are_reported_and_change_nothing(admin_client, feed_world):
    post = feed_world.posts["profile"]
    response = admin_client.post(
        "/admin/feed/post/", {"action": "pin", "_selected_action": [post.pk]}, follow=True
    )
    assert "nicht angeheftet" in response.content.decode()
    assert not Post.objects.get(pk=post.pk).is_pinned


def test_lock_and_comment_soft_delete_actions(admin_client, feed_world):
    post = feed_world.posts["public"]
    admin_client.post("/admin/feed/post/", {"action": "lock", "_selected_action": [post.pk]})
    assert Post.objects.get(pk=post.pk).comments_locked
    comment = CommentFactory(post=post, author=feed_world.personas["member"])
    admin_client.post(
        "/admin/feed/comment/", {"action": "soft_delete", "_selected_action": [comment.pk]}
    )
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None
