"""The Elasticsearch adapter without a cluster: its mapping, bulk actions, alias moves, queries
and filters are checked as data (no server runs on these machines; the live suite is
`test_elastic_live.py`).

Whether a generated query *means* what the database adapters mean is checked with
`matches` below: a reference reading of the few query-DSL forms the adapter emits (term,
terms, prefix, match_phrase, bool, exists, range), applied to the documents the adapter would
index. It decides only which documents match, never how they score, and it refuses any form
it does not know, so a new form in the adapter needs a deliberate reading here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from django.utils import timezone

from communities.models import Community
from communities.permissions import can_read_community_content, can_see_community
from feed import services as feed_services
from feed.models import Comment, Post
from feed.permissions import can_read_post
from people.models import Employee
from search import documents, elastic, indexing
from search.backends import get_backend
from search.documents import Document
from search.elastic import (
    ElasticsearchBackend,
    alias_swap_actions,
    compile_query,
    delete_actions,
    index_actions,
    index_body,
    permission_filter,
    rank,
    request_filters,
    search_body,
)
from search.postgres import RANK_WEIGHTS
from search.query import Clause, Match, ParsedQuery, SearchRequest
from search.sqlite import SqliteSearchBackend
from tests.factories import CommentFactory, CommunityFactory, EmployeeFactory, PostFactory
from tests.feed.conftest import FEED_PERSONAS, feed_world  # noqa: F401 - fixture

pytestmark = pytest.mark.embedded

NOWHERE = "http://127.0.0.1:1"  # nothing listens here: connections are refused at once


@pytest.fixture(autouse=True)
def _database_search(settings):
    """`get_backend()` stays the database adapter, the reference, even when ELASTICSEARCH_URL
    is set for the live suite."""
    settings.ELASTICSEARCH_URL = ""
    get_backend.cache_clear()
    yield
    get_backend.cache_clear()


def body() -> dict[str, Any]:
    return index_body(shards=1, replicas=1)


def props() -> dict[str, Any]:
    return body()["mappings"]["properties"]


# --- A reference reading of the generated query DSL -----------------------------------------


def _field_value(spec: dict[str, Any]) -> tuple[str, Any]:
    ((field, value),) = spec.items()
    if isinstance(value, dict):
        value = value["value"] if "value" in value else value["query"]
    return field, value


@cache
def text_fields() -> frozenset[str]:
    return frozenset(name for name, spec in props().items() if spec["type"] == "text")


def matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether `doc` (an indexed source) matches `query`, as Elasticsearch decides it for the
    mapping's field types: text fields are the whitespace-split lexemes."""
    text = text_fields()
    ((kind, spec),) = query.items()

    def tokens(field: str) -> list[str]:
        return (doc.get(field) or "").split()

    if kind == "bool":
        required = spec.get("must", []) + spec.get("filter", [])
        ok = all(matches(q, doc) for q in required)
        ok = ok and not any(matches(q, doc) for q in spec.get("must_not", []))
        should = spec.get("should", [])
        needed = spec.get("minimum_should_match", 0 if required or "must_not" in spec else 1)
        if should and needed:
            ok = ok and sum(matches(q, doc) for q in should) >= needed
        return ok
    if kind == "term":
        field, value = _field_value(spec)
        return value in tokens(field) if field in text else doc.get(field) == value
    if kind == "terms":
        ((field, values),) = spec.items()
        return doc.get(field) in values
    if kind == "prefix":
        field, value = _field_value(spec)
        return any(token.startswith(value) for token in tokens(field))
    if kind == "match_phrase":
        field, value = _field_value(spec)
        words, have = value.split(), tokens(field)
        return any(have[i : i + len(words)] == words for i in range(len(have)))
    if kind == "exists":
        return doc.get(spec["field"]) is not None
    if kind == "range":
        ((field, bounds),) = spec.items()
        when = datetime.fromisoformat(doc[field])
        low, high = bounds.get("gte"), bounds.get("lte")
        return (low is None or when >= datetime.fromisoformat(low)) and (
            high is None or when <= datetime.fromisoformat(high)
        )
    if kind == "match_none":
        return False
    raise AssertionError(f"no reading for {kind}")


