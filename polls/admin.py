"""Django admin for polls: read-only. Polls are created with their post and voted on through
the API; the admin shows results per option, never who voted for what (votes are secret)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from polls.models import Poll, PollOption


class PollOptionInline(admin.TabularInline):
    model = PollOption
    fields = ("position", "text", "vote_count")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ("question", "post", "allows_multiple", "closes_at", "total_votes")
    list_filter = ("allows_multiple",)
    search_fields = ("question",)
    fields = ("question", "post", "allows_multiple", "closes_at")
    readonly_fields = fields
    inlines = [PollOptionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Poll]:
        return super().get_queryset(request).annotate(votes_total=Sum("options__vote_count"))

    @admin.display(description=_("Stimmen"), ordering="votes_total")
    def total_votes(self, obj: Poll) -> int:
        return int(getattr(obj, "votes_total", 0) or 0)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
