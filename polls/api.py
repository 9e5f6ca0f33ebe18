"""Router for polls: results, voting and taking a vote back.

A poll is reached by its id (`poll.id` of a post); a poll the caller may not read answers 404,
exactly like a missing one.
"""

from __future__ import annotations

from ninja import Path, Router

from people.auth import AuthedRequest
from polls import selectors, services
from polls.models import Poll
from polls.permissions import access_poll
from polls.schemas import PollOut, VoteIn
from wilma.schemas import Id

router = Router(tags=["polls"])


@router.get("/{poll_id}", response=PollOut, summary="Poll results")
def get_poll(request: AuthedRequest, poll_id: Path[Id]) -> Poll:
    """Vote counts per option, my own votes and the number of voters."""
    return selectors.poll_results(request.auth, access_poll(request.auth, poll_id))


@router.post("/{poll_id}/vote", response=PollOut, summary="Vote in a poll")
def vote(request: AuthedRequest, poll_id: Path[Id], payload: VoteIn) -> Poll:
    """Replaces my earlier vote. Single choice takes exactly one option. A closed poll answers
    409 `poll_closed` and changes nothing; options of another poll answer 422."""
    poll = access_poll(request.auth, poll_id)
    poll = services.vote(voter=request.auth, poll=poll, option_ids=payload.option_ids)
    return selectors.poll_results(request.auth, poll)


@router.delete("/{poll_id}/vote", response=PollOut, summary="Take back my vote")
def retract_vote(request: AuthedRequest, poll_id: Path[Id]) -> Poll:
    """Idempotent while the poll is open; a closed poll answers 409 `poll_closed`."""
    poll = services.retract_vote(voter=request.auth, poll=access_poll(request.auth, poll_id))
    return selectors.poll_results(request.auth, poll)
