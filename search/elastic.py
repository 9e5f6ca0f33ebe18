"""The Elasticsearch adapter (when ``ELASTICSEARCH_URL`` is set).

Documents carry the same analysed lexemes as the database adapters (`search.analysis`): the
fields `title_terms`, `body_terms` (whitespace-split, positions kept, so phrases work),
`parts` (compound parts) and `names` (phonetic name keys), queried with boosts in the order of
PostgreSQL's weights A-D. A query therefore means the same here as on PostgreSQL and SQLite.
The stored `title` and `body` are also analysed by Elasticsearch's own German chain (lower
case, German stop words, `german_normalization`, `light_german` stemmer) for ad-hoc queries,
and names have a search-as-you-type sub-field that ranks suggestions.

Nothing about access is baked into the index. Each search sends the viewer's visible and
readable community ids (the REST querysets) as filters; the newest `SEARCH_CANDIDATES` matches
come back, and the live rows drop deleted posts and comments and inactive people before they
are counted, faceted, ranked and paged, exactly as in `search.database`. A permission change or
a deletion counts from the moment it commits.

Indices are named ``<prefix>-search-<timestamp>`` and searched through the alias
``<prefix>-search``. A rebuild fills a new index (reachable meanwhile through the alias
``<prefix>-search-rebuild``, so workers in other processes write their changes into both) and
then moves the alias in one atomic `update_aliases` call: searches keep answering throughout.
The request bodies are built by the pure functions below, which the tests check as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone
from elasticsearch import BadRequestError, Elasticsearch, helpers
from elasticsearch.dsl import (
    Date,
    Index,
    Keyword,
    Long,
    MetaField,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)
from elasticsearch.dsl import Document as DslDocument
from taggit.models import Tag

from communities.permissions import readable_communities, visible_communities
from feed.models import Comment, Post, TaggedPost
from people.models import Department, Employee
from people.permissions import is_site_admin
from search.analysis import Analyzer, person_name_lexemes
from search.backends import SearchBackend
from search.database import AnalyzedDocument, _facets
from search.documents import Document
from search.highlight import snippet
from search.query import Match, ParsedQuery, SearchHit, SearchRequest, SearchResult

# Boosts in the proportions of PostgreSQL's ts_rank_cd weights A-D (search.postgres).
FIELD_BOOSTS: dict[str, float] = {
    "title_terms": 1.0,
    "body_terms": 0.4,
    "parts": 0.2,
    "names": 0.05,
}
PHRASE_FIELDS = ("title_terms", "body_terms")  # phrases never run through parts or names
SUGGEST_FIELDS = ("title.suggest", "title.suggest._2gram", "title.suggest._3gram")
CANDIDATE_SOURCE = ["kind", "object_id", "community_id", "department_id", "created_at"]
# Elasticsearch's default `index.max_terms_count`: longer id lists are sent in chunks.
MAX_TERMS = 65536
DEFAULT_MAX_RESULT_WINDOW = 10000

# --- The mapping ------------------------------------------------------------------------------

GERMAN = analyzer(
    "wilma_german",
    tokenizer="standard",
    filter=[
        "lowercase",
        token_filter("wilma_german_stop", type="stop", stopwords="_german_"),
        "german_normalization",
        token_filter("wilma_light_german", type="stemmer", language="light_german"),
    ],
)
# The app's lexemes are final: split on spaces, nothing else.
LEXEMES = analyzer("wilma_lexemes", tokenizer="whitespace")
NAMES = analyzer("wilma_names", tokenizer="standard", filter=["lowercase", "german_normalization"])


class IndexedDocument(DslDocument):
    """One searchable thing, as `search.documents.Document` plus its analysed lexemes."""

    kind = Keyword()
    object_id = Long()
    community_id = Long()
    author_id = Long()
    department_id = Long()
    post_id = Long()
    created_at = Date()
    title = Text(analyzer=GERMAN, fields={"suggest": SearchAsYouType(analyzer=NAMES)})
    body = Text(analyzer=GERMAN)
    title_terms = Text(analyzer=LEXEMES)  # positions: phrases
    body_terms = Text(analyzer=LEXEMES)
    parts = Text(analyzer=LEXEMES, index_options="freqs")
    names = Text(analyzer=LEXEMES, index_options="freqs")

    class Meta:
        dynamic = MetaField("strict")
        # The lexemes are rebuilt from the database, never read back: not worth storing.
        source = MetaField(excludes=["title_terms", "body_terms", "parts", "names"])


def index_body(*, shards: int, replicas: int, rebuilding: bool = False) -> dict[str, Any]:
    """Settings and mappings of a new index. While a rebuild fills it, it is not refreshed."""
    index = Index("wilma-search-template")
    index.document(IndexedDocument)
    body = index.to_dict()
    body["settings"].update(
        number_of_shards=shards,
        number_of_replicas=replicas,
        max_result_window=max(DEFAULT_MAX_RESULT_WINDOW, settings.WILMA["SEARCH_CANDIDATES"]),
    )
    if rebuilding:
        body["settings"]["refresh_interval"] = "-1"
    return body


def new_index_name(prefix: str, now: datetime) -> str:
    return f"{prefix}-search-{now:%Y%m%d%H%M%S%f}"


# --- Documents and bulk actions ---------------------------------------------------------------


def doc_id(kind: str, object_id: int) -> str:
    return f"{kind}-{object_id}"


def analyze(doc: Document, analyzer_: Analyzer, name_matching: bool) -> AnalyzedDocument:
    """The lexemes of a document, as `DatabaseSearchBackend.analyze` makes them."""
    names: list[str] = []
    if name_matching:
        names = person_name_lexemes(doc.names, doc.given_names)
    return AnalyzedDocument(
        doc=doc,
        title=analyzer_.terms(doc.title),
        body=analyzer_.terms(doc.body),
        parts=analyzer_.parts(f"{doc.title}\n{doc.body}"),
        names=names,
    )


def source(analyzed: AnalyzedDocument) -> dict[str, Any]:
    doc = analyzed.doc
    return {
        "kind": doc.kind,
        "object_id": doc.object_id,
        "community_id": doc.community_id,
        "author_id": doc.author_id,
        "department_id": doc.department_id,
        "post_id": doc.post_id,
        "created_at": doc.created_at.isoformat(),
        "title": doc.title,
        "body": doc.body,
        "title_terms": " ".join(analyzed.title),
        "body_terms": " ".join(analyzed.body),
        "parts": " ".join(analyzed.parts),
        "names": " ".join(analyzed.names),
    }


def index_actions(
    analyzed: Iterable[AnalyzedDocument], indices: Sequence[str], op_type: str = "index"
) -> list[dict[str, Any]]:
    """Bulk actions writing each document into each index. A rebuild writes with `create`, so
    it never overwrites a newer version that a worker wrote into the new index meanwhile."""
    actions = []
    for item in analyzed:
        body = source(item)
        for index in indices:
            actions.append(
                {
                    "_op_type": op_type,
                    "_index": index,
                    "_id": doc_id(item.doc.kind, item.doc.object_id),
                    "_source": body,
                }
            )
    return actions


def delete_actions(keys: Iterable[tuple[str, int]], indices: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {"_op_type": "delete", "_index": index, "_id": doc_id(kind, object_id)}
        for kind, object_id in keys
        for index in indices
    ]


# --- Aliases ----------------------------------------------------------------------------------


def write_targets(layout: dict[str, set[str]], alias: str, rebuild_alias: str) -> list[str]:
    """The concrete indices a change goes to: the searched one and, during a rebuild, the new
    one. `layout` maps each of our indices to its aliases."""
    return sorted(name for name, aliases in layout.items() if {alias, rebuild_alias} & aliases)


def searched_indices(layout: dict[str, set[str]], alias: str) -> list[str]:
    return sorted(name for name, aliases in layout.items() if alias in aliases)


def abandoned_indices(layout: dict[str, set[str]], alias: str) -> list[str]:
    """Indices that are not searched: left over from a rebuild that did not finish."""
    return sorted(name for name, aliases in layout.items() if alias not in aliases)


def alias_swap_actions(
    alias: str, rebuild_alias: str, old_indices: Sequence[str], new_index: str
) -> list[dict[str, Any]]:
    """One atomic `update_aliases` call: the alias leaves the old indices and points at the new
    one, which stops being the rebuild target."""
    return [
        *({"remove": {"index": name, "alias": alias}} for name in old_indices),
        {"add": {"index": new_index, "alias": alias}},
        {"remove": {"index": new_index, "alias": rebuild_alias}},
    ]


# --- Queries ----------------------------------------------------------------------------------


def _fields(titles_only: bool) -> dict[str, float]:
    return {"title_terms": FIELD_BOOSTS["title_terms"]} if titles_only else FIELD_BOOSTS


def _any_field(lexeme: str, fields: dict[str, float], query: str = "term") -> list[dict]:
    return [{query: {field: {"value": lexeme, "boost": boost}}} for field, boost in fields.items()]


def _option(match: Match, titles_only: bool) -> list[dict[str, Any]]:
    """The queries any of which satisfies one `Match` (several fields each)."""
    fields = _fields(titles_only)
    if match.kind == "term":
        return _any_field(match.lexemes[0], fields)
    if match.kind == "prefix":
        return _any_field(match.lexemes[0], fields, "prefix")
    if match.kind == "phrase":
        phrase_fields = PHRASE_FIELDS[:1] if titles_only else PHRASE_FIELDS
        return [
            {"match_phrase": {field: {"query": " ".join(match.lexemes), "boost": fields[field]}}}
            for field in phrase_fields
        ]
    # "all": each lexeme somewhere (a compound's parts, in any order).
    return [
        {
            "bool": {
                "must": [
                    {"bool": {"should": _any_field(lexeme, fields), "minimum_should_match": 1}}
                    for lexeme in match.lexemes
                ]
            }
        }
    ]


def _clause(options: Iterable[Match], titles_only: bool) -> dict[str, Any]:
    should = [query for option in options for query in _option(option, titles_only)]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def compile_query(
    parsed: ParsedQuery, titles_only: bool = False, typed: str = ""
) -> dict[str, Any]:
    """The query DSL for a parsed query: every positive clause must match (any of its
    options), no negated clause may. With `titles_only` only names match; `typed`, the raw
    text of a suggestion, then ranks names that start with it higher through the
    search-as-you-type field without widening what matches."""
    query: dict[str, Any] = {
        "bool": {"must": [_clause(c.options, titles_only) for c in parsed.positive]}
    }
    if parsed.negative:
        query["bool"]["must_not"] = [_clause(c.options, titles_only) for c in parsed.negative]
    if titles_only and typed:
        query["bool"]["should"] = [
            {"multi_match": {"query": typed, "type": "bool_prefix", "fields": list(SUGGEST_FIELDS)}}
        ]
    return query


def terms(field: str, values: Iterable[int]) -> dict[str, Any]:
    """A terms filter; nothing matches an empty list, long lists go in chunks."""
    ordered = sorted(set(values))
    if not ordered:
        return {"match_none": {}}
    if len(ordered) <= MAX_TERMS:
        return {"terms": {field: ordered}}
    chunks = [ordered[i : i + MAX_TERMS] for i in range(0, len(ordered), MAX_TERMS)]
    return {"bool": {"should": [{"terms": {field: c}} for c in chunks], "minimum_should_match": 1}}


def permission_clause(visible: Iterable[int], readable: Iterable[int]) -> dict[str, Any]:
    """What a viewer may find, given the communities they may see and read: people (active
    ones, checked live), visible communities, and posts and comments on profiles or in readable
    communities (`search.permissions.visible_entries`)."""
    return {
        "bool": {
            "should": [
                {"term": {"kind": "person"}},
                {
                    "bool": {
                        "filter": [{"term": {"kind": "community"}}, terms("object_id", visible)]
                    }
                },
                {
                    "bool": {
                        "filter": [
                            {"terms": {"kind": ["post", "comment"]}},
                            {
                                "bool": {
                                    "should": [
                                        {
                                            "bool": {
                                                "must_not": [{"exists": {"field": "community_id"}}]
                                            }
                                        },
                                        terms("community_id", readable),
                                    ],
                                    "minimum_should_match": 1,
                                }
                            },
                        ]
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def permission_filter(viewer: Employee) -> dict[str, Any] | None:
    """The viewer's permission filter from the live REST querysets; None for site admins,
    who may see every place (deleted things are still dropped afterwards)."""
    if is_site_admin(viewer):
        return None
    return permission_clause(
        visible_communities(viewer).values_list("pk", flat=True),
        readable_communities(viewer).values_list("pk", flat=True),
    )


def request_filters(request: SearchRequest) -> list[dict[str, Any]]:
    """The request's filters (`search.database.request_filter`); department subtrees and
    hashtags are resolved to ids in the database."""
    filters: list[dict[str, Any]] = []
    if request.kinds:
        filters.append({"terms": {"kind": list(request.kinds)}})
    if request.community is not None:
        filters.append({"term": {"community_id": request.community}})
    if request.department is not None:
        path = Department.objects.filter(pk=request.department).values_list("path", flat=True)
        subtree = Department.objects.filter(path__startswith=path.first() or "-")
        filters.append(terms("department_id", subtree.values_list("pk", flat=True)))
    if request.author is not None:
        filters.append({"term": {"author_id": request.author}})
    if request.hashtag:
        tags = Tag.objects.filter(name__iexact=request.hashtag).values("pk")
        post_ids = TaggedPost.objects.filter(tag__in=tags).values_list(
            "content_object_id", flat=True
        )
        filters.append(terms("post_id", post_ids))
    dates = {}
    if request.since is not None:
        dates["gte"] = request.since.isoformat()
    if request.until is not None:
        dates["lte"] = request.until.isoformat()
    if dates:
        filters.append({"range": {"created_at": dates}})
    return filters


def search_body(query: dict[str, Any], filters: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """The newest `size` matches with their scores: the bounded candidate set."""
    return {
        "query": {"bool": {"must": [query], "filter": filters}},
        "sort": [{"created_at": "desc"}, {"kind": "desc"}, {"object_id": "desc"}],
        "size": size,
        "track_scores": True,
        "track_total_hits": False,
        "_source": CANDIDATE_SOURCE,
    }


# --- Results ----------------------------------------------------------------------------------

Row = tuple[str, str, int, int | None, int | None, datetime, float]


def candidate_rows(response: dict[str, Any]) -> list[Row]:
    """Hits as the rows `search.database._facets` reads: (id, kind, object_id, community_id,
    department_id, created_at, score)."""
    rows = []
    for hit in response["hits"]["hits"]:
        src = hit["_source"]
        rows.append(
            (
                hit["_id"],
                src["kind"],
                int(src["object_id"]),
                src.get("community_id"),
                src.get("department_id"),
                datetime.fromisoformat(src["created_at"]),
                float(hit.get("_score") or 0.0),
            )
        )
    return rows


def live_keys(keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these may still be found by the live rows: active people, undeleted posts,
    undeleted comments on undeleted posts (communities are filtered by id already). At most
    three queries, whatever the number of keys."""
    wanted: dict[str, set[int]] = {}
    for kind, object_id in keys:
        wanted.setdefault(kind, set()).add(object_id)
    alive = {("community", pk) for pk in wanted.get("community", ())}
    if wanted.get("person"):
        people = Employee.objects.filter(pk__in=wanted["person"], is_active=True)
        alive.update(("person", pk) for pk in people.values_list("pk", flat=True))
    if wanted.get("post"):
        posts = Post.objects.filter(pk__in=wanted["post"], deleted_at__isnull=True)
        alive.update(("post", pk) for pk in posts.values_list("pk", flat=True))
    if wanted.get("comment"):
        comments = Comment.objects.filter(
            pk__in=wanted["comment"], deleted_at__isnull=True, post__deleted_at__isnull=True
        )
        alive.update(("comment", pk) for pk in comments.values_list("pk", flat=True))
    return alive


