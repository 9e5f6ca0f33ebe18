"""Reads of announcements: what an employee sees on top of the home feed, what an editor
manages, who edits a department, and the acknowledgement report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from announcements.models import Announcement, AnnouncementAck, DepartmentEditor
from announcements.permissions import addressed_to_q, managed_q, path_prefixes
from people.models import Department, Employee
from wilma.errors import InvalidInput
from wilma.pagination import PageResult, paginate

NEWEST_FIRST = ("-created_at", "-id")
BY_NAME = ("last_name", "first_name", "id")


def _acknowledged_by(employee: Employee) -> Exists:
    return Exists(AnnouncementAck.objects.filter(announcement=OuterRef("pk"), employee=employee))


def active_announcements_for(employee: Employee) -> QuerySet[Announcement]:
    """The announcements shown on top of the employee's home feed: not withdrawn, not expired,
    addressed to everyone or to the employee's department or one of its ancestors; newest
    first, annotated with `acknowledged_by_me`."""
    if not employee.is_active:
        return Announcement.objects.none()
    now = timezone.now()
    return (
        Announcement.objects.filter(deleted_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(addressed_to_q(employee.department))
        .annotate(acknowledged_by_me=_acknowledged_by(employee))
        .order_by(*NEWEST_FIRST)
    )


def my_announcements(
    employee: Employee, *, cursor: str | None, limit: int | None
) -> PageResult[Announcement]:
    """One page of `active_announcements_for(employee)`, authors loaded."""
    page: PageResult[Announcement] = paginate(
        active_announcements_for(employee).select_related("author__department", "department"),
        order=NEWEST_FIRST,
        cursor=cursor,
        limit=limit,
    )
    return page


def managed_announcements(
    user: Employee, *, cursor: str | None, limit: int | None
) -> PageResult[Announcement]:
    """Announcements the user may manage (admins: all), expired ones included, newest first."""
    qs = (
        Announcement.objects.filter(deleted_at__isnull=True)
        .filter(managed_q(user))
        .select_related("author__department", "department")
        .annotate(acknowledged_by_me=_acknowledged_by(user))
    )
    page: PageResult[Announcement] = paginate(qs, order=NEWEST_FIRST, cursor=cursor, limit=limit)
    return page


def announcement_detail(viewer: Employee, announcement: Announcement) -> Announcement:
    """One announcement as the viewer sees it (author loaded, own acknowledgement marked)."""
    loaded = (
        Announcement.objects.select_related("author__department", "department")
        .annotate(acknowledged_by_me=_acknowledged_by(viewer))
        .get(pk=announcement.pk)
    )
    return loaded


def department_editors(department: Department) -> list[DepartmentEditor]:
    """Who edits announcements for this department: appointed here or for an ancestor."""
    return list(
        DepartmentEditor.objects.filter(department__path__in=path_prefixes(department))
        .select_related("employee__department", "department")
        .order_by("department__path", "employee__last_name", "employee__first_name", "id")
    )


# --- Acknowledgement report -------------------------------------------------------------------


@dataclass
class DepartmentAcks:
    """Addressees and confirmations in one department: its own members, and its whole subtree."""

    department: Department | None
    addressees: int = 0
    confirmed: int = 0
    subtree_addressees: int = 0
    subtree_confirmed: int = 0

    @property
    def missing(self) -> int:
        return self.addressees - self.confirmed

    @property
    def subtree_missing(self) -> int:
        return self.subtree_addressees - self.subtree_confirmed


@dataclass
class AckReport:
    announcement: Announcement
    addressees: int
    confirmed: int
    departments: list[DepartmentAcks]
    missing_people: list[Employee] = field(default_factory=list)
    next_cursor: str | None = None

    @property
    def missing(self) -> int:
        return self.addressees - self.confirmed


def addressees_of(announcement: Announcement) -> QuerySet[Employee]:
    """The active employees an announcement is addressed to."""
    employees = Employee.objects.filter(is_active=True)
    if announcement.department is not None:
        employees = employees.filter(department__path__startswith=announcement.department.path)
    return employees


def acknowledgement_report(
    announcement: Announcement,
    *,
    department: Department | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> AckReport:
    """Per department of the target subtree (the whole organisation for announcements to
    everyone): addressees, confirmed and missing, for its own members and its subtree; plus
    one page of the addressees who have not confirmed, by name (only within `department`'s
    subtree if given). Three queries, however large the organisation."""
    target = announcement.department
    departments = Department.objects.order_by("path")
    if target is not None:
        departments = departments.filter(path__startswith=target.path)
    rows: dict[int | None, DepartmentAcks] = {d.pk: DepartmentAcks(d) for d in departments}

    addressees = addressees_of(announcement)
    # One row per addressee: the join keeps only this announcement's acknowledgement.
    counts = (
        addressees.annotate(
            ack=FilteredRelation(
                "announcement_acks", condition=Q(announcement_acks__announcement=announcement)
            )
        )
        .order_by()
        .values("department_id")
        .annotate(total=Count("pk"), acked=Count("ack__id"))
    )
    totals = [0, 0]
    for item in counts:
        row = rows.get(item["department_id"])
        if row is None:  # employees without department (announcements to everyone)
            row = rows[None] = DepartmentAcks(None)
        row.addressees, row.confirmed = item["total"], item["acked"]
        totals[0] += item["total"]
        totals[1] += item["acked"]

    by_path = {row.department.path: row for row in rows.values() if row.department is not None}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in by_path.values():
        assert row.department is not None
        for prefix in path_prefixes(row.department):
            sums[prefix][0] += row.addressees
            sums[prefix][1] += row.confirmed
    for path, row in by_path.items():
        row.subtree_addressees, row.subtree_confirmed = sums[path]
    if None in rows:
        none_row = rows[None]
        none_row.subtree_addressees, none_row.subtree_confirmed = (
            none_row.addressees,
            none_row.confirmed,
        )

    missing = addressees.exclude(
        Exists(AnnouncementAck.objects.filter(announcement=announcement, employee=OuterRef("pk")))
    ).select_related("department")
    if department is not None:
        missing = missing.filter(department__path__startswith=department.path)
    page = paginate(missing, order=BY_NAME, cursor=cursor, limit=limit)
    return AckReport(
        announcement=announcement,
        addressees=totals[0],
        confirmed=totals[1],
        departments=list(rows.values()),
        missing_people=page.items,
        next_cursor=page.next_cursor,
    )


def department_by_id(department_id: int, *, field: str = "department_id") -> Department:
    """A department named in a request body; 422 on `field` if there is none."""
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise InvalidInput(fields={field: [_("Unbekannte Organisationseinheit.")]})
    return department
