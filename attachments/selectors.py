"""Reads of attachments: the caller's own pending uploads, and opening a stored file for a
permission-checked download."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from attachments.models import Attachment
from people.models import Employee
from wilma.errors import NotFound


@dataclass(frozen=True)
class StoredFile:
    stream: IO[bytes]
    content_type: str
    filename: str
    size: int | None
    inline: bool


def pending_uploads(user: Employee) -> QuerySet[Attachment]:
    """The user's uploads not attached to anything yet, newest first."""
    return Attachment.objects.filter(
        uploader=user, post__isnull=True, comment__isnull=True
    ).order_by("-created_at", "-id")


def _open(field: FieldFile) -> IO[bytes]:
    if not field or not field.name:
        raise NotFound(_("Datei nicht gefunden."))
    try:
        return field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError):
        # The row outlived its file (restored backup, manual cleanup): a 404, not a 500.
        raise NotFound(_("Datei nicht gefunden.")) from None


def open_download(attachment: Attachment) -> StoredFile:
    """The stored file itself. Images open inline, everything else as a download."""
    is_image = attachment.content_type.startswith("image/")
    return StoredFile(
        stream=_open(attachment.file),
        content_type=attachment.content_type,
        filename=attachment.name,
        size=attachment.size,
        inline=is_image,
    )


def open_thumbnail(attachment: Attachment) -> StoredFile:
    """The WebP thumbnail of an image attachment (404 for other files)."""
    stem = attachment.name.rsplit(".", 1)[0]
    return StoredFile(
        stream=_open(attachment.thumbnail),
        content_type="image/webp",
        filename=f"{stem}.webp",
        size=None,
        inline=True,
    )
