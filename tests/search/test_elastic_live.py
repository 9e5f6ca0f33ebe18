"""The Elasticsearch adapter against a live cluster: runs only when ``ELASTICSEARCH_URL`` is set
(``make test PYTEST_ARGS="-m elasticsearch_live"``), skipped otherwise.

Every test works in indices of its own (a random prefix) and deletes them afterwards. The
database adapter of the database under test is the reference: the same query must find the
same things on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from communities.models import Community
from feed.models import Post
from people.models import Employee
from search import documents
from search.backends import SearchBackend
from search.elastic import ElasticsearchBackend
from search.postgres import PostgresSearchBackend
from search.query import SearchRequest
from search.sqlite import SqliteSearchBackend
from tests.factories import PostFactory
from tests.feed.conftest import FEED_PERSONAS, feed_world  # noqa: F401 - fixture
from tests.search.test_elastic import (  # noqa: F401 - fixtures
    _database_search,
    _rest_allows,
    german_world,
    marked_world,
)

URL = os.environ.get("ELASTICSEARCH_URL", "")

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.elasticsearch_live,
    pytest.mark.skipif(not URL, reason="needs a live Elasticsearch cluster at ELASTICSEARCH_URL"),
]


def _indices(backend: ElasticsearchBackend) -> dict[str, set[str]]:
    response = backend.client.indices.get_alias(index=f"{backend.prefix}-search-*")
    return {name: set(info.get("aliases", {})) for name, info in response.body.items()}


@pytest.fixture
def es(db) -> Iterator[ElasticsearchBackend]:
    backend = ElasticsearchBackend(URL, prefix=f"wilma-test-{uuid.uuid4().hex[:12]}")
    yield backend
    for name in _indices(backend):  # by name: clusters refuse wildcard deletes by default
        backend.client.indices.delete(index=name)


def database() -> SearchBackend:
    if connection.vendor == "postgresql":
        return PostgresSearchBackend()
    return SqliteSearchBackend()


def fill(es: ElasticsearchBackend) -> None:
    """Index everything into Elasticsearch as the worker does (the fixtures drained the queue
    into the database adapter, the reference)."""
    for kind, model in documents.MODELS.items():
        es.index(documents.load(kind, list(model.objects.values_list("pk", flat=True))))
    es.refresh()


def keys(backend: SearchBackend, viewer: Employee, q: str, **filters) -> set[tuple[str, int]]:
    result = backend.search(SearchRequest(q=q, limit=50, **filters), viewer)
    return {(hit.kind, hit.object_id) for hit in result.hits}


def test_ping(es):
    es.ping()


def test_index_search_and_remove(es, german_world):  # noqa: F811
    fill(es)
    post = Post.objects.get(body__startswith="Die Anträge")
    result = es.search(SearchRequest(q="Antrag Schulweg"), german_world)
    hit = next(h for h in result.hits if h.object_id == post.pk)
    assert "<mark>Anträge</mark>" in hit.snippet
    assert "<mark>Schulwegkostenfreiheit</mark>" in hit.snippet
    assert result.total == len(result.hits)
    es.remove([("post", post.pk)])
    es.refresh()
    assert ("post", post.pk) not in keys(es, german_world, "Antrag")


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
        "Meier",
        "Mueller",
        '"digitale Verwaltung"',
        "Verwaltung digital -Ausblick",
        "Kitaplätze OR Öffnungszeiten",
        "digitalis*",
        "Erfahr*",
    ],
)
def test_queries_find_the_same_as_on_the_database(es, german_world, q):  # noqa: F811
    fill(es)
    found = keys(es, german_world, q)
    assert found and found == keys(database(), german_world, q)


def test_filters_facets_and_pages(es, german_world, org):  # noqa: F811
    fill(es)
    verwaltung = Community.objects.get(slug="digital")
    for filters in ({"community": verwaltung.pk}, {"department": org.kvr.pk, "kinds": ("post",)}):
        assert keys(es, german_world, "digital", **filters) == keys(
            database(), german_world, "digital", **filters
        )
    result = es.search(SearchRequest(q="digital", limit=50), german_world)
    reference = database().search(SearchRequest(q="digital", limit=50), german_world)
    assert result.facets == reference.facets and result.total == reference.total
    by_date = es.search(SearchRequest(q="digital", sort="date", limit=50), german_world).hits
    assert [h.created_at for h in by_date] == sorted((h.created_at for h in by_date), reverse=True)
    everything = [(h.kind, h.object_id) for h in result.hits]
    paged: list[tuple[str, int]] = []
    offset: int | None = 0
    while offset is not None:
        page = es.search(SearchRequest(q="digital", limit=2, offset=offset), german_world)
        paged += [(h.kind, h.object_id) for h in page.hits]
        offset = page.next_offset
    assert paged == everything


@pytest.mark.parametrize("persona", FEED_PERSONAS)
def test_permission_matrix(es, marked_world, persona):  # noqa: F811
    fill(es)
    viewer = marked_world.personas[persona]
    result = es.search(SearchRequest(q="Geheimwort", limit=50), viewer)
    found = {(hit.kind, hit.object_id) for hit in result.hits}
    assert found == _rest_allows(viewer)
    assert result.total == len(found) == sum(result.facets["kind"].values())
    secret = marked_world.communities["secret"]
    if ("community", secret.pk) not in found:
        assert str(secret.pk) not in result.facets["community"]
        assert all(h.object_id != secret.pk for h in es.suggest("Projekt", viewer, 8))


def test_deletions_count_before_the_worker_runs(es, marked_world):  # noqa: F811
    fill(es)
    admin = marked_world.personas["admin"]
    post = marked_world.posts["public"]
    Post.objects.filter(pk=post.pk).update(deleted_at=post.created_at)  # no task queued
    assert ("post", post.pk) not in keys(es, admin, "Geheimwort")


def test_suggest(es, german_world):  # noqa: F811
    fill(es)
    maier = Employee.objects.get(username="hans.maier")
    assert [(h.kind, h.object_id) for h in es.suggest("Hans Mai", german_world, 8)] == [
        ("person", maier.pk)
    ]
    assert "Kita-Leitungen" in [h.title for h in es.suggest("Kita-Lei", german_world, 8)]
    assert es.suggest("Erzieh", german_world, 8) == []


def test_rebuild_swaps_the_alias_while_searches_keep_answering(es, german_world, employee):  # noqa: F811
    fill(es)
    queries = ["digital", "Antrag", "Kitaplatz", "Meier"]
    before = {q: keys(es, german_world, q) for q in queries}
    (initial,) = _indices(es)
    worker = ElasticsearchBackend(URL, prefix=es.prefix)  # another process's instance
    during: dict[str, object] = {}

    def progress(kind: str, total: int) -> None:
        if during or kind != "comment":
            return
        # Mid-rebuild, after the posts were read: the old index still answers, and a new post
        # reaches the new index only through the worker's write into both.
        during["answers"] = keys(es, german_world, "digital") == before["digital"]
        during["layout"] = _indices(es)
        fresh = PostFactory(author=employee, body="Fahrradwege werden digital geplant")
        worker.index(documents.load("post", [fresh.pk]))
        during["post"] = fresh.pk

    es.rebuild(batch_size=2, progress=progress)
    assert during["answers"] is True
    layout = during["layout"]
    assert isinstance(layout, dict) and layout[initial] == {es.alias}
    (new,) = (name for name in layout if name != initial)
    assert layout[new] == {es.rebuild_alias}
    # After: one index, the new one, behind the alias; the rebuild alias is gone.
    assert _indices(es) == {new: {es.alias}}
    after = {q: keys(es, german_world, q) for q in queries}
    assert ("post", during["post"]) in after.pop("digital")
    assert after == {q: found for q, found in before.items() if q != "digital"}


def test_a_rebuild_never_overwrites_what_a_worker_wrote_meanwhile(es, german_world):  # noqa: F811
    fill(es)
    post = Post.objects.get(body__startswith="Das Bürgerbüro")
    stale = documents.load("post", [post.pk])  # what the rebuild read
    es.begin_rebuild()
    Post.objects.filter(pk=post.pk).update(body="Das Bürgerbüro zieht in die Ludwigstraße")
    ElasticsearchBackend(URL, prefix=es.prefix).index(documents.load("post", [post.pk]))
    es.index(stale)  # the rebuild writes its older copy afterwards: refused (409), ignored
    es.finish_rebuild()
    assert ("post", post.pk) in keys(es, german_world, "Ludwigstraße")
    assert ("post", post.pk) not in keys(es, german_world, "Ruppertstraße")
