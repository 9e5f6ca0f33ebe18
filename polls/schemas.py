"""The public shape of a poll's results (the same fields as the poll embedded in a post) and
of a vote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from polls.models import Poll
from polls.permissions import is_closed
from wilma.schemas import Id

# Hard cap against abuse; a poll has at most WILMA["POLL_MAX_OPTIONS"] options anyway.
MAX_OPTION_IDS = 50


class PollOptionOut(Schema):
    id: int
    text: str
    vote_count: int


class PollOut(Schema):
    id: int
    post_id: int
    question: str
    allows_multiple: bool
    closes_at: datetime | None
    is_closed: bool
    options: list[PollOptionOut] = Field(..., description="In their order, with vote counts")
    my_votes: list[int] = Field(..., description="Ids of the options I voted for")
    total_votes: int = Field(..., description="Votes cast, over all options")
    voter_count: int = Field(..., description="People who voted")

    @staticmethod
    def resolve_is_closed(obj: Poll) -> bool:
        return is_closed(obj)

    @staticmethod
    def resolve_options(obj: Poll) -> list[Any]:
        return list(obj.options.all())

    @staticmethod
    def resolve_my_votes(obj: Poll) -> list[int]:
        return sorted(vote.option_id for vote in getattr(obj, "my_votes", ()))

    @staticmethod
    def resolve_total_votes(obj: Poll) -> int:
        return sum(option.vote_count for option in obj.options.all())

    @staticmethod
    def resolve_voter_count(obj: Poll) -> int:
        return int(getattr(obj, "voter_count", 0) or 0)


class VoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    option_ids: list[Id] = Field(
        ...,
        min_length=1,
        max_length=MAX_OPTION_IDS,
        description="Single choice: exactly one option; multiple choice: one or more",
    )