def snapshot() -> list[dict[str, Any]]:
    """What the worker would have written to the index for everything in the database."""
    analyzer = SqliteSearchBackend().analyzer
    return [
        elastic.source(elastic.analyze(doc, analyzer, True))
        for kind, model in documents.MODELS.items()
        for doc in documents.load(kind, list(model.objects.values_list("pk", flat=True)))
    ]


def es_found(
    viewer: Employee,
    q: str,
    docs: list[dict[str, Any]] | None = None,
    *,
    titles_only: bool = False,
    **filters: Any,
) -> set[tuple[str, int]]:
    """What the adapter's request selects from `docs`, after its live check."""
    request = SearchRequest(q=q, limit=50, **filters)
    backend = ElasticsearchBackend(NOWHERE)
    parsed = backend.parse(q)
    if parsed.is_empty or not viewer.is_active:
        return set()
    wanted = request_filters(request)
    permissions = permission_filter(viewer)
    if permissions is not None:
        wanted.append(permissions)
    query = search_body(compile_query(parsed, titles_only), wanted, 1000)["query"]
    rows = [
        (
            elastic.doc_id(d["kind"], d["object_id"]),
            d["kind"],
            d["object_id"],
            d["community_id"],
            d["department_id"],
            datetime.fromisoformat(d["created_at"]),
            0.0,
        )
        for d in (snapshot() if docs is None else docs)
        if matches(query, d)
    ]
    page, _result = rank(rows, request, 1000)
    return {(row[1], row[2]) for row in page}


def db_found(viewer: Employee, q: str, **filters: Any) -> set[tuple[str, int]]:
    result = get_backend().search(SearchRequest(q=q, limit=50, **filters), viewer)
    return {(hit.kind, hit.object_id) for hit in result.hits}


# --- The mapping ------------------------------------------------------------------------------


def test_mapping_field_types():
    types = {name: spec["type"] for name, spec in props().items()}
    assert types == {
        "kind": "keyword",
        "object_id": "long",
        "community_id": "long",
        "author_id": "long",
        "department_id": "long",
        "post_id": "long",
        "created_at": "date",
        "title": "text",
        "body": "text",
        "title_terms": "text",
        "body_terms": "text",
        "parts": "text",
        "names": "text",
    }


def test_title_and_body_use_the_german_analysis_chain():
    analysis = body()["settings"]["analysis"]
    german = analysis["analyzer"]["wilma_german"]
    assert german["tokenizer"] == "standard"
    assert german["filter"] == [
        "lowercase",
        "wilma_german_stop",
        "german_normalization",
        "wilma_light_german",
    ]
    assert analysis["filter"]["wilma_german_stop"] == {"type": "stop", "stopwords": "_german_"}
    assert analysis["filter"]["wilma_light_german"] == {
        "type": "stemmer",
        "language": "light_german",
    }
    assert props()["title"]["analyzer"] == props()["body"]["analyzer"] == "wilma_german"


def test_lexeme_fields_split_on_spaces_only_and_keep_positions_for_phrases():
    analysis = body()["settings"]["analysis"]
    assert analysis["analyzer"]["wilma_lexemes"] == {"type": "custom", "tokenizer": "whitespace"}
    for field in ("title_terms", "body_terms", "parts", "names"):
        assert props()[field]["analyzer"] == "wilma_lexemes"
    # Positions (the default) where phrases run; parts and names only need frequencies.
    assert "index_options" not in props()["title_terms"]
    assert "index_options" not in props()["body_terms"]
    assert props()["parts"]["index_options"] == props()["names"]["index_options"] == "freqs"


def test_names_have_a_search_as_you_type_field():
    suggest = props()["title"]["fields"]["suggest"]
    assert suggest == {"type": "search_as_you_type", "analyzer": "wilma_names"}
    names = body()["settings"]["analysis"]["analyzer"]["wilma_names"]
    assert names["filter"] == ["lowercase", "german_normalization"]


def test_mapping_is_strict_and_does_not_store_the_lexemes():
    mappings = body()["mappings"]
    assert mappings["dynamic"] == "strict"
    assert set(mappings["_source"]["excludes"]) == {"title_terms", "body_terms", "parts", "names"}


def test_index_settings(settings):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 20000}
    live = index_body(shards=2, replicas=0)["settings"]
    assert (live["number_of_shards"], live["number_of_replicas"]) == (2, 0)
    assert live["max_result_window"] == 20000  # the candidate set fits in one page
    assert "refresh_interval" not in live
    rebuilding = index_body(shards=1, replicas=1, rebuilding=True)["settings"]
    assert rebuilding["refresh_interval"] == "-1"


