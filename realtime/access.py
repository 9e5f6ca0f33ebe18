"""Who may subscribe to a stream: the REST permission rules, applied to stream names."""

from __future__ import annotations

from dataclasses import dataclass

from announcements.permissions import can_publish_to, in_subtree
from communities.models import Community
from communities.permissions import can_read_community_content
from feed.models import Post
from feed.permissions import can_read_post
from people.models import Department, Employee
from realtime.streams import EVERYONE, parse_stream

# Streams whose readers may see each other's presence and typing (docs/realtime.md).
PRESENCE_KINDS = frozenset({"community", "post"})


@dataclass(frozen=True)
class Access:
    """A granted subscription, the community whose rules it depends on (if any), and whether
    it depends on the organisation tree (re-checked when a department moves)."""

    stream: str
    community_id: int | None
    org_dependent: bool = False


def fresh_employee(employee_id: int) -> Employee | None:
    """The employee as the database has them now (a socket may be open for hours)."""
    return Employee.objects.select_related("department").filter(pk=employee_id).first()


def authorize(user: Employee | None, stream: str) -> Access | None:
    """The same rules as REST: `community.<id>` for whoever may read the community's content,
    `post.<id>` for whoever may read the post, `profile.<id>` for every active employee (about
    an active employee), `user.<id>` for that employee only, `announcements.<department id>`
    for whoever may read the announcements addressed to that unit (its subtree's employees and
    those who manage them: `can_see_announcement`), `announcements.all` for every active
    employee. None means "not found": a hidden stream answers exactly like a missing one."""
    parsed = parse_stream(stream)
    if parsed is None or user is None or not user.is_active:
        return None
    kind, pk = parsed
    if kind == "user":
        return Access(stream, None) if pk == user.pk else None
    if kind == "profile":
        exists = Employee.objects.filter(pk=pk, is_active=True).exists()
        return Access(stream, None) if exists else None
    if kind == "announcements":
        return _authorize_announcements(user, stream, pk)
    if kind == "community":
        community = Community.objects.select_related("department").filter(pk=pk).first()
        if community is None or not can_read_community_content(user, community):
            return None
        return Access(stream, community.pk, org_dependent=community.department_id is not None)
    post = Post.objects.select_related("community__department").filter(pk=pk).first()
    if post is None or not can_read_post(user, post):
        return None
    restricted = post.community is not None and post.community.department_id is not None
    return Access(stream, post.community_id, org_dependent=restricted)


def _authorize_announcements(user: Employee, stream: str, department_id: int) -> Access | None:
    """Every announcement on `announcements.<id>` targets that unit, so the stream's rule is
    each announcement's rule: addressees (the unit's subtree) and managers (admins, editors
    of the unit or an ancestor) read it."""
    if department_id == EVERYONE:
        return Access(stream, None)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return None
    if in_subtree(user.department, department) or can_publish_to(user, department):
        return Access(stream, None, org_dependent=True)
    return None


def still_allowed(employee_id: int, streams: list[str]) -> tuple[bool, list[str]]:
    """Re-check subscriptions: whether the employee is still active, and which of `streams`
    they may no longer read."""
    user = fresh_employee(employee_id)
    if user is None or not user.is_active:
        return False, list(streams)
    return True, [stream for stream in streams if authorize(user, stream) is None]
