"""`/api/v1/search/`: full-text search across people, communities, posts and comments."""

from __future__ import annotations

from ninja import Query, Router

from people.auth import AuthedRequest
from search import selectors
from search.schemas import SearchOut, SearchQuery, SuggestionOut, SuggestQuery

router = Router(tags=["search"])


@router.get("/", response=SearchOut, summary="Search everything you may see")
def search(request: AuthedRequest, params: Query[SearchQuery]) -> dict:
    """German-aware: inflections, compounds, ä/ae, ß/ss and department abbreviations match;
    people's names match by sound (Meier finds Maier). Only what you may see is counted,
    faceted or shown. Counts and facets are exact up to the ranking bound
    (`total_capped` says when there are more)."""
    values = params.dict()
    return selectors.search(request.auth, kinds=values.pop("kind"), **values)


@router.get("/suggest", response=list[SuggestionOut], summary="As-you-type names")
def suggest(request: AuthedRequest, params: Query[SuggestQuery]) -> list[dict]:
    """People and communities whose name starts with what was typed."""
    return selectors.suggest(request.auth, params.q, params.limit)