# --- Documents and bulk actions ---------------------------------------------------------------


def _document(**overrides: Any) -> Document:
    values: dict[str, Any] = {
        "kind": "person",
        "object_id": 7,
        "title": "Hans Maier",
        "body": "Sachbearbeitung Bürgerbüro\nKreisverwaltungsreferat KVR",
        "created_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "department_id": 3,
        "names": "Hans Maier",
    }
    values.update(overrides)
    return Document(**values)


def test_source_holds_exactly_the_mapped_fields():
    doc = elastic.source(elastic.analyze(_document(), SqliteSearchBackend().analyzer, True))
    assert set(doc) == set(props())
    assert doc["created_at"] == "2026-03-01T09:30:00+00:00"
    assert doc["community_id"] is None


def test_documents_carry_the_same_lexemes_as_the_database_adapters(db):
    database = SqliteSearchBackend()
    for doc in (
        _document(),
        _document(kind="post", object_id=9, title="", body="Anträge auf Schulwegkostenfreiheit"),
    ):
        expected = database.analyze(doc)
        source = elastic.source(elastic.analyze(doc, database.analyzer, True))
        assert source["title_terms"].split() == expected.title
        assert source["body_terms"].split() == expected.body
        assert source["parts"].split() == expected.parts
        assert source["names"].split() == expected.names
    person = elastic.source(elastic.analyze(_document(), database.analyzer, True))
    assert "nk67" in person["names"].split()  # Maier: Kölner Phonetik 67, prefixed
    post = elastic.analyze(
        _document(kind="post", body="Schulwegkostenfreiheit"), database.analyzer, True
    )
    assert "schulweg" in post.parts
    assert elastic.analyze(_document(), database.analyzer, False).names == []


def test_bulk_actions_write_every_document_into_every_target():
    analyzed = [elastic.analyze(_document(), SqliteSearchBackend().analyzer, True)]
    actions = index_actions(analyzed, ["wilma-search-1", "wilma-search-2"])
    assert [(a["_op_type"], a["_index"], a["_id"]) for a in actions] == [
        ("index", "wilma-search-1", "person-7"),
        ("index", "wilma-search-2", "person-7"),
    ]
    assert actions[0]["_source"]["title"] == "Hans Maier"
    rebuild = index_actions(analyzed, ["wilma-search-2"], "create")
    assert [a["_op_type"] for a in rebuild] == ["create"]
    assert delete_actions([("post", 4), ("comment", 5)], ["wilma-search-1"]) == [
        {"_op_type": "delete", "_index": "wilma-search-1", "_id": "post-4"},
        {"_op_type": "delete", "_index": "wilma-search-1", "_id": "comment-5"},
    ]


# --- Indices and aliases ----------------------------------------------------------------------


def test_index_names_carry_a_sortable_timestamp():
    first = elastic.new_index_name("wilma", datetime(2026, 3, 1, 9, 30, 5, 12))
    second = elastic.new_index_name("wilma", datetime(2026, 3, 1, 9, 30, 5, 13))
    assert first == "wilma-search-20260301093005000012"
    assert first < second
    backend = ElasticsearchBackend(NOWHERE, prefix="stadt")
    assert (backend.alias, backend.rebuild_alias) == ("stadt-search", "stadt-search-rebuild")


def test_writes_go_to_the_searched_index_and_during_a_rebuild_to_the_new_one_too():
    alias, rebuild = "wilma-search", "wilma-search-rebuild"
    quiet = {"wilma-search-initial": {alias}}
    assert elastic.write_targets(quiet, alias, rebuild) == ["wilma-search-initial"]
    rebuilding = {"wilma-search-initial": {alias}, "wilma-search-2026": {rebuild}}
    assert elastic.write_targets(rebuilding, alias, rebuild) == [
        "wilma-search-2026",
        "wilma-search-initial",
    ]
    assert elastic.searched_indices(rebuilding, alias) == ["wilma-search-initial"]
    # A rebuild that never finished leaves an index nobody searches: the next one deletes it.
    crashed = {
        "wilma-search-initial": {alias},
        "wilma-search-2025": {rebuild},
        "wilma-search-x": set(),
    }
    assert elastic.abandoned_indices(crashed, alias) == ["wilma-search-2025", "wilma-search-x"]


