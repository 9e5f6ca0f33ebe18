"""The public shape of an attachment: metadata and permission-checked URLs, never a storage
path or media URL (that would bypass the permission check)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from attachments.models import Attachment


def download_url(attachment_id: int) -> str:
    return f"/api/v1/attachments/{attachment_id}/download"


def thumbnail_url(attachment_id: int) -> str:
    return f"/api/v1/attachments/{attachment_id}/thumbnail"


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., description="The uploaded file name (sanitized)")
    content_type: str = Field(..., description="Detected from the content")
    size: int = Field(..., description="Bytes")
    width: int | None = Field(..., description="Images only")
    height: int | None = Field(..., description="Images only")
    url: str = Field(..., description="Permission-checked download URL")
    thumbnail_url: str | None = Field(..., description="Images only: a WebP thumbnail")
    attached: bool = Field(..., description="False until used in a post or comment")
    created_at: datetime

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return download_url(obj.pk)

    @staticmethod
    def resolve_thumbnail_url(obj: Attachment) -> str | None:
        return thumbnail_url(obj.pk) if obj.thumbnail else None

    @staticmethod
    def resolve_attached(obj: Attachment) -> bool:
        return obj.post_id is not None or obj.comment_id is not None
