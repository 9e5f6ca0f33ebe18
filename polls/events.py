"""The realtime events of polls: `poll.updated` on `post.<id>` after every vote change, with
the results (`PollOut` for a neutral viewer: `my_votes` empty). Who voted how is never sent."""

from __future__ import annotations

from people.models import Employee
from polls import selectors
from polls.models import Poll
from polls.schemas import PollOut
from realtime.events import dumps, record_event
from realtime.streams import post_stream


def poll_updated(poll: Poll, voter: Employee) -> None:
    """Call inside the voting transaction, after the counts changed."""
    fresh = selectors.poll_results(voter, Poll.objects.get(pk=poll.pk))
    fresh.my_votes = []  # type: ignore[attr-defined]
    record_event(
        stream=post_stream(fresh.post_id),
        type="poll.updated",
        data=dumps(PollOut.from_orm(fresh).model_dump(mode="json")),
    )
