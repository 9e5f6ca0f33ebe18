"""Every write to posts, comments, reactions, mentions, hashtags and saved posts.

Each service checks its permission through `feed.permissions` (404 when the actor cannot read
the post, 403 when they can read it but not act, 409 for state: archived community, locked
comments, 422 for invalid input) and runs in one transaction, so a failure changes nothing.
Services that change a post or comment lock its row first (edits and revisions, counters and
the lock flag are serialized per post). Bodies are stored as written; their sanitized HTML,
hashtags and mentions are derived here on every write, never on read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag

from communities.models import Community
from communities.permissions import can_see_community
from communities.services import is_storable_text
from feed import events
from feed import permissions as perms
from feed.markdown import Analysis, analyse
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost
from people.models import Employee
from wilma.errors import Conflict, Forbidden, InvalidInput, NotFound

POLL_FIELDS = frozenset({"question", "options", "allows_multiple", "closes_at"})


def _limit(name: str) -> int:
    return int(settings.WILMA[name])


# --- Helpers: locking, checks, validation ---------------------------------------------------


def _post_not_found() -> NotFound:
    return NotFound(_("Beitrag nicht gefunden."))


def _comment_not_found() -> NotFound:
    return NotFound(_("Kommentar nicht gefunden."))


def _lock_post(actor: Employee, post: Post) -> Post:
    """Re-read the post under a row lock; 404 if it is gone, deleted or hidden from the actor."""
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("community__department")
        .filter(pk=post.pk)
        .first()
    )
    if locked is None or not perms.can_read_post(actor, locked):
        raise _post_not_found()
    return locked


def _fresh_post(actor: Employee, post: Post) -> Post:
    """Re-read the post without locking it; 404 if it is gone, deleted or hidden."""
    fresh = Post.objects.select_related("community__department").filter(pk=post.pk).first()
    if fresh is None or not perms.can_read_post(actor, fresh):
        raise _post_not_found()
    return fresh


def _lock_comment(actor: Employee, comment: Comment) -> Comment:
    locked = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("post__community__department")
        .filter(pk=comment.pk, deleted_at__isnull=True)
        .first()
    )
    if locked is None or not perms.can_read_post(actor, locked.post):
        raise _comment_not_found()
    return locked


def _require_not_archived(post: Post) -> None:
    if post.community is not None and post.community.is_archived:
        raise Conflict(_("Die Community ist archiviert."), code="archived")


def _require_comments_open(post: Post) -> None:
    if post.comments_locked:
        raise Conflict(_("Die Kommentare zu diesem Beitrag sind gesperrt."), code="comments_locked")


def _clean_flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(fields={field: [_("Bitte true oder false angeben.")]})
    return value


def _clean_body(value: Any, max_length: int) -> str:
    """The body exactly as written (not stripped), if it is non-blank, short enough and
    storable."""
    if not isinstance(value, str):
        raise InvalidInput(fields={"body": [_("Bitte einen Text angeben.")]})
    if not value.strip():
        raise InvalidInput(fields={"body": [_("Der Text darf nicht leer sein.")]})
    if len(value) > max_length:
        raise InvalidInput(fields={"body": [_("Höchstens %(max)d Zeichen.") % {"max": max_length}]})
    if not is_storable_text(value):
        raise InvalidInput(fields={"body": [_("Enthält unzulässige Zeichen.")]})
    return value


def _analyse(body: str, *, hashtags: bool) -> Analysis:
    analysis = analyse(body)
    max_hashtags = _limit("MAX_HASHTAGS_PER_POST")
    if hashtags and len(analysis.hashtags) > max_hashtags:
        message = _("Höchstens %(max)d Hashtags.") % {"max": max_hashtags}
        raise InvalidInput(fields={"body": [message]})
    max_mentions = _limit("MAX_MENTIONS_PER_POST")
    if len(analysis.mentions) > max_mentions:
        message = _("Höchstens %(max)d Erwähnungen.") % {"max": max_mentions}
        raise InvalidInput(fields={"body": [message]})
    return analysis


def _hashtag_objects(names: list[str]) -> list[Tag]:
    """The tags for these names: existing tags are matched case-insensitively (so
    `#Radverkehr` and `#radverkehr` are one hashtag), missing ones are created."""
    if not names:
        return []
    existing: dict[str, Tag] = {}
    query = reduce(or_, (Q(name__iexact=name) for name in names))
    for tag in Tag.objects.filter(query).order_by("pk"):
        existing.setdefault(tag.name.casefold(), tag)
    tags = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:
                # Created concurrently (or differs only in a way the database ignores).
                tag = Tag.objects.filter(name__iexact=name).order_by("pk").first()
                if tag is None:
                    raise
        tags.append(tag)
    return tags


def _sync_hashtags(post: Post, names: list[str]) -> None:
    post.hashtags.set(_hashtag_objects(names))


def _mentioned_readers(post: Post, usernames: list[str], author_id: int) -> set[int]:
    """The ids of the active employees named by these usernames (case-insensitively) who may
    read the post; the author mentioning themselves is not recorded."""
    if not usernames:
        return set()
    query = reduce(or_, (Q(username__iexact=name) for name in usernames))
    readers = perms.post_readers(post).filter(query).exclude(pk=author_id)
    return set(readers.values_list("pk", flat=True))


def _sync_mentions(target: Mapping[str, Post | Comment], employee_ids: set[int]) -> None:
    mentions = Mention.objects.filter(**target)
    mentions.exclude(employee_id__in=employee_ids).delete()
    present = set(mentions.values_list("employee_id", flat=True))
    Mention.objects.bulk_create(
        [Mention(employee_id=pk, **target) for pk in sorted(employee_ids - present)]
    )


# --- Posts ----------------------------------------------------------------------------------


@transaction.atomic
def create_post(
    *,
    author: Employee,
    community: Community | None = None,
    body: str,
    poll: Mapping[str, Any] | None = None,
    attachment_ids: Iterable[int] = (),
) -> Post:
    """Publish a post in a community (members and admins) or on the author's own profile.
    Records its hashtags and mentions (of readers only); with `poll` and `attachment_ids`
    also creates the poll and attaches the uploads, all or nothing."""
    if community is not None:
        community = Community.objects.select_related("department").filter(pk=community.pk).first()
        if community is None or not can_see_community(author, community):
            raise NotFound(_("Community nicht gefunden."))
    if not perms.can_post_in(author, community):
        raise Forbidden(
            _("Nur Mitglieder können in dieser Community schreiben."), code="members_only"
        )
    if community is not None and community.is_archived:
        raise Conflict(_("Die Community ist archiviert."), code="archived")
    body = _clean_body(body, _limit("POST_MAX_LENGTH"))
    if poll is not None and (not isinstance(poll, Mapping) or not set(poll) <= POLL_FIELDS):
        raise InvalidInput(fields={"poll": [_("Ungültige Umfrage.")]})
    analysis = _analyse(body, hashtags=True)
    post = Post.objects.create(
        author=author,
        community=community,
        body=body,
        body_html=analysis.html,
        last_activity_at=timezone.now(),
    )
    _sync_hashtags(post, analysis.hashtags)
    _sync_mentions({"post": post}, _mentioned_readers(post, analysis.mentions, author.pk))
    if poll is not None:
        from polls.services import create_poll

        create_poll(post=post, **poll)
    attachment_ids = list(attachment_ids)
    if attachment_ids:
        from attachments.services import attach

        attach(uploader=author, attachment_ids=attachment_ids, post=post)
    events.post_created(post)
    return post


@transaction.atomic
def edit_post(*, editor: Employee, post: Post, body: str) -> Post:
    """Replace the text (author only). The previous text is kept as a revision with the time
    it was written; hashtags and mentions follow the new text. An unchanged text is a no-op."""
    post = _lock_post(editor, post)
    if not perms.can_edit_post(editor, post):
        raise Forbidden(_("Nur die Verfasserin bzw. der Verfasser kann den Beitrag bearbeiten."))
    _require_not_archived(post)
    body = _clean_body(body, _limit("POST_MAX_LENGTH"))
    if body == post.body:
        return post
    analysis = _analyse(body, hashtags=True)
    now = timezone.now()
    PostRevision.objects.create(
        post=post, body=post.body, created_at=post.edited_at or post.created_at, editor=editor
    )
    post.body = body
    post.body_html = analysis.html
    post.edited_at = now
    post.save(update_fields=["body", "body_html", "edited_at"])
    _sync_hashtags(post, analysis.hashtags)
    _sync_mentions({"post": post}, _mentioned_readers(post, analysis.mentions, post.author_id))
    events.post_edited(post)
    return post


@transaction.atomic
def delete_post(*, actor: Employee, post: Post) -> None:
    """Soft-delete: the post disappears for everyone; its rows (comments, revisions,
    hashtags, mentions) stay for audit. Also allowed in archived communities."""
    post = _lock_post(actor, post)
    if not perms.can_delete_post(actor, post):
        raise Forbidden(_("Diesen Beitrag dürfen nur Verfasser*in und Moderation löschen."))
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    events.post_deleted(post)


@transaction.atomic
def pin_post(*, actor: Employee, post: Post, pinned: bool) -> Post:
    """Pin or unpin a community post (moderators, owners, admins); idempotent."""
    post = _lock_post(actor, post)
    if not perms.can_moderate_post(actor, post):
        raise Forbidden(_("Nur Moderation und Eigentümer*innen dürfen das."))
    if post.community is None:
        raise Conflict(_("Beiträge im Profil können nicht angeheftet werden."), code="not_pinnable")
    _require_not_archived(post)
    pinned = _clean_flag(pinned, "pinned")
    if post.is_pinned != pinned:
        post.is_pinned = pinned
        post.pinned_at = timezone.now() if pinned else None
        post.save(update_fields=["is_pinned", "pinned_at"])
        events.post_pinned(post)
    return post


@transaction.atomic
def lock_comments(*, actor: Employee, post: Post, locked: bool) -> Post:
    """Close or reopen the comments of a post (community moderation, or the author of a
    profile post); idempotent."""
    post = _lock_post(actor, post)
    if not perms.can_moderate_post(actor, post):
        raise Forbidden(_("Nur Moderation und Eigentümer*innen dürfen das."))
    _require_not_archived(post)
    locked = _clean_flag(locked, "locked")
    if post.comments_locked != locked:
        post.comments_locked = locked
        post.save(update_fields=["comments_locked"])
        events.post_locked(post)
    return post


# --- Comments -------------------------------------------------------------------------------


@transaction.atomic
def create_comment(
    *,
    author: Employee,
    post: Post,
    body: str,
    parent: Comment | None = None,
    attachment_ids: Iterable[int] = (),
) -> Comment:
    """Comment on a post, or reply to a comment of it. Replies are one level deep: a reply
    to a reply joins the thread of its top-level comment. Counts the comment on the post and
    moves the post up in "latest activity" order."""
    post = _lock_post(author, post)
    _require_not_archived(post)
    _require_comments_open(post)
    if not perms.can_comment(author, post):
        raise Forbidden(_("Hier darfst du nicht kommentieren."))
    body = _clean_body(body, _limit("COMMENT_MAX_LENGTH"))
    parent_id = None
    if parent is not None:
        found = (
            Comment.objects.filter(pk=parent.pk, post=post, deleted_at__isnull=True)
            .values_list("pk", "parent_id")
            .first()
        )
        if found is None:
            raise InvalidInput(fields={"parent": [_("Diesen Kommentar gibt es hier nicht.")]})
        parent_id = found[1] or found[0]
    analysis = _analyse(body, hashtags=False)
    comment = Comment.objects.create(
        post=post, parent_id=parent_id, author=author, body=body, body_html=analysis.html
    )
    _sync_mentions({"comment": comment}, _mentioned_readers(post, analysis.mentions, author.pk))
    Post.objects.filter(pk=post.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=comment.created_at
    )
    attachment_ids = list(attachment_ids)
    if attachment_ids:
        from attachments.services import attach

        attach(uploader=author, attachment_ids=attachment_ids, comment=comment)
    events.comment_created(post, comment)
    return comment


@transaction.atomic
def edit_comment(*, editor: Employee, comment: Comment, body: str) -> Comment:
    """Replace a comment's text (author only; not in archived communities or on locked
    posts). Mentions follow the new text; an unchanged text is a no-op."""
    comment = _lock_comment(editor, comment)
    if not perms.can_edit_comment(editor, comment):
        raise Forbidden(_("Nur die Verfasserin bzw. der Verfasser kann den Kommentar bearbeiten."))
    _require_not_archived(comment.post)
    _require_comments_open(comment.post)
    body = _clean_body(body, _limit("COMMENT_MAX_LENGTH"))
    if body == comment.body:
        return comment
    analysis = _analyse(body, hashtags=False)
    comment.body = body
    comment.body_html = analysis.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    readers = _mentioned_readers(comment.post, analysis.mentions, comment.author_id)
    _sync_mentions({"comment": comment}, readers)
    events.comment_edited(comment)
    return comment


@transaction.atomic
def delete_comment(*, actor: Employee, comment: Comment) -> None:
    """Soft-delete a comment (its author, or whoever moderates the post) and count it off the
    post. Its replies stay."""
    comment = _lock_comment(actor, comment)
    if not perms.can_delete_comment(actor, comment):
        raise Forbidden(_("Diesen Kommentar dürfen nur Verfasser*in und Moderation löschen."))
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at"])
    Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
        comment_count=F("comment_count") - 1
    )
    events.comment_deleted(comment)


# --- Reactions and saved posts --------------------------------------------------------------


def reaction_kinds() -> list[str]:
    """The configured reactions, in display order."""
    return [str(kind) for kind in settings.WILMA["REACTIONS"]]


@transaction.atomic
def toggle_reaction(
    *,
    employee: Employee,
    post: Post | None = None,
    comment: Comment | None = None,
    kind: str,
) -> bool:
    """Add the employee's reaction of this kind to a post or a comment, or take it back if
    present. Returns whether it is present now."""
    if (post is None) == (comment is None):
        raise InvalidInput(fields={"target": [_("Bitte genau einen Beitrag oder Kommentar.")]})
    target: dict[str, Post | Comment]
    if comment is not None:
        found = (
            Comment.objects.select_related("post__community__department")
            .filter(pk=comment.pk, deleted_at__isnull=True)
            .first()
        )
        if found is None or not perms.can_read_post(employee, found.post):
            raise _comment_not_found()
        target_post, target = found.post, {"comment": found}
    else:
        assert post is not None
        target_post = _fresh_post(employee, post)
        target = {"post": target_post}
    if not isinstance(kind, str) or kind not in reaction_kinds():
        raise InvalidInput(
            _("Diese Reaktion gibt es nicht."),
            code="unknown_reaction",
            fields={"kind": [_("Erlaubt: %(kinds)s") % {"kinds": " ".join(reaction_kinds())}]},
        )
    if not perms.can_react(employee, target_post):
        raise Conflict(_("Die Community ist archiviert."), code="archived")
    deleted, _details = Reaction.objects.filter(employee=employee, kind=kind, **target).delete()
    if deleted:
        events.reaction_changed(
            post=target_post, comment=comment, employee_id=employee.pk, kind=kind, reacted=False
        )
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(employee=employee, kind=kind, **target)
    except IntegrityError:
        return True  # a concurrent toggle added the same reaction (and announced it)
    events.reaction_changed(
        post=target_post, comment=comment, employee_id=employee.pk, kind=kind, reacted=True
    )
    return True


@transaction.atomic
def save_post(*, employee: Employee, post: Post) -> None:
    """Keep a readable post in the employee's saved posts; saving twice is a no-op."""
    post = _fresh_post(employee, post)
    try:
        with transaction.atomic():
            SavedPost.objects.get_or_create(employee=employee, post=post)
    except IntegrityError:
        pass  # saved concurrently


def unsave_post(*, employee: Employee, post: Post) -> None:
    """Remove a post from the employee's saved posts (also a post no longer readable or
    deleted); idempotent."""
    SavedPost.objects.filter(employee=employee, post_id=post.pk).delete()
