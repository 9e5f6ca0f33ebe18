"""What the PostgreSQL and SQLite adapters share: the `SearchEntry` rows in the application's
database, the permission filter, the bounded candidate set, facets, ordering and snippets.

A search runs as one query: the entries the viewer may see (`search.permissions`), narrowed by
the request's filters and the adapter's full-text match, newest first, at most
`WILMA["SEARCH_CANDIDATES"]` of them, each with the adapter's relevance score. Ranking cost
grows with the number of matching rows, so only these candidates are ranked: counts and facets
are exact up to the bound and marked as capped beyond it. The query has two steps (see
`_candidates`): the cheap place filter finds the newest matches, only those are checked against
the live rows and ranked. A second query reads the dates and texts of the page's hits.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
from taggit.models import Tag

from feed.models import TaggedPost
from people.models import Department, Employee
from search.analysis import Analyzer, person_name_lexemes
from search.backends import SearchBackend
from search.documents import Document
from search.highlight import snippet
from search.models import SearchEntry
from search.permissions import live_entries, visible_places
from search.query import ParsedQuery, SearchHit, SearchRequest, SearchResult

# A search takes this share of `WILMA["SEARCH_CANDIDATES"]` more matches than it ranks, as
# spares for entries whose object is gone but not yet removed from the index.
CANDIDATE_SLACK = 0.1


@dataclass(frozen=True)
class AnalyzedDocument:
    doc: Document
    title: list[str]
    body: list[str]
    parts: list[str]
    names: list[str]


class ChunkedAnalysis:
    """`Analyzer.terms` and `Analyzer.parts` of whole texts, computed per whitespace-separated
    chunk and cached: the same result, several times faster on real text.

    The analyzer's per-token Python work (tokenizing, joining hyphens and dots, looking up
    lexemes) costs about 15 us per word, which made analysis 70 % of a full rebuild. Words
    repeat (Zipf), so a text is split on whitespace and each distinct chunk analysed once.
    This is exact because the analyzer never looks across whitespace: every separator it knows
    splits tokens, and NFKC, lower-casing and folding act within a chunk
    (`tests/search/test_search_scale.py` checks the equality on awkward text). The cache is
    bounded and simply starts again when full.
    """

    MAX_CHUNKS = 65_536  # like the analyzer's own caches: a few MB

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._chunks: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _chunk(self, chunk: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self._chunks.get(chunk)
        if found is None:
            if len(self._chunks) >= self.MAX_CHUNKS:
                self._chunks = {}
            found = (tuple(self.analyzer.terms(chunk)), tuple(self.analyzer.parts(chunk)))
            self._chunks[chunk] = found
        return found

    def terms_and_parts(self, text: str) -> tuple[list[str], list[str]]:
        """(`analyzer.terms(text)`, `analyzer.parts(text)`)."""
        analysed = [self._chunk(chunk) for chunk in text.split()]
        terms = [term for chunk_terms, _parts in analysed for term in chunk_terms]
        parts = dict.fromkeys(chain.from_iterable(chunk_parts for _terms, chunk_parts in analysed))
        return terms, list(parts)


def request_filter(request: SearchRequest) -> Q:
    """The request's filters on `SearchEntry` (kind, place, author, hashtag, dates)."""
    q = Q()
    if request.kinds:
        q &= Q(kind__in=request.kinds)
    if request.community is not None:
        q &= Q(community_id=request.community)
    if request.department is not None:
        path = Department.objects.filter(pk=request.department).values_list("path", flat=True)
        subtree = Department.objects.filter(path__startswith=path.first() or "-")
        q &= Q(department_id__in=subtree.values("pk"))
    if request.author is not None:
        q &= Q(author_id=request.author)
    if request.hashtag:
        tags = Tag.objects.filter(name__iexact=request.hashtag).values("pk")
        q &= Q(post_id__in=TaggedPost.objects.filter(tag__in=tags).values("content_object_id"))
    if request.since is not None:
        q &= Q(created_at__gte=request.since)
    if request.until is not None:
        q &= Q(created_at__lte=request.until)
    return q


