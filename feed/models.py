"""Posts, comments, reactions, mentions, hashtags, edit history and saved posts.

Bodies are stored as written (Markdown subset) next to their sanitized HTML rendering, which
services compute on every write; readers never render. Counters that every feed page shows
(`comment_count`) are kept on the post by the services, so a page needs no aggregate query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

USER = settings.AUTH_USER_MODEL


class Post(models.Model):  # type: ignore[django-manager-missing]
    """A post in a community, or (community is null) on its author's profile."""

    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="posts")
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
    )
    body = models.TextField(_("Text"))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(_("erstellt"), auto_now_add=True)
    edited_at = models.DateTimeField(_("bearbeitet"), null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # A new comment bumps the post in "latest activity" order.
    last_activity_at = models.DateTimeField(_("letzte Aktivität"))
    is_pinned = models.BooleanField(_("angeheftet"), default=False)
    pinned_at = models.DateTimeField(null=True, blank=True)
    comments_locked = models.BooleanField(_("Kommentare gesperrt"), default=False)
    comment_count = models.PositiveIntegerField(default=0)
    hashtags = TaggableManager(verbose_name=_("Hashtags"), through="TaggedPost", blank=True)

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        indexes = [
            models.Index(
                fields=["community", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="post_community_new",
            ),
            models.Index(
                fields=["community", "-last_activity_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="post_community_active",
            ),
            models.Index(
                fields=["author", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="post_author_new",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="post_new",
            ),
            # The pinned list on a community feed's first page.
            models.Index(
                fields=["community", "-pinned_at", "-id"],
                condition=Q(is_pinned=True, deleted_at__isnull=True),
                name="post_community_pinned",
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} by {self.author_id}"


class TaggedPost(TaggedItemBase):
    """A #hashtag on a post, with a real foreign key (not taggit's generic one), so the hashtag
    feed is a plain indexed join."""

    # Annotated explicitly: taggit's base class is untyped, so mypy cannot infer it.
    content_object: models.ForeignKey[Post, Post] = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_post_hashtag")
        ]
        indexes = [models.Index(fields=["tag", "content_object"])]


class PostRevision(models.Model):
    """A previous text of an edited post: the full edit history, oldest first."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(help_text=_("Wann dieser Text geschrieben wurde"))
    replaced_at = models.DateTimeField(auto_now_add=True)
    editor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["replaced_at", "id"]

    def __str__(self) -> str:
        return f"Revision {self.pk} of post {self.post_id}"


class Comment(models.Model):
    """A comment on a post; `parent` makes it a reply (one level only)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("Text"))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")
        indexes = [models.Index(fields=["post", "created_at", "id"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"


class Mention(models.Model):
    """An @mention of an employee who may see the post (others are not recorded)."""

    employee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="mentions")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="mention_one_target",
            ),
            models.UniqueConstraint(fields=["post", "employee"], name="unique_post_mention"),
            models.UniqueConstraint(fields=["comment", "employee"], name="unique_comment_mention"),
        ]

    def __str__(self) -> str:
        return f"@{self.employee_id}"


class Reaction(models.Model):
    """One reaction of one kind by one employee on a post or a comment."""

    employee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="reactions")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="reactions")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, related_name="reactions"
    )
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["post", "employee", "kind"], name="unique_post_reaction"
            ),
            models.UniqueConstraint(
                fields=["comment", "employee", "kind"], name="unique_comment_reaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.employee_id}"


class SavedPost(models.Model):
    employee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="saved_posts")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "post"], name="unique_saved_post")
        ]
        indexes = [models.Index(fields=["employee", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.employee_id} saved {self.post_id}"
