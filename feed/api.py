"""Routers for posts, comments, reactions, saved posts and the feeds.

Mounted beside the communities and people routers rather than inside them (those belong to
their apps): the community feed is `GET /posts/?community=<slug>`, the profile feed
`GET /posts/?author=<id or username>`. Each endpoint parses, authorises with one `access_*`
call, runs one service or selector and returns a schema. Posts and comments the caller may not
read answer 404, exactly like missing ones.
"""

from __future__ import annotations

from typing import Any

from ninja import Path, Query, Router, Status

from communities.permissions import access_community, access_community_content
from feed import selectors, services
from feed.models import Comment, Post, PostRevision, Reaction
from feed.permissions import access_comment, access_post
from feed.schemas import (
    CommentIn,
    CommentOut,
    CommentPatch,
    HomeFeedOut,
    PostIn,
    PostListOut,
    PostListQuery,
    PostOut,
    PostPage,
    PostPatch,
    PostRevisionOut,
    ReactionIn,
    ReactionListQuery,
    ReactionOut,
    ReactionStateOut,
    ThreadOut,
)
from people.auth import AuthedRequest
from people.permissions import access_employee
from wilma.pagination import Page, PageResult
from wilma.schemas import Id, PageQuery

feed_router = Router(tags=["feed"])
posts_router = Router(tags=["posts"])
comments_router = Router(tags=["posts"])
hashtags_router = Router(tags=["feed"])

NO_CONTENT = {204: None}


# --- Feeds ----------------------------------------------------------------------------------


@feed_router.get("/home", response=HomeFeedOut, summary="My home feed")
def home(request: AuthedRequest, page: Query[PageQuery]) -> selectors.HomeFeed:
    """Posts from my communities, from people I follow and on my profile, newest first. The
    first page also carries the active announcements for my department (`announcements`)."""
    return selectors.home_feed(request.auth, cursor=page.cursor, limit=page.limit)


@feed_router.get("/saved", response=PostPage, summary="My saved posts")
def saved(request: AuthedRequest, page: Query[PageQuery]) -> PageResult[Post]:
    """Most recently saved first. Posts I can no longer read drop out."""
    return selectors.saved_posts(request.auth, cursor=page.cursor, limit=page.limit)


@hashtags_router.get("/{tag}/posts", response=PostPage, summary="Posts with a hashtag")
def hashtag_posts(request: AuthedRequest, tag: str, page: Query[PageQuery]) -> PageResult[Post]:
    """Newest first; any case, with or without `#`. Only posts I may read."""
    return selectors.hashtag_feed(request.auth, tag, cursor=page.cursor, limit=page.limit)


# --- Posts ----------------------------------------------------------------------------------


@posts_router.get("/", response=PostListOut, summary="Community feed or profile feed")
def list_posts(request: AuthedRequest, params: Query[PostListQuery]) -> selectors.CommunityFeed:
    """`community=<slug>`: the community's posts, by newest post (`order=new`) or latest
    activity (`order=active`); the first page lists the pinned posts in `pinned` as well.
    `author=<id or username>`: the posts on that colleague's profile, newest first."""
    if params.community is not None:
        community = access_community_content(request.auth, params.community)
        return selectors.community_feed(
            request.auth,
            community,
            order=params.order,
            cursor=params.cursor,
            limit=params.limit,
        )
    employee = access_employee(request.auth, str(params.author))
    page = selectors.profile_feed(request.auth, employee, cursor=params.cursor, limit=params.limit)
    return selectors.CommunityFeed(items=page.items, next_cursor=page.next_cursor)


@posts_router.post("/", response={201: PostOut}, summary="Write a post")
def create_post(request: AuthedRequest, payload: PostIn) -> Status[Post]:
    """Into a community (`community`: its slug) or onto my profile (`community: null`), with an
    optional poll and previously uploaded attachments. Archived communities answer 409."""
    community = access_community(request.auth, payload.community) if payload.community else None
    post = services.create_post(
        author=request.auth,
        community=community,
        body=payload.body,
        poll=payload.poll.dict() if payload.poll else None,
        attachment_ids=tuple(payload.attachment_ids),
    )
    return Status(201, selectors.post_detail(request.auth, post))


