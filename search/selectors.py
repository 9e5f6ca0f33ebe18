"""Running a search for a viewer and dressing its hits for the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from communities.models import Community
from feed.models import Comment, Post
from people.models import Department, Employee
from search.backends import SearchBackend, get_backend
from search.query import SearchHit, SearchResult, clean_request


def search(viewer: Employee, backend: SearchBackend | None = None, **params: Any) -> dict:
    request = clean_request(**params)
    result = (backend or get_backend()).search(request, viewer)
    return {
        "total": result.total,
        "total_capped": result.total_capped,
        "results": _dress(result.hits),
        "facets": _facets(result),
        "next_offset": result.next_offset,
    }


def suggest(
    viewer: Employee, q: str, limit: int | None, backend: SearchBackend | None = None
) -> list[dict]:
    size = min(
        limit or settings.WILMA["SEARCH_SUGGEST_LIMIT"], settings.WILMA["SEARCH_SUGGEST_LIMIT"]
    )
    hits = (backend or get_backend()).suggest(q, viewer, size)
    return [
        {
            "kind": item["kind"],
            "id": item["id"],
            "title": item["title"],
            "person": item["person"],
            "community": item["community"],
        }
        for item in _dress(hits)
    ]


def _dress(hits: list[SearchHit]) -> list[dict]:
    """Attach the people, communities and authors the hits refer to: one query per kind."""
    ids: dict[str, set[int]] = {
        "person": set(),
        "community": set(),
        "post": set(),
        "comment": set(),
    }
    for hit in hits:
        ids[hit.kind].add(hit.object_id)
    posts = {
        p.pk: p
        for p in Post.objects.filter(pk__in=ids["post"]).select_related(
            "author__department", "community"
        )
    }
    comments = {
        c.pk: c
        for c in Comment.objects.filter(pk__in=ids["comment"]).select_related(
            "author__department", "post__community"
        )
    }
    people = {
        e.pk: e for e in Employee.objects.filter(pk__in=ids["person"]).select_related("department")
    }
    communities = {c.pk: c for c in Community.objects.filter(pk__in=ids["community"])}
    dressed = []
    for hit in hits:
        item: dict[str, Any] = {
            "kind": hit.kind,
            "id": hit.object_id,
            "score": round(hit.score, 6),
            "created_at": hit.created_at,
            "title": hit.title,
            "snippet": hit.snippet,
            "person": people.get(hit.object_id) if hit.kind == "person" else None,
            "community": communities.get(hit.object_id) if hit.kind == "community" else None,
            "author": None,
            "post_id": None,
        }
        if hit.kind == "post" and hit.object_id in posts:
            post = posts[hit.object_id]
            item.update(author=post.author, community=post.community, post_id=post.pk)
        elif hit.kind == "comment" and hit.object_id in comments:
            comment = comments[hit.object_id]
            item.update(
                author=comment.author, community=comment.post.community, post_id=comment.post_id
            )
        dressed.append(item)
    return dressed


def _facets(result: SearchResult) -> dict:
    facets = result.facets
    department_names = dict(
        Department.objects.filter(
            pk__in=[int(k) for k in facets.get("department", {})]
        ).values_list("pk", "name")
    )
    community_names = dict(
        Community.objects.filter(pk__in=[int(k) for k in facets.get("community", {})]).values_list(
            "pk", "name"
        )
    )

    def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    return {
        "kind": [{"value": k, "count": n} for k, n in ranked(facets.get("kind", {}))],
        "department": [
            {"id": int(k), "name": department_names.get(int(k), ""), "count": n}
            for k, n in ranked(facets.get("department", {}))
        ],
        "community": [
            {"id": int(k), "name": community_names.get(int(k), ""), "count": n}
            for k, n in ranked(facets.get("community", {}))
        ],
    }
