"""Django admin for posts and comments: site admins browse, search and moderate.

Read-only: content is written by its authors through the API. Moderation runs as actions that
call the feed services (soft delete, pin, lock comments), so the admin follows the same rules
and leaves the same traces as the API. Hard deletion is switched off; reactions, mentions and
saved posts are derived or personal data and are not shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from feed import services
from feed.models import Comment, Post, PostRevision
from wilma.errors import ApiError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _run(self, request: HttpRequest, queryset: QuerySet[Any], action: Any, done: Any) -> None:
        """Apply `action(actor, obj)` to each selected object; refusals are reported."""
        count = 0
        for obj in queryset:
            try:
                action(request.user, obj)
                count += 1
            except ApiError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        self.message_user(request, str(done) % {"count": count}, messages.SUCCESS)


class PostRevisionInline(admin.TabularInline):
    model = PostRevision
    fields = readonly_fields = ("created_at", "replaced_at", "editor", "body")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "author",
        "community",
        "created_at",
        "edited_at",
        "deleted_at",
        "is_pinned",
        "comments_locked",
        "comment_count",
    ]
    list_filter = ["is_pinned", "comments_locked", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__username", "author__last_name", "community__name"]
    list_select_related = ["author", "community"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "author",
        "community",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "last_activity_at",
        "is_pinned",
        "pinned_at",
        "comments_locked",
        "comment_count",
    )
    inlines = [PostRevisionInline]
    actions = ["soft_delete", "pin", "unpin", "lock", "unlock"]

    @admin.action(description=_("Ausgewählte Beiträge löschen (ausblenden)"))
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._run(
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda actor, post: services.delete_post(actor=actor, post=post),
            _("%(count)d gelöscht."),
        )

    @admin.action(description=_("Ausgewählte Beiträge anheften"))
    def pin(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._run(
            request,
            queryset,
            lambda actor, post: services.pin_post(actor=actor, post=post, pinned=True),
            _("%(count)d angeheftet."),
        )

    @admin.action(description=_("Ausgewählte Beiträge lösen"))
    def unpin(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._run(
            request,
            queryset,
            lambda actor, post: services.pin_post(actor=actor, post=post, pinned=False),
            _("%(count)d gelöst."),
        )

    @admin.action(description=_("Kommentare der ausgewählten Beiträge sperren"))
    def lock(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._run(
            request,
            queryset,
            lambda actor, post: services.lock_comments(actor=actor, post=post, locked=True),
            _("%(count)d gesperrt."),
        )

    @admin.action(description=_("Kommentare der ausgewählten Beiträge freigeben"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._run(
            request,
            queryset,
            lambda actor, post: services.lock_comments(actor=actor, post=post, locked=False),
            _("%(count)d freigegeben."),
        )


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "post", "parent", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__username", "author__last_name"]
    list_select_related = ["author"]
    fields = readonly_fields = (
        "post",
        "parent",
        "author",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    actions = ["soft_delete"]

    @admin.action(description=_("Ausgewählte Kommentare löschen (ausblenden)"))
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._run(
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda actor, comment: services.delete_comment(actor=actor, comment=comment),
            _("%(count)d gelöscht."),
        )
