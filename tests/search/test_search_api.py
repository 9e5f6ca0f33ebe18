# ruff: noqa: RUF001 - look-alike letters are the point of the hostile-query test
"""`/api/v1/search/` and `/api/v1/search/suggest`: shapes, validation, hostile queries."""

from __future__ import annotations

import pytest

from feed import services as feed_services
from search import indexing
from search.models import SearchEntry
from tests.factories import CommunityFactory, EmployeeFactory, add_member

pytestmark = pytest.mark.embedded

URL = "/search/"


@pytest.fixture
def indexed(org, employee):
    community = CommunityFactory(name="Radlhauptstadt", description="Radverkehr in München")
    add_member(community, employee)
    colleague = EmployeeFactory(
        username="franz.meier", first_name="Franz", last_name="Meier", department=org.kvr
    )
    post = feed_services.create_post(
        author=employee,
        community=community,
        body="Neue Radwege in der Leopoldstraße #Radverkehr",
    )
    indexing.drain()
    return {"community": community, "colleague": colleague, "post": post}


def test_search_answers_with_hits_facets_and_snippets(indexed, client_for, employee):
    response = client_for(employee).get_json(URL, q="Radweg")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 1 and body["total_capped"] is False
    (hit,) = body["results"]
    assert hit["kind"] == "post" and hit["id"] == indexed["post"].pk
    assert hit["author"]["username"] == employee.username
    assert hit["community"]["slug"] == indexed["community"].slug
    assert "<mark>Radwege</mark>" in hit["snippet"]
    assert body["facets"]["kind"] == [{"value": "post", "count": 1}]
    assert body["facets"]["community"] == [
        {"id": indexed["community"].pk, "name": "Radlhauptstadt", "count": 1}
    ]
    assert body["next_offset"] is None


def test_kind_filter_and_people(indexed, client_for, employee):
    body = client_for(employee).get_json(URL, q="Maier", kind="person").json()
    assert [(r["kind"], r["person"]["username"]) for r in body["results"]] == [
        ("person", "franz.meier")
    ]


def test_suggest(indexed, client_for, employee):
    response = client_for(employee).get_json(URL + "suggest", q="Radlh")
    assert response.status_code == 200
    assert [(s["kind"], s["title"]) for s in response.json()] == [("community", "Radlhauptstadt")]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Radweg", "kind": "posts"},
        {"q": "Radweg", "sort": "random"},
        {"q": "Radweg", "limit": 0},
        {"q": "Radweg", "limit": 500},
        {"q": "Radweg", "offset": -1},
        {"q": "Radweg", "offset": 100000},
        {"q": "Radweg", "community": "x"},
        {"q": "Radweg", "since": "gestern"},
        {"q": "Radweg", "since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"q": ""},
        {"q": "x" * 2000},
        {"q": " ".join(["wort"] * 40)},
        {"q": "a\x00b"},
        {},
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(indexed, client_for, employee, params):
    before = SearchEntry.objects.count()
    response = client_for(employee).get_json(URL, **params)
    assert response.status_code in (400, 422), (params, response.status_code)
    assert "error" in response.json()
    assert SearchEntry.objects.count() == before


@pytest.mark.parametrize(
    "q",
    [
        "'",
        '"',
        '""',
        "\\",
        "!",
        "&",
        "|",
        "<->",
        ":*",
        "*",
        "**",
        "-",
        "--",
        "OR",
        "OR OR",
        "Rad:*",
        "Rad & !weg",
        "(Rad | weg)",
        "Rad <-> weg",
        "'Rad' | 'weg'",
        '"Rad',
        'Rad"',
        "NEAR(Rad weg)",
        "title : Rad",
        "{title body} : Rad",
        "^Rad",
        "Rad NOT weg",
        "- Rad",
        "-Radweg",
        "-Radweg -Leopold",
        "🚲",
        "Rad🚲weg",
        "ﬁ",
        "ǅ",
        "İstanbul",
        "Straße‍",
        "\u202eRadweg",
        "a\u0308",
        "𝕽𝖆𝖉𝖜𝖊𝖌",
        "ラジオ",
        "Радиo",
        "x*" * 10,
        "%",
        "_",
        "%%",
        "Radweg" * 20,
    ],
)
def test_hostile_queries_never_fail(indexed, client_for, employee, q):
    response = client_for(employee).get_json(URL, q=q)
    assert response.status_code in (200, 422), (q, response.content)
    if response.status_code == 200:
        body = response.json()
        assert body["total"] == len(body["results"]) or body["next_offset"] is not None
    suggestion = client_for(employee).get_json(URL + "suggest", q=q)
    assert suggestion.status_code in (200, 422), (q, suggestion.content)


def test_unicode_lookalikes_still_find(indexed, client_for, employee):
    body = client_for(employee).get_json(URL, q="LEOPOLDSTRASSE").json()
    assert [r["id"] for r in body["results"]] == [indexed["post"].pk]


def test_requires_authentication(anon):
    assert anon.get_json(URL, q="Radweg").status_code == 401