@posts_router.get("/{post_id}", response=PostOut, summary="A post")
def get_post(request: AuthedRequest, post_id: Path[Id]) -> Post:
    return selectors.post_detail(request.auth, access_post(request.auth, post_id))


@posts_router.patch("/{post_id}", response=PostOut, summary="Edit a post")
def edit_post(request: AuthedRequest, post_id: Path[Id], payload: PostPatch) -> Post:
    """The author (and moderators). The previous text is kept as a revision."""
    post = access_post(request.auth, post_id)
    services.edit_post(editor=request.auth, post=post, body=payload.body)
    return selectors.post_detail(request.auth, post)


@posts_router.delete("/{post_id}", response=NO_CONTENT, summary="Delete a post")
def delete_post(request: AuthedRequest, post_id: Path[Id]) -> Status[None]:
    """The author, the community's moderators and site admins."""
    post = access_post(request.auth, post_id)
    services.delete_post(actor=request.auth, post=post)
    return Status(204, None)


@posts_router.get(
    "/{post_id}/revisions", response=Page[PostRevisionOut], summary="Edit history of a post"
)
def list_revisions(
    request: AuthedRequest, post_id: Path[Id], page: Query[PageQuery]
) -> PageResult[PostRevision]:
    """The earlier texts, oldest first."""
    post = access_post(request.auth, post_id)
    return selectors.post_revisions(request.auth, post, cursor=page.cursor, limit=page.limit)


def _set_pinned(request: AuthedRequest, post_id: int, pinned: bool) -> Post:
    post = access_post(request.auth, post_id)
    services.pin_post(actor=request.auth, post=post, pinned=pinned)
    return selectors.post_detail(request.auth, post)


@posts_router.post("/{post_id}/pin", response=PostOut, summary="Pin a post")
def pin(request: AuthedRequest, post_id: Path[Id]) -> Post:
    """Community moderators; pinned posts head the community feed."""
    return _set_pinned(request, post_id, True)


@posts_router.delete("/{post_id}/pin", response=PostOut, summary="Unpin a post")
def unpin(request: AuthedRequest, post_id: Path[Id]) -> Post:
    return _set_pinned(request, post_id, False)


def _set_locked(request: AuthedRequest, post_id: int, locked: bool) -> Post:
    post = access_post(request.auth, post_id)
    services.lock_comments(actor=request.auth, post=post, locked=locked)
    return selectors.post_detail(request.auth, post)


@posts_router.post("/{post_id}/lock", response=PostOut, summary="Lock the comments of a post")
def lock(request: AuthedRequest, post_id: Path[Id]) -> Post:
    """Moderators and the author; new comments then answer 409."""
    return _set_locked(request, post_id, True)


@posts_router.delete("/{post_id}/lock", response=PostOut, summary="Unlock the comments")
def unlock(request: AuthedRequest, post_id: Path[Id]) -> Post:
    return _set_locked(request, post_id, False)


@posts_router.post("/{post_id}/save", response=NO_CONTENT, summary="Save a post")
def save(request: AuthedRequest, post_id: Path[Id]) -> Status[None]:
    """Idempotent."""
    post = access_post(request.auth, post_id)
    services.save_post(employee=request.auth, post=post)
    return Status(204, None)


@posts_router.delete("/{post_id}/save", response=NO_CONTENT, summary="Unsave a post")
def unsave(request: AuthedRequest, post_id: Path[Id]) -> Status[None]:
    """Idempotent."""
    post = access_post(request.auth, post_id)
    services.unsave_post(employee=request.auth, post=post)
    return Status(204, None)


# --- Comments -------------------------------------------------------------------------------


