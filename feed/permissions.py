"""Who may read and do what with posts and comments: the one place these rules live.

Reading follows the community rules (`communities.permissions`): a profile post (no
community) is readable by every active employee, a community post by whoever may read the
community's content; deleted posts by nobody. The rule comes three times, side by side, and
the permission-matrix tests check that they agree: `can_read_post` (one post), `readable_posts`
(a queryset for feeds, search and counts) and `post_readers` (the employees who may read one
post, for mentions and notifications).

Acting:
- posting: on one's own profile any active employee; in a community its members (any role)
  and site admins.
- commenting and reacting: whoever may read the post. In private and secret communities only
  members (and admins) read, so only they comment; in a public community any reader may
  comment without joining. Locked comments (409 `comments_locked`) and archived communities
  (409 `archived`) are state, not permission, but `can_comment` answers False for them too;
  reactions stay open on locked posts.
- editing: the author only. Deleting: the author, the community's moderators and owners, site
  admins (on profile posts: the author and admins).
- moderating (pin, lock comments): the community's moderators and owners and site admins; on
  a profile post the author may lock comments, and profile posts cannot be pinned.
- comments: the author edits; the author and whoever moderates the post delete (on a profile
  post that includes the profile's owner).

`access_*` fetch and authorise in one step and answer the same 404 for missing, deleted and
hidden objects, so posts in secret communities cannot be probed by id.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from communities.models import Community, Membership, Visibility
from communities.permissions import (
    can_moderate_community,
    can_read_community_content,
    is_site_admin,
    readable_communities,
    role_in,
)
from feed.models import Comment, Post
from people.models import Employee
from wilma.errors import NotFound
from wilma.schemas import MAX_ID

# --- Reading --------------------------------------------------------------------------------


def can_read_post(user: Employee, post: Post) -> bool:
    if post.deleted_at is not None or not user.is_active:
        return False
    if post.community_id is None:
        return True
    assert post.community is not None
    return can_read_community_content(user, post.community)


def readable_posts(user: Employee) -> QuerySet[Post]:
    """Every post `can_read_post` allows, as one filterable queryset."""
    if not user.is_active:
        return Post.objects.none()
    posts = Post.objects.filter(deleted_at__isnull=True)
    if is_site_admin(user):
        return posts
    return posts.filter(Q(community__isnull=True) | Q(community__in=readable_communities(user)))


def post_readers(post: Post) -> QuerySet[Employee]:
    """The employees `can_read_post` allows for this post, as one queryset (the reverse
    direction: for mentions and notifications)."""
    employees = Employee.objects.filter(is_active=True)
    if post.deleted_at is not None:
        return employees.none()
    community = post.community
    if community is None:
        return employees
    # Members read what they belong to, admins everything; public content also everyone in
    # the community's department subtree (the whole organisation when unrestricted).
    readers = Q(is_superuser=True) | Q(
        pk__in=Membership.objects.filter(community=community).values("employee_id")
    )
    if community.visibility == Visibility.PUBLIC:
        if community.department_id is None:
            return employees
        assert community.department is not None
        readers |= Q(department__path__startswith=community.department.path)
    return employees.filter(readers)


# --- Acting ---------------------------------------------------------------------------------


def can_post_in(user: Employee, community: Community | None) -> bool:
    """Permission only: an archived community is refused by the service (409 `archived`)."""
    if not user.is_active:
        return False
    if community is None:
        return True
    return is_site_admin(user) or role_in(user, community) is not None


def can_edit_post(user: Employee, post: Post) -> bool:
    return post.author_id == user.pk and can_read_post(user, post)


def can_delete_post(user: Employee, post: Post) -> bool:
    if not can_read_post(user, post):
        return False
    if post.author_id == user.pk or is_site_admin(user):
        return True
    return post.community is not None and can_moderate_community(user, post.community)


def can_moderate_post(user: Employee, post: Post) -> bool:
    """Pin and lock comments. On a profile post: its author (locking only) and admins."""
    if not can_read_post(user, post):
        return False
    if post.community is None:
        return post.author_id == user.pk or is_site_admin(user)
    return can_moderate_community(user, post.community)


def _is_archived(post: Post) -> bool:
    return post.community is not None and post.community.is_archived


def can_comment(user: Employee, post: Post) -> bool:
    """Readers comment; private and secret content is read by members (and admins) only, so
    there only members comment, while a public community's readers comment without joining."""
    return not post.comments_locked and not _is_archived(post) and can_read_post(user, post)


def can_react(user: Employee, post: Post) -> bool:
    """Readers react (also on locked posts); archived communities take no reactions."""
    return not _is_archived(post) and can_read_post(user, post)


def can_edit_comment(user: Employee, comment: Comment) -> bool:
    return (
        comment.deleted_at is None
        and comment.author_id == user.pk
        and can_read_post(user, comment.post)
    )


def can_delete_comment(user: Employee, comment: Comment) -> bool:
    if comment.deleted_at is not None or not can_read_post(user, comment.post):
        return False
    return comment.author_id == user.pk or can_moderate_post(user, comment.post)


# --- Fetch and authorise --------------------------------------------------------------------


def _valid_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


def access_post(user: Employee, post_id: int) -> Post:
    """The post if the user may read it; 404 for missing, deleted and hidden posts alike."""
    post = None
    if _valid_id(post_id):
        post = (
            readable_posts(user)
            .select_related("author", "community__department")
            .filter(pk=post_id)
            .first()
        )
    if post is None:
        raise NotFound(_("Beitrag nicht gefunden."))
    return post


def access_comment(user: Employee, comment_id: int) -> Comment:
    """A comment (not deleted) of a post the user may read; 404 otherwise."""
    comment = None
    if _valid_id(comment_id):
        comment = (
            Comment.objects.select_related("author", "post__author", "post__community__department")
            .filter(pk=comment_id, deleted_at__isnull=True, post__in=readable_posts(user))
            .first()
        )
    if comment is None:
        raise NotFound(_("Kommentar nicht gefunden."))
    return comment
