"""Reads of posts, feeds, comments, revisions and reactions, with fixed query budgets.

Every feed starts from `feed.permissions.readable_posts(viewer)`, so what a viewer may read is
decided in one place. A page is loaded in two steps:

1. the page query itself (`with_feed_data`: author, department, community and poll joined in,
   the saved flag as an `Exists` annotation), keyset-paginated;
2. `load_feed_data` on the loaded posts: one query for attachments and one for hashtags,
   mentions and reaction counts together (grouped by post and kind, with the viewer's own
   reactions; a `UNION ALL`); for polls also their options, the viewer's votes and the
   voter counts. Plain queries grouped in Python, attached as plain attributes.

So a page costs the same number of queries for 1 post or 100, and lists assembled from two
queries (pinned posts + the first page, saved posts) are hydrated together.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _
from taggit.models import Tag

from announcements.models import Announcement
from announcements.selectors import active_announcements_for
from attachments.models import Attachment
from communities.models import Community, Membership
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost, TaggedPost
from feed.permissions import readable_posts
from people.models import Employee, Follow
from polls.models import PollVote
from wilma.errors import InvalidInput, NotFound
from wilma.pagination import PageResult, paginate

NEWEST_FIRST = ("-created_at", "-id")
LATEST_ACTIVITY_FIRST = ("-last_activity_at", "-id")
OLDEST_FIRST = ("created_at", "id")
COMMUNITY_ORDERS = {"new": NEWEST_FIRST, "active": LATEST_ACTIVITY_FIRST}
# Up to this many communities and followed people go into the home-feed query as literal ids;
# beyond it they are nested as subqueries (SQLite's oldest limit is 999 bound parameters).
MAX_LITERAL_SOURCE_IDS = 400
# A hashtag with at most this many posts goes into its feed's query as literal post ids.
MAX_LITERAL_TAGGED_POSTS = 3000
# Longest hashtag looked up; longer ones cannot exist (taggit's name column is 100 chars).
MAX_HASHTAG_LENGTH = 100


@dataclass(frozen=True)
class CommunityFeed:
    items: list[Post]
    next_cursor: str | None
    # Pinned posts, first page only; they also appear in the stream at their own place.
    pinned: list[Post] = field(default_factory=list)


@dataclass(frozen=True)
class HomeFeed:
    items: list[Post]
    next_cursor: str | None
    # Active announcements for the viewer, first page only; not part of the keyset stream.
    announcements: list[Announcement] = field(default_factory=list)


# --- Loading what a page shows --------------------------------------------------------------


def with_feed_data(posts: QuerySet[Post], viewer: Employee) -> QuerySet[Post]:
    """The row-level part of a feed page: author (with department), community and poll in the
    same query, and whether the viewer saved each post. Run `load_feed_data` on the result."""
    return posts.select_related("author__department", "community", "poll").annotate(
        saved=Exists(SavedPost.objects.filter(employee=viewer, post=OuterRef("pk")))
    )


def _poll_prefetches(viewer: Employee) -> list[str | Prefetch]:
    return [
        "options",
        Prefetch("votes", queryset=PollVote.objects.filter(voter=viewer), to_attr="my_votes"),
    ]


def load_feed_data(posts: Sequence[Post], viewer: Employee) -> None:
    """Attach to posts loaded by `with_feed_data` everything `PostOut` shows, in a fixed number
    of queries: attachments; hashtags, mentions, reaction counts and own reactions together;
    and for polls their options, the viewer's votes and the voter counts.

    Plain queries grouped in Python rather than `prefetch_related` (half the cost per page);
    the results are attached as plain attributes (`attachment_list`, `hashtag_names`,
    `mention_usernames`, `reaction_counts`, `my_reaction_kinds`) that `PostOut` reads."""
    if not posts:
        return
    ids = list(dict.fromkeys(post.pk for post in posts))  # a pinned post may come twice
    attachments = _attachments_of(Attachment.objects.filter(post_id__in=ids), "post_id")
    text = _text_data(ids, viewer, key="post_id")
    polls = [post.poll for post in posts if getattr(post, "poll", None) is not None]
    voters: dict[int, int] = {}
    if polls:
        prefetch_related_objects(polls, *_poll_prefetches(viewer))
        voters = dict(
            PollVote.objects.filter(poll__in=[poll.pk for poll in polls])
            .order_by()
            .values("poll")
            .annotate(n=Count("voter", distinct=True))
            .values_list("poll", "n")
        )
    for post in posts:
        post.attachment_list = attachments.get(post.pk, [])  # type: ignore[attr-defined]
        post.hashtag_names = sorted(text.hashtags.get(post.pk, ()), key=str.casefold)  # type: ignore[attr-defined]
        post.reaction_counts = text.counts.get(post.pk, {})  # type: ignore[attr-defined]
        post.my_reaction_kinds = text.mine.get(post.pk, [])  # type: ignore[attr-defined]
        post.mention_usernames = text.mentions.get(post.pk, [])  # type: ignore[attr-defined]
    for poll in polls:
        poll.voter_count = voters.get(poll.pk, 0)  # type: ignore[attr-defined]


def _attachments_of(attachments: QuerySet[Attachment], key: str) -> dict[int, list[Attachment]]:
    """Attachments per target, in upload order."""
    by_target: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments.order_by("id"):
        by_target[getattr(attachment, key)].append(attachment)
    return by_target


@dataclass
class _TextData:
    """Per target (post or comment id): hashtag names, mentioned usernames (in mention
    order), reaction counts by kind and the viewer's own kinds."""

    hashtags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    mentions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    mine: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