def test_the_alias_moves_in_one_atomic_call():
    actions = alias_swap_actions(
        "wilma-search", "wilma-search-rebuild", ["wilma-search-initial"], "wilma-search-2026"
    )
    assert actions == [
        {"remove": {"index": "wilma-search-initial", "alias": "wilma-search"}},
        {"add": {"index": "wilma-search-2026", "alias": "wilma-search"}},
        {"remove": {"index": "wilma-search-2026", "alias": "wilma-search-rebuild"}},
    ]
    first = alias_swap_actions("a", "a-rebuild", [], "a-1")  # no index searched yet
    assert first == [
        {"add": {"index": "a-1", "alias": "a"}},
        {"remove": {"index": "a-1", "alias": "a-rebuild"}},
    ]


# --- Queries ----------------------------------------------------------------------------------


def _parsed(*clauses: Clause) -> ParsedQuery:
    return ParsedQuery(clauses)


def test_boosts_mirror_the_postgres_weights():
    d, c, b, a = (float(w) for w in RANK_WEIGHTS.strip("{}").split(","))
    assert {"title_terms": a, "body_terms": b, "parts": c, "names": d} == elastic.FIELD_BOOSTS


def test_a_term_matches_in_any_lexeme_field_with_its_weight():
    query = compile_query(_parsed(Clause((Match("term", ("antrag",)),))))
    assert query == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            {"term": {"title_terms": {"value": "antrag", "boost": 1.0}}},
                            {"term": {"body_terms": {"value": "antrag", "boost": 0.4}}},
                            {"term": {"parts": {"value": "antrag", "boost": 0.2}}},
                            {"term": {"names": {"value": "antrag", "boost": 0.05}}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            ]
        }
    }


def test_a_prefix_matches_the_start_of_any_lexeme():
    query = compile_query(_parsed(Clause((Match("prefix", ("digitalis",)),))))
    should = query["bool"]["must"][0]["bool"]["should"]
    assert [next(iter(q)) for q in should] == ["prefix"] * 4
    assert should[0] == {"prefix": {"title_terms": {"value": "digitalis", "boost": 1.0}}}


def test_a_phrase_runs_inside_the_title_or_the_text_only():
    query = compile_query(_parsed(Clause((Match("phrase", ("digital", "verwalt")),))))
    assert query["bool"]["must"][0]["bool"]["should"] == [
        {"match_phrase": {"title_terms": {"query": "digital verwalt", "boost": 1.0}}},
        {"match_phrase": {"body_terms": {"query": "digital verwalt", "boost": 0.4}}},
    ]


def test_all_parts_must_match_each_somewhere():
    query = compile_query(_parsed(Clause((Match("all", ("kita", "platz")),))))
    (option,) = query["bool"]["must"][0]["bool"]["should"]
    musts = option["bool"]["must"]
    assert len(musts) == 2
    assert {
        q["term"]["parts"]["value"]
        for m in musts
        for q in m["bool"]["should"]
        if "parts" in q["term"]
    } == {"kita", "platz"}
    assert all(m["bool"]["minimum_should_match"] == 1 for m in musts)


def test_options_of_a_clause_are_alternatives_and_clauses_all_must_match():
    parsed = _parsed(
        Clause((Match("term", ("kitaplatz",)), Match("all", ("kita", "platz")))),
        Clause((Match("term", ("frei",)),)),
    )
    query = compile_query(parsed)
    assert len(query["bool"]["must"]) == 2
    first = query["bool"]["must"][0]["bool"]
    assert first["minimum_should_match"] == 1 and len(first["should"]) == 5
    doc = {"title_terms": "", "body_terms": "frei platz in der kita", "parts": "", "names": ""}
    assert matches(query, doc)
    assert not matches(query, {**doc, "body_terms": "freie platz"})


def test_negated_clauses_must_not_match():
    parsed = _parsed(
        Clause((Match("term", ("verwalt",)),)),
        Clause((Match("term", ("ausblick",)),), negated=True),
    )
    query = compile_query(parsed)
    assert len(query["bool"]["must"]) == 1
    assert query["bool"]["must_not"] == [
        compile_query(_parsed(Clause((Match("term", ("ausblick",)),))))["bool"]["must"][0]
    ]
    doc = {"title_terms": "", "body_terms": "verwalt ausblick", "parts": "", "names": ""}
    assert not matches(query, doc)
    assert matches(query, {**doc, "body_terms": "verwalt"})


