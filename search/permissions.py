"""Which index entries a searcher may see: the REST rules, applied when the query runs.

Nothing about access is baked into the index. Communities are checked with the same querysets
as REST (`visible_communities` for the community itself, `readable_communities` for the posts
and comments in it), and the live rows decide about deletion and deactivation, so a permission
change or a deletion counts from the moment it commits, not when the worker gets to it.

The rule comes in two halves because they cost differently: `visible_places` (where an entry
lives: the viewer's communities, resolved once per query as hashed sets) is cheap for every
row, `live_entries` (a lookup of the live post, comment or employee per entry) is not, so a
search applies it only to its bounded candidates (`search.database`). Together they are
`visible_entries`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from communities.permissions import readable_communities, visible_communities
from feed.models import Comment, Post
from people.models import Employee
from people.permissions import is_site_admin

CONTENT_KINDS = ("post", "comment")


def visible_places(viewer: Employee) -> Q:
    """A filter on `SearchEntry`: entries in places `viewer` may see (communities they may
    see; posts and comments on profiles or in communities they may read). Every person
    passes; whether they are still active is `live_entries`' question."""
    if not viewer.is_active:
        return Q(pk__in=[])
    people = Q(kind="person")
    communities = Q(kind="community", object_id__in=visible_communities(viewer).values("pk"))
    if is_site_admin(viewer):
        return people | communities | Q(kind__in=CONTENT_KINDS)
    in_readable_place = Q(community_id__isnull=True) | Q(
        community_id__in=readable_communities(viewer).values("pk")
    )
    return people | communities | (Q(kind__in=CONTENT_KINDS) & in_readable_place)


def live_entries() -> Q:
    """A filter on `SearchEntry`: entries whose object still exists and may be found (an
    active employee, a post that is not deleted, a comment whose post and itself are not
    deleted), read from the live rows, not from the index."""
    people = Q(kind="person") & Exists(
        Employee.objects.filter(pk=OuterRef("object_id"), is_active=True)
    )
    posts = Q(kind="post") & Exists(
        Post.objects.filter(pk=OuterRef("object_id"), deleted_at__isnull=True)
    )
    comments = Q(kind="comment") & Exists(
        Comment.objects.filter(
            pk=OuterRef("object_id"), deleted_at__isnull=True, post__deleted_at__isnull=True
        )
    )
    return people | Q(kind="community") | posts | comments


def visible_entries(viewer: Employee) -> Q:
    """A filter on `SearchEntry` for what `viewer` may find."""
    if not viewer.is_active:
        return Q(pk__in=[])
    return visible_places(viewer) & live_entries()