# Row kinds of `_text_data`'s UNION (small integers: typed the same by every database).
_HASHTAG, _MENTION, _REACTION = 0, 1, 2


def _text_data(ids: Sequence[int], viewer: Employee, *, key: str) -> _TextData:
    """Hashtags (posts only), mentions and reaction summaries of posts (`key="post_id"`) or
    comments (`key="comment_id"`) in one `UNION ALL` query: every extra query costs a round
    trip and, larger here, its ORM compilation (docs/benchmarks.md)."""
    reactions = (
        Reaction.objects.filter(**{f"{key}__in": ids})
        .order_by()
        .values(key, "kind")
        .annotate(n=Count("pk"), mine=Count("pk", filter=Q(employee=viewer)))
        .values_list(key, Value(_REACTION), "kind", "n", "mine")
    )
    mentions = Mention.objects.filter(**{f"{key}__in": ids}).values_list(
        key, Value(_MENTION), "employee__username", "id", Value(0)
    )
    parts: list[QuerySet[Any]] = [mentions, reactions]
    if key == "post_id":
        hashtags = TaggedPost.objects.filter(content_object_id__in=ids).values_list(
            "content_object_id", Value(_HASHTAG), "tag__name", "id", Value(0)
        )
        parts.insert(0, hashtags)
    data = _TextData()
    mentioned: list[tuple[int, int, str]] = []
    for target, kind, text, number, mine in parts[0].union(*parts[1:], all=True):
        if kind == _REACTION:
            data.counts[target][text] = number
            if mine:
                data.mine[target].append(text)
        elif kind == _MENTION:
            mentioned.append((number, target, text))
        else:
            data.hashtags[target].append(text)
    for _pk, target, username in sorted(mentioned):
        data.mentions[target].append(username)
    # Stable output: reaction kinds in one order, as a grouped, ordered query gave them.
    for target, counts in data.counts.items():
        data.counts[target] = dict(sorted(counts.items()))
    for kinds in data.mine.values():
        kinds.sort()
    return data


