"""The search port: one interface, three adapters.

`SearchBackend` is what the rest of the system uses: `index` and `remove` documents, `search`
and `suggest` for a viewer, `rebuild` from the database, `ping`. The adapter is chosen by the
environment: Elasticsearch when ``ELASTICSEARCH_URL`` is set, otherwise the full-text search of
the database in use (PostgreSQL or SQLite FTS5). Every adapter parses queries with
`search.query.parse` and analyses text with `search.analysis`, so a query means the same on all
three; they differ in how they store and rank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import connection

from people.models import Employee
from search import documents
from search.analysis import ANALYZER, Analyzer
from search.documents import Document
from search.query import ParsedQuery, SearchHit, SearchRequest, SearchResult, parse

REBUILD_BATCH = 2000


class SearchBackend(ABC):
    name: str

    def __init__(self, analyzer: Analyzer | None = None, name_matching: bool = True) -> None:
        self.analyzer = analyzer or ANALYZER
        self.name_matching = name_matching

    def parse(self, q: str) -> ParsedQuery:
        return parse(q, analyzer=self.analyzer, name_matching=self.name_matching)

    @abstractmethod
    def ping(self) -> None:
        """Raise if the backend cannot serve queries right now."""

    @abstractmethod
    def index(self, docs: list[Document]) -> None:
        """Add or replace these documents."""

    @abstractmethod
    def remove(self, keys: list[tuple[str, int]]) -> None:
        """Remove these (kind, object_id) documents if present."""

    @abstractmethod
    def search(
        self, request: SearchRequest, viewer: Employee, *, titles_only: bool = False
    ) -> SearchResult:
        """What `viewer` may find for `request`, ranked, with counts and facets. With
        `titles_only`, only names match (suggestions)."""

    def suggest(self, text: str, viewer: Employee, limit: int) -> list[SearchHit]:
        """As-you-type: people and communities whose name starts with what was typed."""
        words = text.split()
        if not words or len(text) > settings.WILMA["SEARCH_QUERY_MAX_LENGTH"]:
            return []
        words[-1] = words[-1].rstrip("*") + "*"
        request = SearchRequest(
            q=" ".join(w.replace('"', "") for w in words),
            kinds=("person", "community"),
            limit=limit,
        )
        return self.search(request, viewer, titles_only=True).hits

    # --- rebuilding ---------------------------------------------------------------------------

    @abstractmethod
    def begin_rebuild(self) -> None:
        """Start a rebuild: from here until `finish_rebuild`, `index` writes the new index."""

    @abstractmethod
    def finish_rebuild(self) -> None:
        """Make the new index the one searched."""

    def rebuild(
        self, batch_size: int = REBUILD_BATCH, progress: Callable[[str, int], None] | None = None
    ) -> int:
        """Index everything from the database; searches keep answering meanwhile."""
        total = 0
        self.begin_rebuild()
        for kind in documents.MODELS:
            last = 0
            while docs := documents.load_after(kind, last, batch_size):
                self.index(docs)
                total += len(docs)
                last = docs[-1].object_id
                if progress:
                    progress(kind, total)
        self.finish_rebuild()
        return total


@cache
def get_backend() -> SearchBackend:
    if settings.ELASTICSEARCH_URL:
        from search.elastic import ElasticsearchBackend

        return ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    if connection.vendor == "postgresql":
        from search.postgres import PostgresSearchBackend

        return PostgresSearchBackend()
    from search.sqlite import SqliteSearchBackend

    return SqliteSearchBackend()
