"""Reads of polls: the results as one viewer sees them (their own votes marked)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, prefetch_related_objects

from people.models import Employee
from polls.models import Poll, PollVote


def poll_results(viewer: Employee, poll: Poll) -> Poll:
    """The poll with its options (and their vote counts), the viewer's own votes (`my_votes`)
    and the number of distinct voters (`voter_count`): three queries, whatever the size."""
    prefetch_related_objects(
        [poll],
        "options",
        Prefetch("votes", queryset=PollVote.objects.filter(voter=viewer), to_attr="my_votes"),
    )
    poll.voter_count = PollVote.objects.filter(poll=poll).aggregate(  # type: ignore[attr-defined]
        n=Count("voter", distinct=True)
    )["n"]
    return poll