def _reaction_summary(
    reactions: QuerySet[Reaction], key: str, viewer: Employee
) -> tuple[dict[int, dict[str, int]], dict[int, list[str]]]:
    """Counts per target and kind, and the viewer's own kinds per target, in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, list[str]] = defaultdict(list)
    rows = (
        reactions.order_by()
        .values(key, "kind")
        .annotate(n=Count("pk"), mine=Count("pk", filter=Q(employee=viewer)))
        .order_by(key, "kind")
    )
    for row in rows:
        counts[row[key]][row["kind"]] = row["n"]
        if row["mine"]:
            mine[row[key]].append(row["kind"])
    return counts, mine


def _feed_page(
    posts: QuerySet[Post],
    viewer: Employee,
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int | None,
    keys_first: bool = False,
) -> PageResult[Post]:
    if keys_first:
        page = paginate(
            posts,
            order=order,
            cursor=cursor,
            limit=limit,
            load=lambda page_posts: with_feed_data(page_posts, viewer),
        )
    else:
        page = paginate(with_feed_data(posts, viewer), order=order, cursor=cursor, limit=limit)
    load_feed_data(page.items, viewer)
    return page


# --- Feeds ----------------------------------------------------------------------------------


def home_feed(viewer: Employee, *, cursor: str | None = None, limit: int | None = None) -> HomeFeed:
    """Posts in the viewer's communities, posts by people the viewer follows (that the viewer
    may read) and the viewer's own profile posts, newest first; on the first page also the
    viewer's active announcements."""
    posts = readable_posts(viewer).filter(home_sources(viewer))
    # Page keys first: for a viewer with few, small sources PostgreSQL gathers all their posts
    # and sorts them; joining authors to every candidate first cost 8 of 9 ms (a viewer in
    # one 317-post community: page query 8.4 -> 1.3 ms; the most-subscribed viewer: the same).
    page = _feed_page(
        posts, viewer, order=NEWEST_FIRST, cursor=cursor, limit=limit, keys_first=True
    )
    announcements = home_announcements(viewer) if not cursor else []
    return HomeFeed(items=page.items, next_cursor=page.next_cursor, announcements=announcements)


def home_sources(viewer: Employee) -> Q:
    """Where the home feed's posts come from: the viewer's communities, the people the viewer
    follows (narrowed to what the viewer may read by `readable_posts`) and the viewer's own
    profile. Both lists are resolved now, in one query, and go into the page query as literal
    ids: the planner then sees how many sources there are and picks its plan by that (walk
    the newest posts for many sources, gather each source's posts from its index for few),
    where subqueries made sparse home feeds walk the whole `post_new` index."""
    kinds = (
        Membership.objects.filter(employee=viewer)
        .values_list("community_id", Value(True))
        .union(
            Follow.objects.filter(follower=viewer).values_list("followed_id", Value(False)),
            all=True,
        )
    )
    member_of: list[int] = []
    followed: list[int] = []
    for pk, is_community in kinds:
        (member_of if is_community else followed).append(pk)
    sources = Q(author=viewer, community__isnull=True)
    if len(member_of) + len(followed) > MAX_LITERAL_SOURCE_IDS:
        return (
            sources
            | Q(community__in=Membership.objects.filter(employee=viewer).values("community_id"))
            | Q(author__in=Follow.objects.filter(follower=viewer).values("followed_id"))
        )
    if member_of:
        sources |= Q(community_id__in=member_of)
    if followed:
        sources |= Q(author_id__in=followed)
    return sources


def home_announcements(viewer: Employee) -> list[Announcement]:
    """The active announcements on top of the first home-feed page (chosen by the announcements
    app), with author, department and the viewer's acknowledgement loaded: two queries."""
    announcements = list(
        active_announcements_for(viewer).select_related("author__department", "department")
    )
    return announcements


def community_feed(
    viewer: Employee,
    community: Community,
    *,
    order: str = "new",
    cursor: str | None = None,
    limit: int | None = None,
) -> CommunityFeed:
    """A community's posts by newest post (`new`) or latest activity (`active`: a new comment
    bumps a post). The first page also lists the pinned posts, most recently pinned first;
    the stream itself leaves them at their place, so paging never skips or repeats a post."""
    posts = readable_posts(viewer).filter(community=community)
    page = paginate(
        with_feed_data(posts, viewer), order=COMMUNITY_ORDERS[order], cursor=cursor, limit=limit
    )
    pinned: list[Post] = []
    if not cursor:
        pinned = list(
            with_feed_data(posts.filter(is_pinned=True), viewer).order_by("-pinned_at", "-id")
        )
    load_feed_data([*pinned, *page.items], viewer)
    return CommunityFeed(items=page.items, next_cursor=page.next_cursor, pinned=pinned)


