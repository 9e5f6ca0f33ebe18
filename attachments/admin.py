"""Django admin for attachments: read-only metadata for site admins, who may remove a file
(row and stored files, through the service). Files are downloaded through the API only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from attachments import services
from attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "content_type", "size", "uploader", "post", "comment", "created_at")
    list_select_related = ("uploader",)
    list_filter = ("content_type",)
    search_fields = ("name", "uploader__username")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "content_type",
        "size",
        "width",
        "height",
        "uploader",
        "post",
        "comment",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Attachment) -> None:
        services.purge_attachment(attachment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        for attachment in queryset:
            services.purge_attachment(attachment=attachment)
