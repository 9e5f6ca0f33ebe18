"""Search through the adapter of the database under test (PostgreSQL or SQLite FTS5): what
German queries find, filters, facets, ordering, pagination, snippets and suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feed import services as feed_services
from feed.models import Post
from people.models import Employee
from search import indexing
from search.backends import get_backend
from search.query import SearchRequest
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    EmployeeFactory,
    PostFactory,
    add_member,
)

pytestmark = pytest.mark.embedded


@pytest.fixture
def world(org, employee, other_employee, admin_user):
    """A small German intranet: people, a community and posts written to be found."""
    kita = CommunityFactory(
        name="Kita-Leitungen", slug="kita", description="Austausch der Kitaleitungen im RBS"
    )
    verwaltung = CommunityFactory(
        name="Digitale Verwaltung", slug="digital", description="Digitalisierung im Rathaus"
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
    for member in (employee, other_employee, maier, mueller):
        add_member(kita, member)
        add_member(verwaltung, member)
    posts = {
        "antraege": PostFactory(
            author=maier,
            community=verwaltung,
            body="Die Anträge auf Schulwegkostenfreiheit werden jetzt digital bearbeitet.",
        ),
        "buero": PostFactory(
            author=maier,
            community=verwaltung,
            body="Das Bürgerbüro in der Ruppertstraße hat neue Öffnungszeiten.",
        ),
        "kita": PostFactory(
            author=mueller,
            community=kita,
            body="Wer hat Erfahrung mit der Vergabe von Kitaplätzen? #Kita",
        ),
        "kvr": PostFactory(
            author=employee,
            community=verwaltung,
            body="Das Kreisverwaltungsreferat stellt den digitalen Bauantrag vor.",
        ),
        "phrase": PostFactory(
            author=employee, body="Ein Ausblick auf die digitale Verwaltung von morgen"
        ),
        "other": PostFactory(author=other_employee, body="Verwaltung ist digital geworden."),
    }
    comment = CommentFactory(
        post=posts["kita"], author=maier, body="Im Sachgebiet haben wir gute Erfahrungen gemacht."
    )
    indexing.drain()
    return {
        "kita": kita,
        "verwaltung": verwaltung,
        "maier": maier,
        "mueller": mueller,
        "posts": posts,
        "comment": comment,
        "viewer": Employee.objects.get(pk=employee.pk),
    }


def find(viewer, q, **filters):
    return get_backend().search(SearchRequest(q=q, **filters), viewer)


def keys(result):
    return [(hit.kind, hit.object_id) for hit in result.hits]


def post_ids(result):
    return {hit.object_id for hit in result.hits if hit.kind == "post"}


@pytest.mark.parametrize(
    ("query", "post"),
    [
        ("Antrag", "antraege"),  # inflection
        ("anträgen", "antraege"),
        ("Schulweg", "antraege"),  # compound part
        ("Schulwegkostenfreiheit", "antraege"),
        ("Buergerbuero", "buero"),  # transliteration
        ("Bürgerbüros", "buero"),
        ("Ruppertstrasse", "buero"),  # ß/ss
        ("Kitaplatz", "kita"),
        ("Kita-Platz", "kita"),
        ("KVR", "kvr"),  # abbreviation -> name
        ("Bauanträge", "kvr"),
    ],
)
def test_german_queries_find_their_post(world, query, post):
    assert world["posts"][post].pk in post_ids(find(world["viewer"], query))


def test_name_is_found_by_abbreviation_and_back(world, org):
    result = find(world["viewer"], "Kreisverwaltungsreferat", kinds=("person",))
    # Hans Maier works in KVR-I-1, a unit of the KVR: its name is part of his entry.
    assert ("person", world["maier"].pk) in keys(result)


@pytest.mark.parametrize("query", ["Meier", "Mayer", "Meyer", "maier"])
def test_names_match_by_sound(world, query):
    assert ("person", world["maier"].pk) in keys(find(world["viewer"], query, kinds=("person",)))


@pytest.mark.parametrize("query", ["Mueller", "Muller", "Müller"])
def test_umlaut_names(world, query):
    assert ("person", world["mueller"].pk) in keys(find(world["viewer"], query, kinds=("person",)))


def test_exact_name_ranks_above_sound_alike(world, org):
    meier = EmployeeFactory(
        username="eva.meier", first_name="Eva", last_name="Meier", department=org.rbs
    )
    indexing.drain()
    hits = find(world["viewer"], "Meier", kinds=("person",)).hits
    assert hits[0].object_id == meier.pk
    assert world["maier"].pk in [hit.object_id for hit in hits]


def test_phrase_needs_the_words_in_sequence(world):
    found = post_ids(find(world["viewer"], '"digitale Verwaltung"'))
    assert world["posts"]["phrase"].pk in found
    assert world["posts"]["other"].pk not in found  # "Verwaltung ist digital": wrong order


def test_exclusion_and_or(world):
    both = post_ids(find(world["viewer"], "Verwaltung digital"))
    assert {world["posts"]["phrase"].pk, world["posts"]["other"].pk} <= both
    without = post_ids(find(world["viewer"], "Verwaltung digital -Ausblick"))
    assert world["posts"]["phrase"].pk not in without
    assert world["posts"]["other"].pk in without
    either = post_ids(find(world["viewer"], "Kitaplätze OR Öffnungszeiten"))
    assert {world["posts"]["kita"].pk, world["posts"]["buero"].pk} <= either


def test_prefix(world):
    found = post_ids(find(world["viewer"], "digitalis*"))
    assert found == set()  # no post says "Digitalisierung"; the community does
    result = find(world["viewer"], "digitalis*")
    assert ("community", world["verwaltung"].pk) in keys(result)
    assert world["posts"]["kita"].pk in post_ids(find(world["viewer"], "Erfahr*"))


def test_stop_words_alone_find_nothing(world):
    result = find(world["viewer"], "und die der")
    assert result.hits == [] and result.total == 0


def test_filters(world, org):
    viewer = world["viewer"]
    posts = world["posts"]
    assert post_ids(find(viewer, "digital", community=world["verwaltung"].pk)) == {
        posts["antraege"].pk,
        posts["kvr"].pk,
    }
    by_author = find(viewer, "Erfahrung", author=world["maier"].pk)
    assert keys(by_author) == [("comment", world["comment"].pk)]
    in_kvr = find(viewer, "digital", department=org.kvr.pk, kinds=("post",))
    assert post_ids(in_kvr) == {posts["antraege"].pk, posts["kvr"].pk, posts["phrase"].pk}
    tagged_post = feed_services.create_post(
        author=world["mueller"], community=world["kita"], body="Freie Plätze #Kita"
    )
    indexing.drain()
    # Both posts say "Platz"; only the one created through the service recorded its hashtag.
    assert post_ids(find(viewer, "Platz", hashtag="kita")) == {tagged_post.pk}
    assert post_ids(find(viewer, "Platz", hashtag="KITA")) == {tagged_post.pk}
    Post.objects.filter(pk=posts["other"].pk).update(created_at=timezone.now() - timedelta(days=30))
    indexing.enqueue("post", [posts["other"].pk])
    indexing.drain()
    recent = post_ids(find(viewer, "digital", since=timezone.now() - timedelta(days=1)))
    assert posts["other"].pk not in recent and posts["phrase"].pk in recent
    old = post_ids(find(viewer, "digital", until=timezone.now() - timedelta(days=1)))
    assert old == {posts["other"].pk}


def test_facets_count_what_matched(world, org):
    result = find(world["viewer"], "digital")
    assert result.facets["kind"]["post"] == len(post_ids(result)) == 4
    assert result.facets["kind"]["community"] == 1
    assert result.facets["community"][str(world["verwaltung"].pk)] == 3  # 2 posts + itself
    assert sum(result.facets["department"].values()) <= result.total
    assert result.total == 5 and not result.total_capped


def test_sort_by_date_and_stable_pages(world, settings):
    viewer = world["viewer"]
    by_date = find(viewer, "digital", sort="date", limit=50).hits
    assert [h.created_at for h in by_date] == sorted((h.created_at for h in by_date), reverse=True)
    everything = keys(find(viewer, "digital", limit=50))
    paged, offset = [], 0
    while offset is not None:
        result = find(viewer, "digital", limit=2, offset=offset)
        paged += keys(result)
        offset = result.next_offset
    assert paged == everything


def test_candidate_bound_caps_counts(world, settings):
    settings.WILMA = {**settings.WILMA, "SEARCH_CANDIDATES": 2}
    result = find(world["viewer"], "digital")
    assert result.total == 2 and result.total_capped


def test_snippets_mark_the_matching_words(world):
    hit = next(
        h
        for h in find(world["viewer"], "Antrag Schulweg").hits
        if h.object_id == world["posts"]["antraege"].pk
    )
    assert "<mark>Anträge</mark>" in hit.snippet
    assert "<mark>Schulwegkostenfreiheit</mark>" in hit.snippet


def test_snippets_escape_html(world, employee):
    post = PostFactory(author=employee, body="<script>alert(1)</script> Gefahr im Verzug")
    indexing.drain()
    hit = next(h for h in find(world["viewer"], "Gefahr").hits if h.object_id == post.pk)
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_suggest_people_and_communities_by_name_start(world):
    backend = get_backend()
    titles = [hit.title for hit in backend.suggest("Kita-Lei", world["viewer"], 8)]
    assert "Kita-Leitungen" in titles
    people = backend.suggest("Hans Mai", world["viewer"], 8)
    assert [(h.kind, h.object_id) for h in people] == [("person", world["maier"].pk)]
    # Only names: a word from a job title suggests nobody.
    assert backend.suggest("Erzieh", world["viewer"], 8) == []


def test_comments_are_found_with_their_post(world):
    result = find(world["viewer"], "Sachgebiet Erfahrungen", kinds=("comment",))
    assert keys(result) == [("comment", world["comment"].pk)]


def test_edits_reach_the_index_through_the_queue(world):
    post = world["posts"]["phrase"]
    feed_services.edit_post(editor=post.author, post=post, body="Neuer Text über Fahrradwege")
    assert post.pk in post_ids(find(world["viewer"], "Ausblick"))  # not yet indexed
    indexing.drain()
    assert post.pk not in post_ids(find(world["viewer"], "Ausblick"))
    assert post.pk in post_ids(find(world["viewer"], "Fahrradweg"))


def test_community_rename_and_profile_edits_are_indexed(world):
    kita = world["kita"]
    kita.name = "Kindertagesstätten"
    kita.save()
    maier = world["maier"]
    maier.skills.add("Fischerprüfung")
    indexing.drain()
    assert ("community", kita.pk) in keys(find(world["viewer"], "Kindertagesstätte"))
    assert ("person", maier.pk) in keys(find(world["viewer"], "Fischerprüfung"))


def test_first_names_do_not_sound_like_family_names(world, org):
    marie = EmployeeFactory(
        username="eva-marie.dippel", first_name="Eva-Marie", last_name="Dippel", department=org.rbs
    )
    indexing.drain()
    found = keys(find(world["viewer"], "Meier", kinds=("person",)))
    assert ("person", marie.pk) not in found  # "Marie" and "Meier" share a Kölner key
    assert ("person", world["maier"].pk) in found
    assert ("person", marie.pk) in keys(find(world["viewer"], "Marie", kinds=("person",)))
    # A typo in a given name still finds the person (sound and last letter agree).
    katharina = EmployeeFactory(first_name="Katharina", last_name="Huber", department=org.rbs)
    indexing.drain()
    assert ("person", katharina.pk) in keys(find(world["viewer"], "Katarina Huber"))