def profile_feed(
    viewer: Employee, employee: Employee, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Post]:
    """The posts on an employee's profile (not their community posts), newest first."""
    posts = readable_posts(viewer).filter(author=employee, community__isnull=True)
    return _feed_page(posts, viewer, order=NEWEST_FIRST, cursor=cursor, limit=limit)


def normalize_hashtag(tag: str) -> str:
    """As `feed.markdown` stores hashtags: NFC-normalized, without the `#`."""
    return unicodedata.normalize("NFC", tag.strip().lstrip("#").strip())


def hashtag_feed(
    viewer: Employee, tag: str, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Post]:
    """The readable posts carrying a hashtag (any case, with or without `#`), newest first.
    An unknown hashtag is an empty feed."""
    name = normalize_hashtag(tag)
    if not name or len(name) > MAX_HASHTAG_LENGTH:
        return _feed_page(
            Post.objects.none(), viewer, order=NEWEST_FIRST, cursor=cursor, limit=limit
        )
    # The tag's posts are fetched first, up to a bound, and go into the page query as literal
    # ids: the planner then gathers and sorts them. Given a subquery instead, it assumes a
    # tag's posts spread evenly over time and walks the newest posts probing each, which is
    # right for common tags but took 130-240 ms for one with 1,081 of 1,000,000 posts (37,630
    # probes for a page; docs/benchmarks.md). Commoner tags keep the subquery and the walk.
    bound = literal_id_bound(MAX_LITERAL_TAGGED_POSTS)
    tagged_posts = TaggedPost.objects.filter(tag__name__iexact=name)
    ids = list(tagged_posts.values_list("content_object", flat=True)[: bound + 1])
    if len(ids) <= bound:
        posts = readable_posts(viewer).filter(pk__in=ids)
    else:
        # A common tag: its ids as literals, so the planner sees how common it is (a
        # subquery on UPPER(name) made the top tag's page query 6x slower).
        tag_ids = list(Tag.objects.filter(name__iexact=name).values_list("pk", flat=True))
        tagged = TaggedPost.objects.filter(tag_id__in=tag_ids).values("content_object")
        posts = readable_posts(viewer).filter(pk__in=tagged)
    return _feed_page(posts, viewer, order=NEWEST_FIRST, cursor=cursor, limit=limit)


def literal_id_bound(wanted: int) -> int:
    """How many ids a query may carry as literals on this database (SQLite's oldest builds
    allow 999 bound parameters in all; leave room for the query's other parameters)."""
    limit = connection.features.max_query_params
    return wanted if limit is None else min(wanted, limit - 100)


def saved_posts(
    viewer: Employee, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Post]:
    """The posts the viewer saved and may still read, most recently saved first."""
    saved = SavedPost.objects.filter(
        employee=viewer, post__in=readable_posts(viewer).values("pk")
    ).only("id", "post_id", "created_at")
    page = paginate(saved, order=NEWEST_FIRST, cursor=cursor, limit=limit)
    ids = [s.post_id for s in page.items]
    by_id = {post.pk: post for post in with_feed_data(Post.objects.filter(pk__in=ids), viewer)}
    posts = [by_id[pk] for pk in ids if pk in by_id]
    load_feed_data(posts, viewer)
    return PageResult(items=posts, next_cursor=page.next_cursor)


# --- One post, its comments, revisions and reactions -----------------------------------------


def post_detail(viewer: Employee, post: Post) -> Post:
    """The post (already authorised, e.g. by `access_post`) with everything `PostOut` shows.

    The read permission is not compiled into the query a second time (`access_post` checked
    it in this request; about a millisecond of query building per request); a post deleted
    meanwhile is still 404."""
    live = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).order_by()
    rows = list(with_feed_data(live, viewer)[:1])
    if not rows:
        raise NotFound()
    load_feed_data(rows, viewer)
    return rows[0]


