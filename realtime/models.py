"""The event log: one row per user-visible change, numbered per stream in commit order."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class StreamCounter(models.Model):
    """The last sequence number handed out in a stream. Its row is locked by every transaction
    that records an event in the stream, so sequence order equals commit order."""

    name = models.CharField(max_length=100, primary_key=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_seq}"


class Event(models.Model):
    stream = models.CharField(max_length=100)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    # The event's `data`, serialized once when it is recorded; sent and replayed as is.
    payload = models.TextField()
    # What the event is about (`post.12`, `comment.7`): lets a deletion redact earlier events
    # about the same object, so a later replay does not hand out deleted text.
    subject = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the event went to the channel layer; the relay re-sends rows left without it.
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="realtime_event_stream_seq")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(published_at__isnull=True),
                name="realtime_event_unpublished",
            ),
            models.Index(
                fields=["subject"], condition=~Q(subject=""), name="realtime_event_subject"
            ),
            models.Index(fields=["created_at"], name="realtime_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.type}"