def test_titles_only_restricts_every_match_to_the_name():
    parsed = _parsed(
        Clause((Match("term", ("hans",)),)),
        Clause((Match("prefix", ("mai",)), Match("phrase", ("kita", "leitung")))),
    )
    query = compile_query(parsed, titles_only=True)
    fields = {
        field
        for clause in query["bool"]["must"]
        for option in clause["bool"]["should"]
        for spec in option.values()
        for field in spec
    }
    assert fields == {"title_terms"}
    assert "should" not in query["bool"]


def test_suggestions_rank_by_the_search_as_you_type_field_without_widening_matches():
    parsed = _parsed(Clause((Match("prefix", ("mai",)),)))
    query = compile_query(parsed, titles_only=True, typed="Hans Mai")
    assert query["bool"]["should"] == [
        {
            "multi_match": {
                "query": "Hans Mai",
                "type": "bool_prefix",
                "fields": ["title.suggest", "title.suggest._2gram", "title.suggest._3gram"],
            }
        }
    ]
    # `must` is present, so the should clause only scores (minimum_should_match defaults to 0).
    assert "minimum_should_match" not in query["bool"]
    assert elastic._typed('Hans "Mai*') == "Hans Mai"


def test_parsed_german_words_compile_to_their_options(org):
    backend = ElasticsearchBackend(NOWHERE)

    def options(q: str) -> list[dict]:
        return compile_query(backend.parse(q))["bool"]["must"][0]["bool"]["should"]

    schulweg = options("Schulweg")  # the word, and its parts together
    assert {"term": {"parts": {"value": "schulweg", "boost": 0.2}}} in schulweg
    assert any("bool" in q for q in schulweg)
    kvr = options("KVR")  # the abbreviation's expansion
    assert {"term": {"body_terms": {"value": "kvr", "boost": 0.4}}} in kvr
    assert {"term": {"title_terms": {"value": "kreisverwaltungsreferat", "boost": 1.0}}} in kvr
    meier = options("Meier")  # its phonetic key, carried only by people
    assert {"term": {"names": {"value": "nk67", "boost": 0.05}}} in meier


def test_search_body_asks_for_the_newest_candidates_with_scores():
    request_body = search_body({"match_all": {}}, [{"term": {"kind": "post"}}], 1000)
    assert request_body == {
        "query": {"bool": {"must": [{"match_all": {}}], "filter": [{"term": {"kind": "post"}}]}},
        "sort": [{"created_at": "desc"}, {"kind": "desc"}, {"object_id": "desc"}],
        "size": 1000,
        "track_scores": True,
        "track_total_hits": False,
        "_source": ["kind", "object_id", "community_id", "department_id", "created_at"],
    }


# --- Filters ----------------------------------------------------------------------------------


def test_request_filters(org, employee):
    since = datetime(2026, 1, 1, tzinfo=UTC)
    until = datetime(2026, 2, 1, tzinfo=UTC)
    filters = request_filters(
        SearchRequest(
            q="x", kinds=("post", "comment"), community=4, author=9, since=since, until=until
        )
    )
    assert filters == [
        {"terms": {"kind": ["post", "comment"]}},
        {"term": {"community_id": 4}},
        {"term": {"author_id": 9}},
        {"range": {"created_at": {"gte": since.isoformat(), "lte": until.isoformat()}}},
    ]
    assert request_filters(SearchRequest(q="x")) == []
    subtree = request_filters(SearchRequest(q="x", department=org.kvr_i.pk))
    assert subtree == [{"terms": {"department_id": sorted([org.kvr_i.pk, org.kvr_i_1.pk])}}]
    assert request_filters(SearchRequest(q="x", department=999999)) == [{"match_none": {}}]


def test_hashtag_filter_is_resolved_to_posts(org, employee):
    tagged = feed_services.create_post(author=employee, body="Freie Plätze #Kita")
    PostFactory(author=employee, body="Kita ohne Hashtag")
    assert request_filters(SearchRequest(q="x", hashtag="kita")) == [
        {"terms": {"post_id": [tagged.pk]}}
    ]
    assert request_filters(SearchRequest(q="x", hashtag="unbekannt")) == [{"match_none": {}}]


