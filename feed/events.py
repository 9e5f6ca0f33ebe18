"""The realtime events of the feed and their payloads (docs/realtime.md lists them).

Payloads use the REST schemas, serialized for a neutral viewer: `my_reactions` is empty,
`saved` is false and a poll's `my_votes` is empty (each client knows its own state). Every
builder runs inside the writing service's transaction and serializes once per event.

Streams: a post's own events (created, edited, deleted, pinned, locked, activity) go to its
feed stream, `community.<id>` or `profile.<author id>`; comments, reactions and polls go to
`post.<id>`, and a new or deleted comment also bumps the feed stream (`post.activity`) so
feed views can update counts without subscribing to every post.
"""

from __future__ import annotations

from typing import Any

from feed import selectors
from feed.models import Comment, Post
from feed.schemas import CommentOut, PostOut
from realtime.events import (
    dumps,
    notify_stream_access_changed,
    record_event,
    redact_events,
    subject,
)
from realtime.streams import community_stream, post_stream, profile_stream


def feed_stream(post: Post) -> str:
    """Where a post's own events go: its community's stream, or its author's profile stream."""
    if post.community_id is not None:
        return community_stream(post.community_id)
    return profile_stream(post.author_id)


def post_data(post: Post) -> str:
    """`PostOut` for a neutral viewer, as JSON text."""
    loaded = selectors.with_feed_data(Post.objects.filter(pk=post.pk), post.author).get()
    selectors.load_feed_data([loaded], post.author)
    loaded.saved = False  # type: ignore[attr-defined]
    loaded.my_reaction_kinds = []  # type: ignore[attr-defined]
    poll = getattr(loaded, "poll", None)
    if poll is not None:
        poll.my_votes = []
    return dumps(PostOut.from_orm(loaded).model_dump(mode="json"))


def comment_data(comment: Comment) -> str:
    """`CommentOut` for a neutral viewer, as JSON text."""
    loaded = Comment.objects.select_related("author__department").get(pk=comment.pk)
    selectors.load_comment_data([loaded], loaded.author)
    loaded.my_reaction_kinds = []  # type: ignore[attr-defined]
    return dumps(CommentOut.from_orm(loaded).model_dump(mode="json"))


def _activity(post_id: int) -> dict[str, Any]:
    comment_count, last_activity_at = Post.objects.filter(pk=post_id).values_list(
        "comment_count", "last_activity_at"
    )[0]
    return {"id": post_id, "comment_count": comment_count, "last_activity_at": last_activity_at}


# --- Posts ----------------------------------------------------------------------------------


def post_created(post: Post) -> None:
    record_event(
        stream=feed_stream(post),
        type="post.created",
        data=post_data(post),
        subject=subject("post", post.pk),
    )


def post_edited(post: Post) -> None:
    record_event(
        stream=feed_stream(post),
        type="post.edited",
        data=post_data(post),
        subject=subject("post", post.pk),
    )


def post_deleted(post: Post) -> None:
    """Redact the post's earlier events, announce the deletion on its feed stream, and make
    subscribers of the post's own stream re-check (they can no longer read it)."""
    redact_events("post", post.pk)
    record_event(stream=feed_stream(post), type="post.deleted", data={"id": post.pk})
    notify_stream_access_changed(post_stream(post.pk))


def post_pinned(post: Post) -> None:
    data = {"id": post.pk, "is_pinned": post.is_pinned, "pinned_at": post.pinned_at}
    record_event(stream=feed_stream(post), type="post.pinned", data=data)


def post_locked(post: Post) -> None:
    data = {"id": post.pk, "comments_locked": post.comments_locked}
    record_event(stream=feed_stream(post), type="post.locked", data=data)


# --- Comments and reactions -----------------------------------------------------------------


def comment_created(post: Post, comment: Comment) -> None:
    record_event(
        stream=post_stream(post.pk),
        type="comment.created",
        data=comment_data(comment),
        subject=subject("comment", comment.pk),
    )
    record_event(stream=feed_stream(post), type="post.activity", data=_activity(post.pk))


def comment_edited(comment: Comment) -> None:
    record_event(
        stream=post_stream(comment.post_id),
        type="comment.edited",
        data=comment_data(comment),
        subject=subject("comment", comment.pk),
    )


def comment_deleted(comment: Comment) -> None:
    redact_events("comment", comment.pk)
    data = {"id": comment.pk, "post_id": comment.post_id, "parent_id": comment.parent_id}
    record_event(stream=post_stream(comment.post_id), type="comment.deleted", data=data)
    record_event(
        stream=feed_stream(comment.post), type="post.activity", data=_activity(comment.post_id)
    )


def reaction_changed(
    *, post: Post, comment: Comment | None, employee_id: int, kind: str, reacted: bool
) -> None:
    """Who toggled which reaction on the post or one of its comments, and the new counts
    (readers may list who reacted through REST too)."""
    if comment is not None:
        counts, _mine = selectors.reaction_state(post.author, comment=comment)
    else:
        counts, _mine = selectors.reaction_state(post.author, post=post)
    data = {
        "post_id": post.pk,
        "comment_id": comment.pk if comment is not None else None,
        "employee_id": employee_id,
        "kind": kind,
        "reacted": reacted,
        "reactions": counts,
    }
    record_event(stream=post_stream(post.pk), type="reaction.changed", data=data)