def rank(fetched: list[Row], request: SearchRequest, cap: int) -> tuple[list[Row], SearchResult]:
    """The pipeline of `DatabaseSearchBackend.search` after its query: drop what the live rows
    no longer allow, then count, facet, order and page. Returns the page's rows and the result
    without its hits (they need the texts)."""
    alive = live_keys((row[1], row[2]) for row in fetched)
    candidates = [row for row in fetched if (row[1], row[2]) in alive]
    if request.sort == "date":
        candidates.sort(key=lambda row: (row[5], row[0]), reverse=True)
    else:
        candidates.sort(key=lambda row: (row[6], row[5], row[0]), reverse=True)
    page = candidates[request.offset : request.offset + request.limit]
    more = request.offset + request.limit < len(candidates)
    return page, SearchResult(
        hits=[],
        total=len(candidates),
        total_capped=len(fetched) >= cap,
        facets=_facets(candidates),
        next_offset=request.offset + request.limit if more else None,
    )


def page_texts(response: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Title and text of each document an `mget` found, by id."""
    return {
        doc["_id"]: (doc["_source"].get("title", ""), doc["_source"].get("body", ""))
        for doc in response["docs"]
        if doc.get("found")
    }


def _typed(q: str) -> str:
    return " ".join(word.strip('*"') for word in q.split()).strip()


# --- The adapter ------------------------------------------------------------------------------


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        analyzer: Analyzer | None = None,
        name_matching: bool = True,
    ) -> None:
        super().__init__(analyzer, name_matching)
        self.url = url
        self.prefix = prefix or settings.ELASTICSEARCH_INDEX_PREFIX
        self.alias = f"{self.prefix}-search"
        self.rebuild_alias = f"{self.prefix}-search-rebuild"
        self._ready = False
        self._rebuilding: str | None = None  # the new index while this instance rebuilds

    @cached_property
    def client(self) -> Elasticsearch:
        """Created on first use, so importing or configuring never connects."""
        options = settings.WILMA
        return Elasticsearch(
            self.url,
            request_timeout=options["ELASTICSEARCH_TIMEOUT"],
            max_retries=options["ELASTICSEARCH_MAX_RETRIES"],
            retry_on_timeout=True,
        )

    def _index_body(self, rebuilding: bool = False) -> dict[str, Any]:
        options = settings.WILMA
        return index_body(
            shards=options["ELASTICSEARCH_SHARDS"],
            replicas=options["ELASTICSEARCH_REPLICAS"],
            rebuilding=rebuilding,
        )

    def _layout(self) -> dict[str, set[str]]:
        """Each of our indices with its aliases (one request)."""
        response = self.client.indices.get_alias(index=f"{self.prefix}-search-*")
        return {name: set(info.get("aliases", {})) for name, info in response.body.items()}

    def ensure_index(self) -> None:
        """Create the first index behind the alias if there is none yet. Two processes starting
        together create the same name, so only one index gets the alias."""
        if self._ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            try:
                self.client.indices.create(
                    index=f"{self.prefix}-search-initial",
                    aliases={self.alias: {}},
                    **self._index_body(),
                )
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
        self._ready = True

    def refresh(self) -> None:
        """Make every write so far searchable (tests; Elasticsearch does it every second)."""
        self.client.indices.refresh(index=f"{self.prefix}-search-*")

    # --- the port -----------------------------------------------------------------------------

    def ping(self) -> None:
        if not self.client.ping():
            raise ConnectionError("Elasticsearch does not answer.")

    def _targets(self) -> list[str]:
        if self._rebuilding:
            return [self._rebuilding]
        self.ensure_index()
        return write_targets(self._layout(), self.alias, self.rebuild_alias)

    def _bulk(self, actions: list[dict[str, Any]], ignore_status: tuple[int, ...]) -> None:
        if actions:
            helpers.bulk(
                self.client,
                actions,
                ignore_status=ignore_status,
                max_retries=settings.WILMA["ELASTICSEARCH_MAX_RETRIES"],
            )

    def index(self, docs: list[Document]) -> None:
        if not docs:
            return
        analyzed = [analyze(doc, self.analyzer, self.name_matching) for doc in docs]
        if self._rebuilding:
            # A worker may have written a newer version already: that one stays (409).
            self._bulk(index_actions(analyzed, [self._rebuilding], "create"), (409,))
        else:
            self._bulk(index_actions(analyzed, self._targets()), ())

    def remove(self, keys: list[tuple[str, int]]) -> None:
        if keys:
            self._bulk(delete_actions(keys, self._targets()), (404,))

    def begin_rebuild(self) -> None:
        for name in abandoned_indices(self._layout(), self.alias):
            self.client.indices.delete(index=name)
        name = new_index_name(self.prefix, timezone.now())
        self.client.indices.create(
            index=name, aliases={self.rebuild_alias: {}}, **self._index_body(rebuilding=True)
        )
        self._rebuilding = name

    def finish_rebuild(self) -> None:
        new = self._rebuilding
        if new is None:
            raise RuntimeError("finish_rebuild without begin_rebuild")
        self.client.indices.put_settings(index=new, settings={"index": {"refresh_interval": None}})
        self.client.indices.refresh(index=new)
        old = [name for name in searched_indices(self._layout(), self.alias) if name != new]
        self.client.indices.update_aliases(
            actions=alias_swap_actions(self.alias, self.rebuild_alias, old, new)
        )
        for name in old:
            self.client.indices.delete(index=name)
        self._rebuilding = None
        self._ready = True

    def search(
        self, request: SearchRequest, viewer: Employee, *, titles_only: bool = False
    ) -> SearchResult:
        parsed = self.parse(request.q)
        if parsed.is_empty or not viewer.is_active:
            return SearchResult(hits=[], total=0, total_capped=False, facets=_facets([]))
        self.ensure_index()
        cap = settings.WILMA["SEARCH_CANDIDATES"]
        filters = request_filters(request)
        permissions = permission_filter(viewer)
        if permissions is not None:
            filters.append(permissions)
        query = compile_query(parsed, titles_only, _typed(request.q) if titles_only else "")
        response = self.client.search(
            index=self.alias,
            body=search_body(query, filters, cap),
            preference=f"viewer-{viewer.pk}",  # the same shard copies page after page
        )
        page, result = rank(candidate_rows(response.body), request, cap)
        result.hits = self._hits(page, parsed)
        return result

    def _hits(self, page: list[Row], parsed: ParsedQuery) -> list[SearchHit]:
        texts: dict[str, tuple[str, str]] = {}
        if page:
            response = self.client.mget(
                index=self.alias, ids=[row[0] for row in page], source=["title", "body"]
            )
            texts = page_texts(response.body)
        exact, prefixes = parsed.highlight_terms()
        return [
            SearchHit(
                kind=kind,
                object_id=object_id,
                score=score,
                created_at=created_at,
                title=texts.get(pk, ("", ""))[0],
                snippet=snippet(texts.get(pk, ("", ""))[1], self.analyzer, exact, prefixes),
            )
            for pk, kind, object_id, _community, _department, created_at, score in page
        ]