def test_long_id_lists_go_in_chunks(monkeypatch):
    monkeypatch.setattr(elastic, "MAX_TERMS", 2)
    assert elastic.terms("post_id", [5, 1, 3, 1]) == {
        "bool": {
            "should": [{"terms": {"post_id": [1, 3]}}, {"terms": {"post_id": [5]}}],
            "minimum_should_match": 1,
        }
    }
    assert elastic.terms("post_id", []) == {"match_none": {}}


# --- Permissions ------------------------------------------------------------------------------


def _ids(clause: dict[str, Any], field: str) -> set[int]:
    """The ids a generated terms filter on `field` lists, wherever it sits."""
    found: set[int] = set()
    if isinstance(clause, dict):
        for key, value in clause.items():
            if key == "terms" and field in value:
                found.update(value[field])
            else:
                found |= _ids(value, field)
    elif isinstance(clause, list):
        for item in clause:
            found |= _ids(item, field)
    return found


@pytest.mark.parametrize("persona", FEED_PERSONAS)
def test_permission_filter_lists_what_rest_allows(feed_world, persona):  # noqa: F811
    viewer = feed_world.personas[persona]
    clause = permission_filter(viewer)
    if persona == "admin":
        assert clause is None  # every place; deletions are still checked live
        return
    communities = list(Community.objects.select_related("department"))
    visible = {c.pk for c in communities if can_see_community(viewer, c)}
    readable = {c.pk for c in communities if can_read_community_content(viewer, c)}
    assert _ids(clause, "object_id") == visible
    assert _ids(clause, "community_id") == readable
    if persona == "inactive":
        assert visible == readable == set()


def _rest_allows(viewer: Employee) -> set[tuple[str, int]]:
    """The REST rules object by object: the oracle."""
    allowed: set[tuple[str, int]] = set()
    for post in Post.objects.select_related("community__department"):
        if can_read_post(viewer, post):
            allowed.add(("post", post.pk))
            allowed.update(
                ("comment", pk)
                for pk in Comment.objects.filter(post=post, deleted_at=None).values_list(
                    "pk", flat=True
                )
            )
    for community in Community.objects.select_related("department"):
        if viewer.is_active and can_see_community(viewer, community):
            allowed.add(("community", community.pk))
    return allowed


@pytest.fixture
def marked_world(feed_world):  # noqa: F811
    for post in Post.objects.all():
        post.body = f"{post.body} Geheimwort"
        post.save(update_fields=["body"])
        CommentFactory(post=post, author=post.author, body="Antwort Geheimwort")
    for community in Community.objects.all():
        community.description = f"{community.description} Geheimwort"
        community.save(update_fields=["description"])
    indexing.drain()
    return feed_world


@pytest.mark.parametrize("persona", FEED_PERSONAS)
def test_generated_request_finds_exactly_what_rest_allows(marked_world, persona):
    viewer = marked_world.personas[persona]
    found = es_found(viewer, "Geheimwort")
    assert found == _rest_allows(viewer)
    assert found == db_found(viewer, "Geheimwort")


def test_deletions_and_deactivations_count_before_the_index_knows(marked_world):
    admin = marked_world.personas["admin"]
    stale = snapshot()  # the index as it was; the worker has not run since
    post = marked_world.posts["public"]
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
    author = marked_world.personas["author"]
    Employee.objects.filter(pk=author.pk).update(is_active=False)
    found = es_found(admin, "Geheimwort", stale)
    assert ("post", post.pk) not in found
    assert not any(
        kind == "comment" and Comment.objects.get(pk=pk).post_id == post.pk for kind, pk in found
    )
    assert ("person", author.pk) not in es_found(admin, author.last_name, stale)
    assert found == db_found(admin, "Geheimwort")


def test_leaving_a_community_counts_before_the_index_knows(marked_world):
    from communities import services as community_services

    member = marked_world.personas["member"]
    stale = snapshot()
    private_post = marked_world.posts["private"]
    assert ("post", private_post.pk) in es_found(member, "Geheimwort", stale)
    community_services.leave_community(
        employee=member, community=marked_world.communities["private"]
    )
    assert ("post", private_post.pk) not in es_found(
        Employee.objects.get(pk=member.pk), "Geheimwort", stale
    )


