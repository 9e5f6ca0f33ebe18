"""Shapes of the search API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from communities.schemas import CommunityRef
from people.schemas import DepartmentRef, EmployeeRef
from wilma.schemas import Id, StorableText


class SearchQuery(Schema):
    q: StorableText = Field(
        ...,
        min_length=1,
        max_length=1000,
        description='Words (all must match), "phrases", -exclusions, OR, prefix*',
    )
    kind: list[str] = Field(
        default_factory=list, description="person, community, post, comment (repeatable)"
    )
    community: Id | None = Field(None, description="Only in this community (and the community)")
    department: Id | None = Field(None, description="Only this unit and its sub-units")
    author: Id | None = Field(None, description="Only posts and comments by this employee")
    hashtag: StorableText | None = Field(None, max_length=100, description="Posts with this tag")
    since: datetime | None = None
    until: datetime | None = None
    sort: str = Field("relevance", description="relevance or date")
    limit: int | None = Field(None, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000, description="`next_offset` of the previous page")


class SuggestQuery(Schema):
    q: StorableText = Field(..., min_length=1, max_length=1000, description="What was typed so far")
    limit: int | None = Field(None, ge=1, le=1000)


class SearchHitOut(Schema):
    kind: str
    id: int
    score: float
    created_at: datetime
    title: str = Field(..., description="A person's or community's name; empty for posts")
    snippet: str = Field(..., description="HTML: escaped text, matches in <mark>")
    person: EmployeeRef | None = None
    community: CommunityRef | None = None
    author: EmployeeRef | None = None
    post_id: int | None = None


class FacetValue(Schema):
    value: str
    count: int


class FacetRef(Schema):
    id: int
    name: str
    count: int


class FacetsOut(Schema):
    kind: list[FacetValue]
    department: list[FacetRef]
    community: list[FacetRef]


class SearchOut(Schema):
    total: int
    total_capped: bool = Field(..., description="More matches exist than were counted")
    results: list[SearchHitOut]
    facets: FacetsOut
    next_offset: int | None


class SuggestionOut(Schema):
    kind: str
    id: int
    title: str
    person: EmployeeRef | None = None
    community: CommunityRef | None = None


__all__ = ["DepartmentRef"]