def load_comment_data(comments: Sequence[Comment], viewer: Employee) -> None:
    """Attach to comments (author and department already joined) what `CommentOut` shows:
    attachments, then reaction counts, own reactions and mentions together: two queries."""
    if not comments:
        return
    ids = [comment.pk for comment in comments]
    attachments = _attachments_of(Attachment.objects.filter(comment_id__in=ids), "comment_id")
    text = _text_data(ids, viewer, key="comment_id")
    for comment in comments:
        comment.attachment_list = attachments.get(comment.pk, [])  # type: ignore[attr-defined]
        comment.reaction_counts = text.counts.get(comment.pk, {})  # type: ignore[attr-defined]
        comment.my_reaction_kinds = text.mine.get(comment.pk, [])  # type: ignore[attr-defined]
        comment.mention_usernames = text.mentions.get(comment.pk, [])  # type: ignore[attr-defined]


def post_comments(
    viewer: Employee, post: Post, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Comment]:
    """A post's top-level comments, oldest first, each with its replies (oldest first).

    Deleted comments are left out, except a deleted top-level comment that still has replies:
    it stays as a placeholder (`is_deleted`, no text) so the replies keep their context."""
    live_replies = Comment.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True)
    threads = (
        Comment.objects.filter(post=post, parent__isnull=True)
        .filter(Q(deleted_at__isnull=True) | Exists(live_replies))
        .select_related("author__department")
    )
    page = paginate(threads, order=OLDEST_FIRST, cursor=cursor, limit=limit)
    replies = (
        Comment.objects.filter(deleted_at__isnull=True)
        .select_related("author__department")
        .order_by(*OLDEST_FIRST)
    )
    prefetch_related_objects(
        page.items, Prefetch("replies", queryset=replies, to_attr="live_replies")
    )
    every = [*page.items, *(r for c in page.items for r in c.live_replies)]  # type: ignore[attr-defined]
    load_comment_data(every, viewer)
    return page


def comment_detail(viewer: Employee, comment: Comment) -> Comment:
    """One comment with what `CommentOut` shows (without replies)."""
    loaded = Comment.objects.select_related("author__department").filter(pk=comment.pk).first()
    if loaded is None:
        raise NotFound()
    load_comment_data([loaded], viewer)
    return loaded


def reply_target(post: Post, parent_id: int) -> Comment:
    """The comment a new comment replies to: a live comment on the same post; 422 otherwise.
    (Whether it is top-level is the service's rule.)"""
    parent = Comment.objects.filter(pk=parent_id, post=post, deleted_at__isnull=True).first()
    if parent is None:
        raise InvalidInput(fields={"parent_id": [_("Unbekannter Kommentar.")]})
    return parent


def post_revisions(
    viewer: Employee, post: Post, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[PostRevision]:
    """The earlier texts of a post, oldest first. Whoever may read the post may read them."""
    revisions = PostRevision.objects.filter(post=post).select_related("editor__department")
    return paginate(revisions, order=["replaced_at", "id"], cursor=cursor, limit=limit)


def reactions_of(
    viewer: Employee,
    *,
    post: Post | None = None,
    comment: Comment | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> PageResult[Reaction]:
    """Who reacted to a post or a comment (optionally with one kind), first reaction first.
    Deactivated employees are left out, as everywhere else they are hidden from colleagues."""
    reactions = _reactions_on(post=post, comment=comment).filter(employee__is_active=True)
    if kind is not None:
        reactions = reactions.filter(kind=kind)
    reactions = reactions.select_related("employee__department")
    return paginate(reactions, order=OLDEST_FIRST, cursor=cursor, limit=limit)


def reaction_state(
    viewer: Employee, *, post: Post | None = None, comment: Comment | None = None
) -> tuple[dict[str, int], list[str]]:
    """The reaction counts on a post or comment, and the kinds the viewer reacted with."""
    target = "post_id" if post is not None else "comment_id"
    counts, mine = _reaction_summary(_reactions_on(post=post, comment=comment), target, viewer)
    pk = (post or comment).pk  # type: ignore[union-attr]
    return counts.get(pk, {}), mine.get(pk, [])


def _reactions_on(*, post: Post | None, comment: Comment | None) -> QuerySet[Reaction]:
    if (post is None) == (comment is None):
        raise ValueError("Pass exactly one of post and comment.")
    if post is not None:
        return Reaction.objects.filter(post=post)
    return Reaction.objects.filter(comment=comment)