# --- The same meaning as the database adapters ------------------------------------------------


@pytest.fixture
def german_world(org, employee, other_employee):
    verwaltung = CommunityFactory(
        name="Digitale Verwaltung", slug="digital", description="Digitalisierung im Rathaus"
    )
    kita = CommunityFactory(
        name="Kita-Leitungen", slug="kita", description="Austausch der Kitaleitungen im RBS"
    )
    maier = EmployeeFactory(
        username="hans.maier",
        first_name="Hans",
        last_name="Maier",
        job_title="Sachbearbeitung Bürgerbüro",
        department=org.kvr_i_1,
    )
    mueller = EmployeeFactory(
        username="jana.mueller",
        first_name="Jana",
        last_name="Müller",
        job_title="Erzieherin",
        department=org.rbs,
    )
    bodies = [
        (
            maier,
            verwaltung,
            "Die Anträge auf Schulwegkostenfreiheit werden jetzt digital bearbeitet.",
        ),
        (maier, verwaltung, "Das Bürgerbüro in der Ruppertstraße hat neue Öffnungszeiten."),
        (mueller, kita, "Wer hat Erfahrung mit der Vergabe von Kitaplätzen? #Kita"),
        (employee, verwaltung, "Das Kreisverwaltungsreferat stellt den digitalen Bauantrag vor."),
        (employee, None, "Ein Ausblick auf die digitale Verwaltung von morgen"),
        (other_employee, None, "Verwaltung ist digital geworden."),
    ]
    posts = [PostFactory(author=a, community=c, body=b) for a, c, b in bodies]
    CommentFactory(
        post=posts[2], author=maier, body="Im Sachgebiet haben wir gute Erfahrungen gemacht."
    )
    indexing.drain()
    return Employee.objects.get(pk=employee.pk)


@pytest.mark.parametrize(
    "q",
    [
        "Antrag",
        "anträgen",
        "Schulweg",
        "Buergerbuero",
        "Ruppertstrasse",
        "Kitaplatz",
        "Kita-Platz",
        "KVR",
        "Kreisverwaltungsreferat",
        "Meier",
        "Mueller",
        '"digitale Verwaltung"',
        "Verwaltung digital -Ausblick",
        "Kitaplätze OR Öffnungszeiten",
        "digitalis*",
        "Erfahr*",
        "und die der",
    ],
)
def test_a_query_finds_the_same_as_on_the_database(german_world, q):
    found = es_found(german_world, q)
    assert found == db_found(german_world, q)
    assert bool(found) == (q != "und die der")  # stop words alone find nothing


def test_filters_find_the_same_as_on_the_database(german_world, org):
    viewer = german_world
    verwaltung = Community.objects.get(slug="digital")
    maier = Employee.objects.get(username="hans.maier")
    for filters in (
        {"community": verwaltung.pk},
        {"author": maier.pk},
        {"department": org.kvr.pk, "kinds": ("post",)},
        {"kinds": ("person",)},
        {"since": timezone.now() - timedelta(days=1)},
        {"until": timezone.now() - timedelta(days=1)},
    ):
        for q in ("digital", "Erfahrung", "Maier"):
            assert es_found(viewer, q, **filters) == db_found(viewer, q, **filters), (q, filters)


def test_suggestions_match_the_same_names_as_on_the_database(german_world):
    viewer = german_world
    maier = Employee.objects.get(username="hans.maier")
    kita = Community.objects.get(slug="kita")
    for typed, names in (
        ("Kita-Lei", {("community", kita.pk)}),
        ("Hans Mai", {("person", maier.pk)}),
        ("Erzieh", set()),  # a job title, not a name
        ("Digi", {("community", Community.objects.get(slug="digital").pk)}),
    ):
        words = typed.split()
        words[-1] += "*"
        found = es_found(viewer, " ".join(words), titles_only=True, kinds=("person", "community"))
        assert found == names
        assert found == {(h.kind, h.object_id) for h in get_backend().suggest(typed, viewer, 8)}


# --- After the query: the live check, counts, facets and pages --------------------------------


