"""Building blocks for tests that need posts without going through feed.services."""

from __future__ import annotations

from django.utils import timezone

from communities.models import Community
from feed.models import Comment, Post
from people.models import Employee


def make_post(author: Employee, community: Community | None = None, body: str = "Hallo") -> Post:
    return Post.objects.create(
        author=author,
        community=community,
        body=body,
        body_html=f"<p>{body}</p>",
        last_activity_at=timezone.now(),
    )


def make_comment(post: Post, author: Employee, body: str = "Danke") -> Comment:
    return Comment.objects.create(post=post, author=author, body=body, body_html=f"<p>{body}</p>")