@posts_router.get("/{post_id}/comments", response=Page[ThreadOut], summary="Comments on a post")
def list_comments(
    request: AuthedRequest, post_id: Path[Id], page: Query[PageQuery]
) -> PageResult[Comment]:
    """Top-level comments, oldest first, each with its replies."""
    post = access_post(request.auth, post_id)
    return selectors.post_comments(request.auth, post, cursor=page.cursor, limit=page.limit)


@posts_router.post("/{post_id}/comments", response={201: CommentOut}, summary="Comment on a post")
def create_comment(
    request: AuthedRequest, post_id: Path[Id], payload: CommentIn
) -> Status[Comment]:
    """`parent_id` replies to a top-level comment (one level). Locked posts answer 409."""
    post = access_post(request.auth, post_id)
    parent = selectors.reply_target(post, payload.parent_id) if payload.parent_id else None
    comment = services.create_comment(
        author=request.auth,
        post=post,
        body=payload.body,
        parent=parent,
        attachment_ids=tuple(payload.attachment_ids),
    )
    return Status(201, selectors.comment_detail(request.auth, comment))


@comments_router.patch("/{comment_id}", response=CommentOut, summary="Edit a comment")
def edit_comment(request: AuthedRequest, comment_id: Path[Id], payload: CommentPatch) -> Comment:
    comment = access_comment(request.auth, comment_id)
    services.edit_comment(editor=request.auth, comment=comment, body=payload.body)
    return selectors.comment_detail(request.auth, comment)


@comments_router.delete("/{comment_id}", response=NO_CONTENT, summary="Delete a comment")
def delete_comment(request: AuthedRequest, comment_id: Path[Id]) -> Status[None]:
    comment = access_comment(request.auth, comment_id)
    services.delete_comment(actor=request.auth, comment=comment)
    return Status(204, None)


# --- Reactions ------------------------------------------------------------------------------


def _reaction_state(request: AuthedRequest, reacted: bool, **target: Any) -> dict[str, Any]:
    counts, mine = selectors.reaction_state(request.auth, **target)
    return {"reacted": reacted, "reactions": counts, "my_reactions": mine}


@posts_router.post(
    "/{post_id}/reactions", response=ReactionStateOut, summary="Toggle a reaction on a post"
)
def react_to_post(request: AuthedRequest, post_id: Path[Id], payload: ReactionIn) -> dict:
    """Sets the reaction, or removes it if I had already reacted with this kind. Unknown kinds
    answer 422."""
    post = access_post(request.auth, post_id)
    reacted = services.toggle_reaction(employee=request.auth, post=post, kind=payload.kind)
    return _reaction_state(request, reacted, post=post)


@posts_router.get(
    "/{post_id}/reactions", response=Page[ReactionOut], summary="Who reacted to a post"
)
def list_post_reactions(
    request: AuthedRequest, post_id: Path[Id], params: Query[ReactionListQuery]
) -> PageResult[Reaction]:
    post = access_post(request.auth, post_id)
    return selectors.reactions_of(
        request.auth, post=post, kind=params.kind, cursor=params.cursor, limit=params.limit
    )


@comments_router.post(
    "/{comment_id}/reactions",
    response=ReactionStateOut,
    summary="Toggle a reaction on a comment",
)
def react_to_comment(request: AuthedRequest, comment_id: Path[Id], payload: ReactionIn) -> dict:
    comment = access_comment(request.auth, comment_id)
    reacted = services.toggle_reaction(employee=request.auth, comment=comment, kind=payload.kind)
    return _reaction_state(request, reacted, comment=comment)


@comments_router.get(
    "/{comment_id}/reactions", response=Page[ReactionOut], summary="Who reacted to a comment"
)
def list_comment_reactions(
    request: AuthedRequest, comment_id: Path[Id], params: Query[ReactionListQuery]
) -> PageResult[Reaction]:
    comment = access_comment(request.auth, comment_id)
    return selectors.reactions_of(
        request.auth, comment=comment, kind=params.kind, cursor=params.cursor, limit=params.limit
    )
