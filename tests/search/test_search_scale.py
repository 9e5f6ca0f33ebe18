"""What keeps search fast at scale stays correct: the chunked analysis of the index writer, the
bounded two-step candidate query, the date-index walk for common words (PostgreSQL) and the
session settings of a search. A few thousand rows, no wall-clock assertions: the speed is
measured by `bench/search_api.py`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from feed.models import Post
from search import documents, indexing
from search.analysis import ANALYZER
from search.backends import get_backend
from search.database import ChunkedAnalysis
from search.documents import Document
from search.models import SearchEntry
from search.postgres import LexemeStats, tsvector_literal
from search.query import SearchRequest, parse
from tests.factories import CommunityFactory, EmployeeFactory, add_member

pytestmark = pytest.mark.embedded

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL planner and session settings"
)

AWKWARD_TEXTS = [
    "",
    "   ",
    "Die Anträge auf Schulwegkostenfreiheit werden jetzt digital bearbeitet.",
    "Kita-\nPlatz und Kita-Platz, E-Mail an z.B. d.h. e.V. und z. B. Dr. Müller",
    "Bürgerbüro\u00a0Ruppertstraße\u2003Öffnungszeiten\u200bneu\u00adtrennung",
    "Ludwig's geht's \u2019n O\u2019Reilly 2025-2026 12.03.2026 muenchen.de #Digitalisierung",
    "a \u0301b c\u0308 e\u0301 \ufb01nanzen \u2460 ΣΊΣΥΦΟΣ σοφός",
    "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz " * 3,
    "x" * 200 + " Straßenbahn-Haltestelle\t\tU-Bahn-Linie\r\nFahrradparkplatz",
    "\x1c\x1d\x1e\x1f\x85 Trenner\u2028Zeile\u2029Absatz",
]


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_chunked_analysis_equals_the_analyzer(text, make_analyzer):
    for analyzer in (ANALYZER, make_analyzer(fold=False, stem=False), make_analyzer(stem=False)):
        chunked = ChunkedAnalysis(analyzer)
        expected = (analyzer.terms(text), analyzer.parts(text))
        assert chunked.terms_and_parts(text) == expected
        assert chunked.terms_and_parts(text) == expected  # from the cache


def test_chunk_cache_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(ChunkedAnalysis, "MAX_CHUNKS", 3)
    chunked = ChunkedAnalysis(ANALYZER)
    text = " ".join(AWKWARD_TEXTS)
    assert chunked.terms_and_parts(text) == (ANALYZER.terms(text), ANALYZER.parts(text))
    assert len(chunked._chunks) <= 3


def _document(pk: int, body: str, **fields) -> Document:
    return Document(
        kind="post", object_id=pk, title="", body=body, created_at=timezone.now(), **fields
    )


def test_index_keeps_the_last_of_repeated_documents(db):
    backend = get_backend()
    backend.index([_document(990001, "Erste Fassung"), _document(990001, "Zweite Fassung")])
    entries = SearchEntry.objects.filter(kind="post", object_id=990001)
    assert [e.body for e in entries] == ["Zweite Fassung"]


def test_tsvector_literal_positions_and_weights():
    analyzed = get_backend().analyze(
        Document(
            kind="person",
            object_id=1,
            title="Hans Maier",
            body="Kita Kita",
            created_at=timezone.now(),
            names="Maier",
        )
    )
    entries = dict(item.split(":", 1) for item in tsvector_literal(analyzed).split(" "))
    title = len(analyzed.title)
    assert [entries[f"'{lexeme}'"].split(",")[0] for lexeme in analyzed.title] == [
        f"{n}A" for n in range(1, title + 1)
    ]
    # A gap of two after the title: no phrase across the boundary.
    assert entries["'kita'"] == f"{title + 3}B,{title + 4}B"
    for key in analyzed.names:
        assert entries[f"'{key}'"].endswith("D")


# --- A few thousand posts --------------------------------------------------------------------


@pytest.fixture
def many(org, employee):
    """2,400 posts over 100 days, written straight to the table and indexed in batches:
    'Dienstplan' in every post, 'Raum 2.14' in every other one (always together), a rare
    word in five, half of them in a community the viewer does not belong to."""
    author = EmployeeFactory(department=org.rbs)
    closed = CommunityFactory(slug="geschlossen", visibility="private", join_policy="request")
    add_member(closed, author)
    now = timezone.now()
    posts = []
    for n in range(2400):
        words = ["Der Dienstplan für die Woche", f"Eintrag {n}"]
        if n % 2:
            words.append("in Raum 2.14")
        if n % 500 == 7:
            words.append("Seltenheitswert")
        posts.append(
            Post(
                author=author,
                community=closed if n % 4 == 3 else None,
                body=". ".join(words),
                body_html="",
                last_activity_at=now,
            )
        )
    Post.objects.bulk_create(posts)
    for n, post in enumerate(posts):  # created_at is auto_now_add: set it afterwards
        post.created_at = now - timedelta(hours=n)
    Post.objects.bulk_update(posts, ["created_at"], batch_size=500)
    backend = get_backend()
    backend.rebuild(batch_size=700)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchentry")
    return {"viewer": employee, "closed": closed, "author": author}


def oracle(viewer_in_closed: bool, needle: str, closed_id: int) -> list[int]:
    """Live posts whose text contains `needle`, that the viewer may read, newest first."""
    posts = Post.objects.filter(deleted_at__isnull=True, body__contains=needle)
    if not viewer_in_closed:
        posts = posts.exclude(community_id=closed_id)
    return list(posts.order_by("-created_at", "-id").values_list("pk", flat=True))


@pytest.mark.parametrize(("q", "needle"), [("Dienstplan", "Dienstplan"),
                                          ('"Raum 2.14"', "Raum 2.14"),
                                          ("Seltenheitswert", "Seltenheitswert")])  # fmt: skip
def test_candidates_are_the_newest_visible_matches(many, settings, q, needle):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 40}
    expected = oracle(False, needle, many["closed"].pk)
    result = get_backend().search(
        SearchRequest(q=q, kinds=("post",), sort="date", limit=50), many["viewer"]
    )
    assert [hit.object_id for hit in result.hits] == expected[:40]
    assert result.total == min(40, len(expected))
    assert result.total_capped == (len(expected) > 40)


def test_entries_of_deleted_posts_never_show_and_mark_the_result_capped(many, settings):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 10}
    newest = oracle(False, "Dienstplan", many["closed"].pk)[:3]
    # Deleted without the services (no signals): the index still holds them.
    Post.objects.filter(pk__in=newest).update(deleted_at=timezone.now())
    request = SearchRequest(q="Dienstplan", kinds=("post",), sort="date", limit=50)
    result = get_backend().search(request, many["viewer"])
    found = [hit.object_id for hit in result.hits]
    assert not set(found) & set(newest)
    # 11 newest candidates, 3 of them dead: 8 come back, and the result says there are more.
    assert found == oracle(False, "Dienstplan", many["closed"].pk)[:8]
    assert result.total_capped
    indexing.enqueue("post", newest)
    indexing.drain()
    result = get_backend().search(request, many["viewer"])
    assert [h.object_id for h in result.hits] == oracle(False, "Dienstplan", many["closed"].pk)[:10]


def test_members_find_the_closed_community_too(many, settings):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 40}
    result = get_backend().search(
        SearchRequest(q="Dienstplan", kinds=("post",), sort="date", limit=50), many["author"]
    )
    assert [hit.object_id for hit in result.hits] == oracle(True, "Dienstplan", 0)[:40]


def test_load_after_reads_batches_in_id_order_without_deleted_posts(many):
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    Post.objects.filter(pk=ids[1]).update(deleted_at=timezone.now())
    batch = documents.load_after("post", ids[0] - 1, 3)
    assert [doc.object_id for doc in batch] == [ids[0], ids[2], ids[3]]
    assert documents.load_after("post", ids[-1], 3) == []


# --- PostgreSQL: the walk, its estimate and the session ----------------------------------------


def _stats(shares: dict[str, float], floor: float = 0.001) -> LexemeStats:
    stats = LexemeStats()
    stats.refresh = lambda: None  # type: ignore[method-assign]
    stats.shares, stats.floor = shares, floor
    return stats


def test_estimated_share_of_words_phrases_compounds_and_prefixes(db):
    stats = _stats({"raum": 0.1, "2": 0.2, "14": 0.1, "kita": 0.01, "platz": 0.02, "dank": 0.3})
    assert stats.estimated_share(parse('"Raum 2.14"')) == pytest.approx(0.1)  # no independence
    assert stats.estimated_share(parse("Raum Kita")) == pytest.approx(0.01)  # AND: the rarer
    kitaplatz = stats.estimated_share(parse("Kitaplatz"))  # a rare word, or both parts
    assert kitaplatz == pytest.approx(max(0.001, 0.01 * 0.02))
    assert stats.estimated_share(parse("da*")) == pytest.approx(0.3)
    assert stats.estimated_share(parse("Raum -Kita")) == pytest.approx(0.1)
    assert _stats({}, floor=0.0).estimated_share(parse("Irgendwas")) == 0.0


def _candidate_sql(backend, request, viewer) -> list[str]:
    captured: list[str] = []

    def capture(execute, sql, params, many, context):
        if "search_searchentry" in sql and '"live"' in sql:
            captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        backend.search(request, viewer)
    return captured


@on_postgres
def test_common_words_walk_the_date_index_and_find_the_same(many, settings, monkeypatch):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 40}
    backend = get_backend()
    request = SearchRequest(q='"Raum 2.14"', kinds=("post",), sort="date", limit=50)
    monkeypatch.setattr(backend, "stats", _stats({}, floor=0.0))
    by_planner = backend.search(request, many["viewer"])
    assert "ts_match_vq" not in _candidate_sql(backend, request, many["viewer"])[0]
    monkeypatch.setattr(backend, "stats", _stats({"raum": 0.5, "2": 0.5, "14": 0.5}))
    (sql,) = _candidate_sql(backend, request, many["viewer"])
    assert "ts_match_vq" in sql
    walked = backend.search(request, many["viewer"])
    assert [h.object_id for h in walked.hits] == [h.object_id for h in by_planner.hits]
    assert (walked.total, walked.total_capped) == (by_planner.total, by_planner.total_capped)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few thousand rows: force indexes
        captured = []

        def capture(execute, sql, params, many_, context):
            if '"live"' in sql:
                captured.append((sql, params))
            return execute(sql, params, many_, context)

        with connection.execute_wrapper(capture):
            backend.search(request, many["viewer"])
        cursor.execute("EXPLAIN " + captured[0][0], captured[0][1])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_new" in plan
    assert "Bitmap Index Scan on search_entry_vector" not in plan


@on_postgres
def test_filters_that_thin_the_walk_keep_the_planner(many, monkeypatch):
    backend = get_backend()
    monkeypatch.setattr(backend, "stats", _stats({"dienstplan": 0.9}))
    for request in (
        SearchRequest(q="Dienstplan", kinds=("person",)),
        SearchRequest(q="Dienstplan", community=many["closed"].pk),
        SearchRequest(q="Dienstplan", author=many["author"].pk),
    ):
        (sql,) = _candidate_sql(backend, request, many["viewer"])
        assert "ts_match_vq" not in sql


@on_postgres
def test_searches_run_without_jit_and_with_custom_plans(transactional_db):
    backend = get_backend()
    with backend.reading(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("off", "force_custom_plan")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("auto",)


@on_postgres
def test_lexeme_stats_read_postgres_statistics(many):
    stats = LexemeStats()
    stats.refresh()
    assert stats.shares["dienstplan"] == pytest.approx(1.0, abs=0.05)
    assert 0 < stats.floor <= min(stats.shares.values())
