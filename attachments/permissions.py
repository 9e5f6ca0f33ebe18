"""Who may download an attachment: whoever may read the post it belongs to (for a comment's
attachment: the comment's post, and the comment must not be deleted). An upload not attached
yet is visible to its uploader only. Everyone else gets the same 404 as for a missing file, so
attachments in secret communities cannot be probed by id."""

from __future__ import annotations

from django.utils.translation import gettext as _

from attachments.models import Attachment
from feed.permissions import can_read_post
from people.models import Employee
from wilma.errors import NotFound
from wilma.schemas import MAX_ID


def can_read_attachment(user: Employee, attachment: Attachment) -> bool:
    if not user.is_active:
        return False
    if attachment.comment_id is not None:
        comment = attachment.comment
        assert comment is not None
        return comment.deleted_at is None and can_read_post(user, comment.post)
    if attachment.post_id is not None:
        assert attachment.post is not None
        return can_read_post(user, attachment.post)
    return attachment.uploader_id == user.pk


def access_attachment(user: Employee, attachment_id: int) -> Attachment:
    """The attachment if the user may read it; 404 for missing and hidden alike."""
    attachment = None
    if 0 < attachment_id <= MAX_ID:
        attachment = (
            Attachment.objects.select_related(
                "post__community__department", "comment__post__community__department"
            )
            .filter(pk=attachment_id)
            .first()
        )
    if attachment is None or not can_read_attachment(user, attachment):
        raise NotFound(_("Datei nicht gefunden."))
    return attachment
