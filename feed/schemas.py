"""The public shape of posts, comments, reactions and feeds, and the input that changes them.

Output schemas read objects loaded by `feed.selectors` (which attaches reaction counts, the
caller's own reactions, mentions and the saved flag), so serializing a page never queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, model_validator

from announcements.schemas import AnnouncementOut
from attachments.schemas import AttachmentOut
from communities.schemas import CommunityRef
from feed.models import Comment, Post
from people.schemas import EmployeeRef
from polls.models import Poll
from polls.schemas import PollOut
from wilma.schemas import Id, PageQuery, StorableText

# Hard caps against abuse; the configurable limits (post length ...) are the services' job.
BODY_MAX_CHARS = 100_000
MAX_ATTACHMENTS = 50
MAX_POLL_OPTIONS = 50


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("Darf nicht leer sein."))
    return value


Body = Annotated[
    StorableText, Field(min_length=1, max_length=BODY_MAX_CHARS), AfterValidator(_not_blank)
]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]
ReactionKind = Annotated[StorableText, Field(min_length=1, max_length=32)]


# --- Output ---------------------------------------------------------------------------------


def _reaction_counts(obj: Any) -> dict[str, int]:
    return dict(getattr(obj, "reaction_counts", {}))


def _my_reactions(obj: Any) -> list[str]:
    return sorted(getattr(obj, "my_reaction_kinds", ()))


def _attachments(obj: Any) -> list[Any]:
    # `feed.selectors` attaches `attachment_list`; anything else reads the relation.
    attachments = getattr(obj, "attachment_list", None)
    return list(attachments) if attachments is not None else list(obj.attachments.all())


class PostOut(Schema):
    id: int
    author: EmployeeRef
    community: CommunityRef | None = Field(..., description="null: a post on the author's profile")
    body: str = Field(..., description="As written (Markdown subset)")
    body_html: str = Field(..., description="Sanitized HTML rendering")
    created_at: datetime
    edited_at: datetime | None
    is_edited: bool
    is_pinned: bool
    comments_locked: bool
    comment_count: int
    last_activity_at: datetime
    hashtags: list[str]
    mentions: list[str] = Field(..., description="Usernames mentioned in the post")
    attachments: list[AttachmentOut]
    poll: PollOut | None
    reactions: dict[str, int] = Field(..., description="Count per reaction kind")
    my_reactions: list[str] = Field(..., description="The kinds I reacted with")
    saved: bool

    resolve_reactions = staticmethod(_reaction_counts)
    resolve_my_reactions = staticmethod(_my_reactions)

    @staticmethod
    def resolve_is_edited(obj: Post) -> bool:
        return obj.edited_at is not None

    @staticmethod
    def resolve_hashtags(obj: Post) -> list[str]:
        names = getattr(obj, "hashtag_names", None)
        if names is not None:
            return list(names)
        return sorted((item.tag.name for item in obj.tagged_items.all()), key=str.casefold)

    @staticmethod
    def resolve_mentions(obj: Post) -> list[str]:
        return list(getattr(obj, "mention_usernames", ()))

    resolve_attachments = staticmethod(_attachments)

    @staticmethod
    def resolve_poll(obj: Post) -> Poll | None:
        return getattr(obj, "poll", None)

    @staticmethod
    def resolve_saved(obj: Post) -> bool:
        return bool(getattr(obj, "saved", False))


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author: EmployeeRef
    body: str = Field(..., description="Empty for a deleted comment that still has replies")
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    is_edited: bool
    is_deleted: bool
    mentions: list[str]
    attachments: list[AttachmentOut]
    reactions: dict[str, int] = Field(..., description="Count per reaction kind")
    my_reactions: list[str] = Field(..., description="The kinds I reacted with")

    resolve_reactions = staticmethod(_reaction_counts)
    resolve_my_reactions = staticmethod(_my_reactions)

    @staticmethod
    def resolve_body(obj: Comment) -> str:
        return "" if obj.deleted_at else obj.body

    @staticmethod
    def resolve_body_html(obj: Comment) -> str:
        return "" if obj.deleted_at else obj.body_html

    @staticmethod
    def resolve_is_edited(obj: Comment) -> bool:
        return obj.edited_at is not None

    @staticmethod
    def resolve_is_deleted(obj: Comment) -> bool:
        return obj.deleted_at is not None

    @staticmethod
    def resolve_mentions(obj: Comment) -> list[str]:
        return [] if obj.deleted_at else list(getattr(obj, "mention_usernames", ()))

    @staticmethod
    def resolve_attachments(obj: Comment) -> list[Any]:
        return [] if obj.deleted_at else _attachments(obj)


class ThreadOut(CommentOut):
    """A top-level comment with its replies (oldest first)."""

    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(obj: Comment) -> list[Any]:
        return list(getattr(obj, "live_replies", ()))


class PostRevisionOut(Schema):
    id: int
    body: str = Field(..., description="The text as it was before this edit")
    created_at: datetime = Field(..., description="When this text was written")
    replaced_at: datetime
    editor: EmployeeRef


class ReactionOut(Schema):
    employee: EmployeeRef
    kind: str
    created_at: datetime


class ReactionStateOut(Schema):
    """The result of toggling a reaction: whether it is now set, and the new totals."""

    reacted: bool
    reactions: dict[str, int]
    my_reactions: list[str]


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None = None


class PostListOut(PostPage):
    pinned: list[PostOut] = Field(
        ...,
        description="Community feed: the pinned posts, on the first page only (they also "
        "appear in `items` at their place); always empty for the profile feed",
    )


class HomeFeedOut(PostPage):
    announcements: list[AnnouncementOut] = Field(
        ..., description="Active announcements for my department, on the first page only"
    )


# --- Input ----------------------------------------------------------------------------------


class PostListQuery(PageQuery):
    """Exactly one of `community` and `author`."""

    community: Slug | None = Field(None, description="Community feed: the community's slug")
    author: Annotated[StorableText, Field(min_length=1, max_length=150)] | None = Field(
        None, description="Profile feed: id or username; only posts on the profile"
    )
    order: str = Field(
        "new",
        pattern=r"^(new|active)$",
        description="Community feed: `new` (newest post) or `active` (latest comment)",
    )

    @model_validator(mode="after")
    def _one_target(self) -> PostListQuery:
        if (self.community is None) == (self.author is None):
            raise ValueError(_("Genau eines von `community` und `author` angeben."))
        return self


class ReactionListQuery(PageQuery):
    kind: ReactionKind | None = None


class PollIn(Schema):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[StorableText, Field(min_length=1, max_length=300)]
    options: Annotated[
        list[Annotated[StorableText, Field(min_length=1, max_length=200)]],
        Field(min_length=2, max_length=MAX_POLL_OPTIONS),
    ]
    allows_multiple: bool = False
    closes_at: datetime | None = None


class PostIn(Schema):
    model_config = ConfigDict(extra="forbid")

    community: Slug | None = Field(None, description="null: post on my own profile")
    body: Body
    poll: PollIn | None = None
    attachment_ids: Annotated[list[Id], Field(max_length=MAX_ATTACHMENTS)] = []


class PostPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Body


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Body
    parent_id: Id | None = Field(None, description="Reply to this top-level comment")
    attachment_ids: Annotated[list[Id], Field(max_length=MAX_ATTACHMENTS)] = []


class CommentPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Body


class ReactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: ReactionKind
