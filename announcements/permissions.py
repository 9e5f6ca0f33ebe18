"""Who may publish, manage, read and acknowledge announcements.

- Site admins publish anywhere, including to everyone (no department).
- Editors (appointed by an admin for a department) publish to that department's subtree;
  they manage (edit, withdraw, see the report of) every announcement targeted inside it.
- Addressees are the active employees in the target subtree (everyone, without department).
  They read and acknowledge; managers read too. Everyone else gets the same 404 as for a
  missing announcement.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from announcements.models import Announcement, DepartmentEditor
from people.models import Department, Employee
from people.permissions import is_site_admin
from wilma.errors import Conflict, Forbidden, NotFound
from wilma.schemas import MAX_ID


def path_prefixes(department: Department) -> list[str]:
    """The paths of the department and all its ancestors (materialized-path prefixes)."""
    step = Department.steplen
    return [department.path[:end] for end in range(step, len(department.path) + 1, step)]


def in_subtree(department: Department | None, root: Department | None) -> bool:
    """Whether `department` lies in the subtree of `root` (root None: the whole organisation)."""
    if root is None:
        return True
    return department is not None and department.path.startswith(root.path)


def edited_departments(user: Employee) -> QuerySet[Department]:
    """The departments the user was appointed editor of (each stands for its subtree)."""
    return Department.objects.filter(editors__employee=user)


def is_editor_for(user: Employee, department: Department) -> bool:
    """Whether the user edits this department or one of its ancestors (one query)."""
    return DepartmentEditor.objects.filter(
        employee=user, department__path__in=path_prefixes(department)
    ).exists()


def can_publish_to(user: Employee, department: Department | None) -> bool:
    if not user.is_active:
        return False
    if is_site_admin(user):
        return True
    return department is not None and is_editor_for(user, department)


def can_manage_announcement(user: Employee, announcement: Announcement) -> bool:
    """Edit, withdraw and see the acknowledgement report."""
    return can_publish_to(user, announcement.department)


def is_addressee(employee: Employee, announcement: Announcement) -> bool:
    return employee.is_active and in_subtree(employee.department, announcement.department)


def addressed_to_q(department: Department | None, prefix: str = "") -> Q:
    """Announcements addressed to employees of `department` (or, without one, only those to
    everyone): target is everyone, the department or one of its ancestors."""
    scope = Q(**{f"{prefix}department__isnull": True})
    if department is not None:
        scope |= Q(**{f"{prefix}department__path__in": path_prefixes(department)})
    return scope


def managed_q(user: Employee) -> Q:
    """Announcements the user manages, as a filter (editors: targets in their subtrees)."""
    if is_site_admin(user):
        return Q()
    paths = list(edited_departments(user).values_list("path", flat=True))
    if not user.is_active or not paths:
        return Q(pk__in=[])
    scope = Q()
    for path in paths:
        scope |= Q(department__path__startswith=path)
    return scope


def can_see_announcement(user: Employee, announcement: Announcement) -> bool:
    if announcement.deleted_at is not None or not user.is_active:
        return False
    return is_addressee(user, announcement) or can_manage_announcement(user, announcement)


def access_announcement(user: Employee, announcement_id: int) -> Announcement:
    """An announcement (not withdrawn) addressed to the user or managed by them; 404 else."""
    announcement = None
    if 0 < announcement_id <= MAX_ID:
        announcement = (
            Announcement.objects.select_related("author__department", "department")
            .filter(pk=announcement_id, deleted_at__isnull=True)
            .first()
        )
    if announcement is None or not can_see_announcement(user, announcement):
        raise NotFound(_("Ankündigung nicht gefunden."))
    return announcement


def access_managed_announcement(user: Employee, announcement_id: int) -> Announcement:
    """As `access_announcement`, and the user manages it (403 for addressees who do not)."""
    announcement = access_announcement(user, announcement_id)
    if not can_manage_announcement(user, announcement):
        raise Forbidden(
            _("Nur Admins und die Redaktion der Organisationseinheit dürfen das."),
            code="not_editor",
        )
    return announcement


def access_ack_report(user: Employee, announcement_id: int) -> Announcement:
    """As `access_managed_announcement`, for an announcement that asks for acknowledgement
    (409 `ack_not_required` otherwise: there is nothing to report)."""
    announcement = access_managed_announcement(user, announcement_id)
    if not announcement.requires_ack:
        raise Conflict(
            _("Diese Ankündigung verlangt keine Lesebestätigung."), code="ack_not_required"
        )
    return announcement
