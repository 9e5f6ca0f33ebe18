"""Who may see and vote in a poll: whoever may read its post (`feed.permissions`).

A poll has no visibility of its own, so a poll on a post in a secret community is as invisible
to outsiders as the post: `access_poll` answers the same 404 for missing and hidden polls.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from feed.permissions import can_read_post, readable_posts
from people.models import Employee
from polls.models import Poll
from wilma.errors import NotFound
from wilma.schemas import MAX_ID


def is_closed(poll: Poll, now: datetime | None = None) -> bool:
    return poll.closes_at is not None and poll.closes_at <= (now or timezone.now())


def can_read_poll(user: Employee, poll: Poll) -> bool:
    return can_read_post(user, poll.post)


def access_poll(user: Employee, poll_id: int) -> Poll:
    """The poll if the user may read its post; 404 for missing, deleted and hidden alike."""
    poll = None
    if 0 < poll_id <= MAX_ID:
        poll = (
            Poll.objects.select_related("post__community__department")
            .filter(pk=poll_id, post__in=readable_posts(user))
            .first()
        )
    if poll is None:
        raise NotFound(_("Umfrage nicht gefunden."))
    return poll