def test_rank_drops_dead_rows_before_counting_facetting_and_paging(org, employee):
    alive = PostFactory(author=employee, body="a")
    dead = PostFactory(author=employee, body="b", deleted_at=timezone.now())
    inactive = EmployeeFactory(is_active=False, department=org.rbs)
    community = CommunityFactory()
    t = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        (f"post-{alive.pk}", "post", alive.pk, None, org.kvr_i_1.pk, t, 1.0),
        (f"post-{dead.pk}", "post", dead.pk, None, org.kvr_i_1.pk, t, 9.0),
        (f"person-{inactive.pk}", "person", inactive.pk, None, org.rbs.pk, t, 9.0),
        (
            f"person-{employee.pk}",
            "person",
            employee.pk,
            None,
            org.kvr_i_1.pk,
            t - timedelta(1),
            3.0,
        ),
        (f"community-{community.pk}", "community", community.pk, community.pk, None, t, 2.0),
    ]
    page, result = rank(rows, SearchRequest(q="x", limit=2), cap=5)
    assert [row[2] for row in page] == [employee.pk, community.pk]  # by score
    assert result.total == 3 and result.total_capped  # five came back: there may be more
    assert result.next_offset == 2
    assert result.facets == {
        "kind": {"post": 1, "person": 1, "community": 1},
        "department": {str(org.kvr_i_1.pk): 2},
        "community": {str(community.pk): 1},
    }
    page, result = rank(rows, SearchRequest(q="x", sort="date", limit=2, offset=2), cap=10)
    assert [row[1] for row in page] == ["person"] and result.next_offset is None
    assert not result.total_capped


def test_responses_are_read_as_rows_and_texts():
    response = {
        "hits": {
            "hits": [
                {
                    "_id": "post-4",
                    "_score": 1.5,
                    "_source": {
                        "kind": "post",
                        "object_id": 4,
                        "community_id": None,
                        "department_id": 2,
                        "created_at": "2026-03-01T09:30:00+00:00",
                    },
                }
            ]
        }
    }
    assert elastic.candidate_rows(response) == [
        ("post-4", "post", 4, None, 2, datetime(2026, 3, 1, 9, 30, tzinfo=UTC), 1.5)
    ]
    texts = elastic.page_texts(
        {
            "docs": [
                {"_id": "post-4", "found": True, "_source": {"title": "", "body": "Text"}},
                {"_id": "post-5", "found": False},
            ]
        }
    )
    assert texts == {"post-4": ("", "Text")}


# --- The client ------------------------------------------------------------------------------


@pytest.fixture
def nowhere(settings):
    settings.WILMA = {
        **settings.WILMA,
        "ELASTICSEARCH_TIMEOUT": 2.5,
        "ELASTICSEARCH_MAX_RETRIES": 0,
    }
    return ElasticsearchBackend(NOWHERE)


def test_the_client_is_created_on_first_use_with_the_configured_limits(nowhere):
    assert "client" not in vars(nowhere)
    client = nowhere.client
    assert (client._request_timeout, client._max_retries, client._retry_on_timeout) == (
        2.5,
        0,
        True,
    )
    assert nowhere.client is client


def test_ping_raises_when_the_cluster_does_not_answer(nowhere):
    with pytest.raises(ConnectionError):
        nowhere.ping()


def test_writes_raise_when_the_cluster_does_not_answer_so_the_worker_retries(nowhere):
    from elastic_transport import ConnectionError as TransportConnectionError

    with pytest.raises(TransportConnectionError):
        nowhere.index([_document()])
    with pytest.raises(TransportConnectionError):
        nowhere.remove([("post", 1)])
    nowhere.index([])  # nothing to send: no request at all
    nowhere.remove([])


def test_nothing_to_look_for_needs_no_cluster(nowhere, feed_world):  # noqa: F811
    viewer = feed_world.personas["member"]
    assert nowhere.search(SearchRequest(q="und die der"), viewer).total == 0
    inactive = feed_world.personas["inactive"]
    assert nowhere.search(SearchRequest(q="Beitrag"), inactive).hits == []


def test_the_backend_is_chosen_by_the_url(settings, db):
    settings.ELASTICSEARCH_URL = NOWHERE
    get_backend.cache_clear()
    try:
        backend = get_backend()
        assert isinstance(backend, ElasticsearchBackend) and backend.url == NOWHERE
        assert backend.alias == f"{settings.ELASTICSEARCH_INDEX_PREFIX}-search"
    finally:
        get_backend.cache_clear()