class DatabaseSearchBackend(SearchBackend):
    """The shared half of the PostgreSQL and SQLite adapters."""

    _chunked: ChunkedAnalysis | None = None

    @property
    def chunked(self) -> ChunkedAnalysis:
        """The cached analysis for `self.analyzer` (made anew if the analyzer is replaced)."""
        if self._chunked is None or self._chunked.analyzer is not self.analyzer:
            self._chunked = ChunkedAnalysis(self.analyzer)
        return self._chunked

    def analyze(self, doc: Document) -> AnalyzedDocument:
        names: list[str] = []
        if self.name_matching:
            names = person_name_lexemes(doc.names, doc.given_names)
        title, title_parts = self.chunked.terms_and_parts(doc.title)
        body, body_parts = self.chunked.terms_and_parts(doc.body)
        return AnalyzedDocument(
            doc=doc,
            title=title,
            body=body,
            # parts(f"{title}\n{body}"): each part once, in order of first appearance
            parts=list(dict.fromkeys(chain(title_parts, body_parts))),
            names=names,
        )

    # --- adapter-specific ---------------------------------------------------------------------

    @abstractmethod
    def write(self, analyzed: list[AnalyzedDocument]) -> None:
        """Upsert the entries and their analysed text."""

    @abstractmethod
    def delete_text(self, entry_ids: list[int]) -> None:
        """Remove the analysed text of these entries (before the entries go)."""

    @abstractmethod
    def matching(self, entries: QuerySet, parsed: ParsedQuery, titles_only: bool) -> QuerySet:
        """`entries` narrowed to those matching `parsed`, with a `score` (higher is better)."""

    def newest_matching(
        self, entries: QuerySet, parsed: ParsedQuery, titles_only: bool, request: SearchRequest
    ) -> QuerySet:
        """`entries` narrowed to those matching `parsed`, to be read newest first (the inner
        step of `_candidates`; no score needed). Adapters may choose how."""
        return self.matching(entries, parsed, titles_only)

    # --- the port -----------------------------------------------------------------------------

    def ping(self) -> None:
        SearchEntry.objects.exists()

    def index(self, docs: list[Document]) -> None:
        # A document given twice is written once, as it was given last.
        latest = {doc.key: doc for doc in docs}
        if latest:
            self.write([self.analyze(doc) for doc in latest.values()])

    def remove(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        wanted = Q()
        for kind, object_id in keys:
            wanted |= Q(kind=kind, object_id=object_id)
        with transaction.atomic():
            ids = list(SearchEntry.objects.filter(wanted).values_list("pk", flat=True))
            if ids:
                self.delete_text(ids)
                SearchEntry.objects.filter(pk__in=ids).delete()

    def begin_rebuild(self) -> None:
        ids = list(SearchEntry.objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 5000):
            self.delete_text(ids[start : start + 5000])
        SearchEntry.objects.all().delete()

    def finish_rebuild(self) -> None:
        pass

    def rebuild(
        self, batch_size: int = 2000, progress: Callable[[str, int], None] | None = None
    ) -> int:
        # One transaction: searches see the old index until the new one commits.
        with transaction.atomic():
            return super().rebuild(batch_size, progress)

    def reading(self) -> contextlib.AbstractContextManager[object]:
        """Around the queries of one search: the adapter's session settings, if any."""
        return contextlib.nullcontext()

    def search(
        self, request: SearchRequest, viewer: Employee, *, titles_only: bool = False
    ) -> SearchResult:
        parsed = self.parse(request.q)
        if parsed.is_empty:
            return SearchResult(hits=[], total=0, total_capped=False, facets=_facets([]))
        cap = settings.WILMA["SEARCH_CANDIDATES"]
        with self.reading():
            candidates, capped = self._candidates(request, viewer, parsed, titles_only, cap)
            # The candidates come newest first (date order); a stable sort by score keeps
            # that order among equal scores.
            if request.sort != "date":
                candidates.sort(key=lambda row: row[5], reverse=True)
            page = candidates[request.offset : request.offset + request.limit]
            more = request.offset + request.limit < len(candidates)
            return SearchResult(
                hits=self._hits(page, parsed),
                total=len(candidates),
                total_capped=capped,
                facets=_facets(candidates),
                next_offset=request.offset + request.limit if more else None,
            )

    def _candidates(
        self,
        request: SearchRequest,
        viewer: Employee,
        parsed: ParsedQuery,
        titles_only: bool,
        cap: int,
    ) -> tuple[list[tuple], bool]:
        """The newest `cap` matches `viewer` may see, newest first, as (pk, kind, object_id,
        community_id, department_id, score), and whether there are more.

        Two steps in one statement. Inside: the newest matches in places the viewer may see
        (`visible_places`, cheap per row), a few more than `cap`; the database walks the
        date index for frequent terms and sorts the few matches of rare ones. Outside: only
        those rows are checked against the live posts, comments and employees
        (`live_entries`, an index lookup per row) and ranked; checking and ranking every
        match of a frequent term first cost seconds. An entry whose object was deleted but
        not yet removed by the worker takes one of the spare places; if more than the spare
        ones are dead, fewer than `cap` come back and the result says it is capped. The
        dates stay in the database (converting 1,000 of them cost 5 ms): the page's hits
        read theirs with their texts.
        """
        inner_limit = cap + max(1, int(cap * CANDIDATE_SLACK))
        places = SearchEntry.objects.filter(visible_places(viewer)).filter(request_filter(request))
        newest = (
            self.newest_matching(places, parsed, titles_only, request)
            .order_by("-created_at", "-id")
            .values("pk")[:inner_limit]
        )
        # As raw SQL: the adapters' `matching` spells its condition with the table's name
        # (`extra`), which inside a queryset subquery would name the outer table instead.
        try:
            newest_sql, newest_params = newest.query.sql_with_params()
        except EmptyResultSet:  # nothing is visible (an inactive viewer)
            return [], False
        within = RawSQL(newest_sql, newest_params)  # noqa: S611 - Django's SQL, values as parameters
        rows = list(
            self.matching(SearchEntry.objects.filter(pk__in=within), parsed, titles_only)
            .annotate(live=ExpressionWrapper(live_entries(), output_field=BooleanField()))
            .order_by("-created_at", "-id")
            .values_list(
                "pk", "kind", "object_id", "community_id", "department_id", "score", "live"
            )
        )
        live = [row[:6] for row in rows if row[6]]
        return live[:cap], len(live) >= cap or len(rows) >= inner_limit

    def _hits(self, page: list[tuple], parsed: ParsedQuery) -> list[SearchHit]:
        texts = {
            pk: (created_at, title, body)
            for pk, created_at, title, body in SearchEntry.objects.filter(
                pk__in=[row[0] for row in page]
            ).values_list("pk", "created_at", "title", "body")
        }
        exact, prefixes = parsed.highlight_terms()
        hits = []
        for pk, kind, object_id, _community, _department, score in page:
            if pk not in texts:  # removed since the candidates were read
                continue
            created_at, title, body = texts[pk]
            hits.append(
                SearchHit(
                    kind=kind,
                    object_id=object_id,
                    score=float(score),
                    created_at=created_at,
                    title=title,
                    snippet=snippet(body, self.analyzer, exact, prefixes),
                )
            )
        return hits


def _facets(candidates: list[tuple]) -> dict[str, dict[str, int]]:
    """Counts by kind, department and community of rows (pk, kind, object_id, community_id,
    department_id, ...)."""
    kinds: Counter[str] = Counter()
    departments: Counter[str] = Counter()
    communities: Counter[str] = Counter()
    for row in candidates:
        kind, community_id, department_id = row[1], row[3], row[4]
        kinds[kind] += 1
        if department_id is not None:
            departments[str(department_id)] += 1
        if community_id is not None:
            communities[str(community_id)] += 1
    return {"kind": dict(kinds), "department": dict(departments), "community": dict(communities)}
