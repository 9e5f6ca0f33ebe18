"""Files and images attached to posts and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class Attachment(models.Model):
    """An uploaded file. Uploaded first (unattached), then attached to one post or comment.
    Downloads go through a permission-checked view, never a public URL."""

    uploader = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="attachments")
    post = models.ForeignKey(
        "feed.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    comment = models.ForeignKey(
        "feed.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    thumbnail = models.ImageField(upload_to="attachments/thumbs/%Y/%m/", blank=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=True) | Q(comment__isnull=True),
                name="attachment_at_most_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name
