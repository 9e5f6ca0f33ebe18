"""Polls on posts: options, votes (one per employee and option), optional closing time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Poll(models.Model):
    post = models.OneToOneField("feed.Post", on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(_("Frage"), max_length=300)
    allows_multiple = models.BooleanField(_("Mehrfachauswahl"), default=False)
    closes_at = models.DateTimeField(_("endet"), null=True, blank=True)

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="unique_option_position")
        ]

    def __str__(self) -> str:
        return self.text


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="poll_votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "voter"], name="unique_option_vote")
        ]
        indexes = [models.Index(fields=["poll", "voter"])]

    def __str__(self) -> str:
        return f"{self.voter_id} -> {self.option_id}"
