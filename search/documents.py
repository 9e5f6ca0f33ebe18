"""What the index holds for each searchable thing, read from the database in batches.

One place decides which text of a person, a community, a post or a comment is searchable and
under which filters it is found; every adapter indexes these `Document`s. Something that must
not be found any more (a deleted post, a deactivated employee) has no document: the worker
removes it from the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import QuerySet
from taggit.models import TaggedItem

from communities.models import Community
from feed.models import Comment, Post
from people.models import Department, Employee


@dataclass(frozen=True)
class Document:
    kind: str
    object_id: int
    title: str  # a person's or community's name; empty for posts and comments
    body: str
    created_at: datetime
    community_id: int | None = None
    author_id: int | None = None
    department_id: int | None = None
    post_id: int | None = None
    names: str = ""  # a person's family name, for phonetic name matching
    given_names: str = ""  # a person's given names, matched by sound more strictly

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.object_id)


def _department_text(department_ids: Iterable[int | None]) -> dict[int, str]:
    """Each department's name and short code with those of the departments above it, so a
    person in a Sachgebiet is found by the Referat's name and abbreviation too."""
    wanted = {pk for pk in department_ids if pk is not None}
    if not wanted:
        return {}
    paths = dict(Department.objects.filter(pk__in=wanted).values_list("pk", "path"))
    step = Department.steplen
    prefixes = {path[:end] for path in paths.values() for end in range(step, len(path) + 1, step)}
    by_path = {
        path: f"{name} {code}".strip()
        for path, name, code in Department.objects.filter(path__in=prefixes).values_list(
            "path", "name", "short_code"
        )
    }
    return {
        pk: " ".join(by_path.get(path[:end], "") for end in range(step, len(path) + 1, step))
        for pk, path in paths.items()
    }


def _tags(model: type, ids: list[int]) -> dict[int, list[str]]:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    names: dict[int, list[str]] = {}
    rows = TaggedItem.objects.filter(content_type=content_type, object_id__in=ids).values_list(
        "object_id", "tag__name"
    )
    for object_id, name in rows:
        names.setdefault(object_id, []).append(name)
    return names


def _narrow(rows: QuerySet, ids: list[int] | None, after: int, limit: int | None) -> QuerySet:
    """`rows` with these ids, or (ids None) the next `limit` after `after` in id order: a
    rebuild reads by id range, which costs half of reading by a list of 2,000 ids."""
    if ids is not None:
        return rows.filter(pk__in=ids)
    rows = rows.filter(pk__gt=after).order_by("pk")
    return rows[:limit] if limit else rows


def people(
    ids: list[int] | None = None, *, after: int = 0, limit: int | None = None
) -> Iterator[Document]:
    employees = list(_narrow(Employee.objects.filter(is_active=True), ids, after, limit))
    departments = _department_text(e.department_id for e in employees)
    skills = _tags(Employee, [e.pk for e in employees])
    for e in employees:
        # Family and given names are matched by sound in different ways
        # (`search.analysis.person_name_lexemes`).
        words = e.display_name.split()
        surname = e.last_name or (words[-1] if words else "")
        given = e.first_name if e.last_name else " ".join(words[:-1])
        body = "\n".join(
            part
            for part in (
                e.job_title,
                departments.get(e.department_id or 0, ""),
                e.location,
                " ".join(skills.get(e.pk, [])),
                e.about,
            )
            if part
        )
        yield Document(
            kind="person",
            object_id=e.pk,
            title=e.name,
            body=body,
            created_at=e.date_joined,
            department_id=e.department_id,
            names=surname,
            given_names=given,
        )


def communities(
    ids: list[int] | None = None, *, after: int = 0, limit: int | None = None
) -> Iterator[Document]:
    rows = list(_narrow(Community.objects.all(), ids, after, limit))
    departments = _department_text(c.department_id for c in rows)
    tags = _tags(Community, [c.pk for c in rows])
    for c in rows:
        body = "\n".join(
            part
            for part in (
                c.description,
                " ".join(tags.get(c.pk, [])),
                departments.get(c.department_id or 0, ""),
            )
            if part
        )
        yield Document(
            kind="community",
            object_id=c.pk,
            title=c.name,
            body=body,
            created_at=c.created_at,
            community_id=c.pk,
            department_id=c.department_id,
        )


def posts(
    ids: list[int] | None = None, *, after: int = 0, limit: int | None = None
) -> Iterator[Document]:
    rows: QuerySet = Post.objects.filter(deleted_at__isnull=True).values_list(
        "pk", "body", "created_at", "community_id", "author_id", "author__department_id"
    )
    rows = _narrow(rows, ids, after, limit)
    for pk, body, created_at, community_id, author_id, department_id in rows:
        yield Document(
            kind="post",
            object_id=pk,
            title="",
            body=body,
            created_at=created_at,
            community_id=community_id,
            author_id=author_id,
            department_id=department_id,
            post_id=pk,
        )


def comments(
    ids: list[int] | None = None, *, after: int = 0, limit: int | None = None
) -> Iterator[Document]:
    rows: QuerySet = Comment.objects.filter(
        deleted_at__isnull=True, post__deleted_at__isnull=True
    ).values_list(
        "pk",
        "body",
        "created_at",
        "post__community_id",
        "author_id",
        "author__department_id",
        "post_id",
    )
    rows = _narrow(rows, ids, after, limit)
    for pk, body, created_at, community_id, author_id, department_id, post_id in rows:
        yield Document(
            kind="comment",
            object_id=pk,
            title="",
            body=body,
            created_at=created_at,
            community_id=community_id,
            author_id=author_id,
            department_id=department_id,
            post_id=post_id,
        )


LOADERS = {"person": people, "community": communities, "post": posts, "comment": comments}
MODELS: dict[str, type[models.Model]] = {
    "person": Employee,
    "community": Community,
    "post": Post,
    "comment": Comment,
}


def load(kind: str, ids: list[int]) -> list[Document]:
    """The documents of these objects; objects that must not be found are left out."""
    return list(LOADERS[kind](ids))


def load_after(kind: str, after: int, limit: int) -> list[Document]:
    """The documents of the next `limit` objects of this kind that may be found, with ids
    above `after`, in id order (a rebuild's batches)."""
    return list(LOADERS[kind](after=after, limit=limit))
