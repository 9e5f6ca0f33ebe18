"""Every write to attachments: upload (checked by content, stored under a random name),
attaching to a post or comment, and deleting an upload that was never attached."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from attachments import files
from attachments.models import Attachment
from feed.models import Comment, Post
from people.models import Employee
from wilma.errors import Conflict, Forbidden, InvalidInput, PayloadTooLarge


def upload(*, uploader: Employee, file: UploadedFile) -> Attachment:
    """Store an uploaded file as an unattached attachment of `uploader`.

    The type is detected from the content (422 `file_type_not_allowed` for executables,
    HTML/SVG and anything outside `WILMA["ATTACHMENT_TYPES"]`); larger than
    `WILMA["ATTACHMENT_MAX_BYTES"]` answers 413. Images are verified, refused as decompression
    bombs beyond `WILMA["ATTACHMENT_MAX_PIXELS"]` and get a WebP thumbnail. Files are stored
    through the default storage under random names; the uploaded name is kept (sanitized) only
    for display and download."""
    conf = settings.WILMA
    max_bytes = int(conf["ATTACHMENT_MAX_BYTES"])
    size = file.size if file.size is not None else 0
    if size > max_bytes:
        raise PayloadTooLarge(
            _("Die Datei ist zu groß (höchstens %(mb).0f MB).") % {"mb": max_bytes / 1024 / 1024},
            code="file_too_large",
        )
    if size == 0:
        raise InvalidInput(fields={"file": [_("Die Datei ist leer.")]}, code="empty_file")
    pending = Attachment.objects.filter(
        uploader=uploader, post__isnull=True, comment__isnull=True
    ).count()
    if pending >= int(conf["ATTACHMENT_MAX_PENDING"]):
        raise Conflict(
            _("Zu viele Dateien warten darauf, angehängt zu werden. Bitte zuerst veröffentlichen."),
            code="too_many_pending_uploads",
        )
    detected = files.detect(file, file.name or "")
    image = files.process_image(file, detected) if detected.is_image else None
    attachment = Attachment(
        uploader=uploader,
        name=files.clean_name(file.name, detected),
        content_type=detected.header_value,
        size=size,
        width=image.width if image else None,
        height=image.height if image else None,
    )
    token = secrets.token_hex(16)
    file.seek(0)
    attachment.file.save(f"{token}.{files.storage_extension(detected)}", file, save=False)
    try:
        if image is not None:
            attachment.thumbnail.save(f"{token}.webp", image.thumbnail, save=False)
        attachment.save()
    except BaseException:
        _delete_files(attachment)
        raise
    return attachment


@transaction.atomic
def attach(
    *,
    uploader: Employee,
    attachment_ids: list[int],
    post: Post | None = None,
    comment: Comment | None = None,
) -> list[Attachment]:
    """Attach the uploader's own unattached uploads to one post or one comment. Someone else's,
    already attached or unknown ids answer 422, as does exceeding
    `WILMA["ATTACHMENTS_PER_ITEM"]`. Called inside feed's create_post/create_comment."""
    if (post is None) == (comment is None):
        raise ValueError("attach() needs exactly one of post and comment")
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return []
    limit = int(settings.WILMA["ATTACHMENTS_PER_ITEM"])
    target = Q(post=post) if post is not None else Q(comment=comment)
    existing = Attachment.objects.filter(target).count()
    if existing + len(ids) > limit:
        raise InvalidInput(
            fields={"attachment_ids": [_("Höchstens %(n)d Dateien.") % {"n": limit}]},
            code="too_many_attachments",
        )
    # Lock the rows, so one upload cannot be attached to two posts at once.
    attachments = list(
        Attachment.objects.select_for_update()
        .filter(pk__in=ids, uploader=uploader, post__isnull=True, comment__isnull=True)
        .order_by("id")
    )
    if len(attachments) != len(ids):
        raise InvalidInput(
            fields={"attachment_ids": [_("Unbekannte oder schon verwendete Dateien.")]},
            code="invalid_attachments",
        )
    Attachment.objects.filter(pk__in=ids).update(post=post, comment=comment)
    for attachment in attachments:
        attachment.post = post
        attachment.comment = comment
    return attachments


def delete_upload(*, actor: Employee, attachment: Attachment) -> None:
    """Delete an upload that was never attached, with its files; only its uploader may.
    An attached file goes with its post or comment (409 `attachment_in_use`)."""
    if attachment.uploader_id != actor.pk:
        raise Forbidden(_("Nur wer die Datei hochgeladen hat, kann sie löschen."))
    if attachment.post_id is not None or attachment.comment_id is not None:
        raise Conflict(
            _("Die Datei ist schon an einem Beitrag oder Kommentar."), code="attachment_in_use"
        )
    deleted, _details = Attachment.objects.filter(
        pk=attachment.pk, post__isnull=True, comment__isnull=True
    ).delete()
    if deleted:
        transaction.on_commit(lambda: _delete_files(attachment))


def _delete_files(attachment: Attachment) -> None:
    for field in (attachment.file, attachment.thumbnail):
        if field and field.name:
            field.storage.delete(field.name)


def purge_attachment(*, attachment: Attachment) -> None:
    """Remove an attachment and its files, attached or not (site admins' moderation)."""
    Attachment.objects.filter(pk=attachment.pk).delete()
    transaction.on_commit(lambda: _delete_files(attachment))
