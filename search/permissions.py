"""Which index entries a searcher may see: the REST rules, applied when the query runs.

Nothing about access is baked into the index. Communities are checked with the same querysets
as REST (`visible_communities` for the community itself, `readable_communities` for the posts
and comments in it), and the live rows decide about deletion and deactivation, so a permission
change or a deletion counts from the moment it commits, not when the worker gets to it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from communities.permissions import readable_communities, visible_communities
from feed.models import Comment, Post
from people.models import Employee
from people.permissions import is_site_admin


def visible_entries(viewer: Employee) -> Q:
    """A filter on `SearchEntry` for what `viewer` may find."""
    if not viewer.is_active:
        return Q(pk__in=[])
    people = Q(kind="person") & Exists(
        Employee.objects.filter(pk=OuterRef("object_id"), is_active=True)
    )
    communities = Q(kind="community", object_id__in=visible_communities(viewer).values("pk"))
    if is_site_admin(viewer):
        in_readable_place = Q()
    else:
        in_readable_place = Q(community_id__isnull=True) | Q(
            community_id__in=readable_communities(viewer).values("pk")
        )
    posts = (
        Q(kind="post")
        & in_readable_place
        & Exists(Post.objects.filter(pk=OuterRef("object_id"), deleted_at__isnull=True))
    )
    comments = (
        Q(kind="comment")
        & in_readable_place
        & Exists(
            Comment.objects.filter(
                pk=OuterRef("object_id"), deleted_at__isnull=True, post__deleted_at__isnull=True
            )
        )
    )
    return people | communities | posts | comments
