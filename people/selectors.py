"""Reads of the people directory, profiles, follows and the department tree.

Every list is keyset-paginated and loads its relations up front, so a page costs the same
number of queries for 1 or 100 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from people.models import Department, Employee, Follow
from people.permissions import access_department, access_employee, contact_visible_q
from wilma.errors import InvalidInput
from wilma.pagination import PageResult, paginate

NAME_ORDER = ("last_name", "first_name", "id")
# A name query is split into at most this many words; the rest stays in the last word.
MAX_NAME_WORDS = 5
# taggit's manager supports prefetching, but django-stubs cannot tell: name it once here.
SKILLS: str = "skills"


def employee_cards() -> QuerySet[Employee]:
    """Active employees with what an employee card shows, loaded in constant queries."""
    return (
        Employee.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related(SKILLS)
    )


def name_matches(q: str) -> Q:
    """Employees whose name starts with `q`: first, last or display name; with several words,
    first name + last name in either order ("Max Mu" finds Max Mustermann)."""
    words = q.split(maxsplit=MAX_NAME_WORDS - 1)
    if not words:
        return Q()
    text = " ".join(words)
    match = (
        Q(first_name__istartswith=text)
        | Q(last_name__istartswith=text)
        | Q(display_name__istartswith=text)
    )
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        match |= Q(first_name__istartswith=head, last_name__istartswith=tail)
        match |= Q(last_name__istartswith=head, first_name__istartswith=tail)
    return match


def _members(department: Department, *, subtree: bool) -> Q:
    if subtree:
        return Q(department__path__startswith=department.path)
    return Q(department=department)


def directory(
    viewer: Employee,
    *,
    department_id: int | None = None,
    skill: str | None = None,
    location: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> PageResult[Employee]:
    """One page of the active employees, by name, filtered by department subtree, skill
    (exact, case-insensitive), location (substring, only where the viewer may see it) and
    name prefix."""
    qs = employee_cards()
    if department_id is not None:
        department = Department.objects.filter(pk=department_id).first()
        if department is None:
            raise InvalidInput(fields={"department_id": [_("Unbekannte Organisationseinheit.")]})
        qs = qs.filter(_members(department, subtree=True))
    if skill:
        tagged = Employee.objects.filter(skills__name__iexact=skill.strip()).values("pk")
        qs = qs.filter(pk__in=tagged)
    if location:
        qs = qs.filter(contact_visible_q(viewer, "location"), location__icontains=location.strip())
    if q:
        qs = qs.filter(name_matches(q))
    return paginate(qs, order=NAME_ORDER, cursor=cursor, limit=limit)


# --- Profiles and follows -------------------------------------------------------------------


def _count(queryset: QuerySet[Follow], key: str) -> Coalesce:
    counted = queryset.values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def profile_queryset(viewer: Employee) -> QuerySet[Employee]:
    """Employees with everything a profile shows: department, skills, active deputies,
    follower and following counts (active employees only) and whether the viewer follows."""
    deputies = employee_cards().order_by(*NAME_ORDER)
    return (
        Employee.objects.select_related("department")
        .prefetch_related(SKILLS, Prefetch("deputies", queryset=deputies))
        .annotate(
            follower_count=_count(
                Follow.objects.filter(followed=OuterRef("pk"), follower__is_active=True),
                "followed",
            ),
            following_count=_count(
                Follow.objects.filter(follower=OuterRef("pk"), followed__is_active=True),
                "follower",
            ),
            followed_by_me=Exists(Follow.objects.filter(follower=viewer, followed=OuterRef("pk"))),
        )
    )


def employee_detail(viewer: Employee, id_or_username: str | int) -> Employee:
    """The employee's profile as loaded by `profile_queryset`, if the viewer may see them."""
    return access_employee(viewer, id_or_username, queryset=profile_queryset(viewer))


def followers(
    employee: Employee, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Employee]:
    """The active employees following `employee`, by name."""
    qs = employee_cards().filter(following_set__followed=employee)
    return paginate(qs, order=NAME_ORDER, cursor=cursor, limit=limit)


def following(
    employee: Employee, *, cursor: str | None = None, limit: int | None = None
) -> PageResult[Employee]:
    """The active employees `employee` follows, by name."""
    qs = employee_cards().filter(follower_set__follower=employee)
    return paginate(qs, order=NAME_ORDER, cursor=cursor, limit=limit)


# --- Departments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentNode:
    """A department with its place in the tree and its active members."""

    id: int
    name: str
    short_code: str
    depth: int
    parent_id: int | None
    member_count: int
    total_member_count: int


@dataclass(frozen=True)
class DepartmentDetail:
    id: int
    name: str
    short_code: str
    depth: int
    parent_id: int | None
    member_count: int
    total_member_count: int
    ancestors: list[Department]
    children: list[Department]
    members: PageResult[Employee]


def _parent_path(path: str) -> str:
    return path[: -Department.steplen]


def department_tree() -> list[DepartmentNode]:
    """All departments in tree order (parents before children, siblings sorted), each with
    its direct and its subtree member count. Two queries, whatever the size of the tree."""
    departments = list(
        Department.objects.order_by("path").only("id", "name", "short_code", "path", "depth")
    )
    direct: dict[Any, int] = dict(
        Employee.objects.filter(is_active=True, department__isnull=False)
        .values("department")
        .annotate(n=Count("pk"))
        .values_list("department", "n")
    )
    by_path = {d.path: d for d in departments}
    totals = {d.path: direct.get(d.pk, 0) for d in departments}
    # Deepest first, so each subtree total is complete before it is added to its parent.
    for department in sorted(departments, key=lambda d: d.depth, reverse=True):
        parent_path = _parent_path(department.path)
        if parent_path in totals:
            totals[parent_path] += totals[department.path]
    return [
        DepartmentNode(
            id=d.pk,
            name=d.name,
            short_code=d.short_code,
            depth=d.depth,
            parent_id=by_path[_parent_path(d.path)].pk if d.depth > 1 else None,
            member_count=direct.get(d.pk, 0),
            total_member_count=totals[d.path],
        )
        for d in departments
    ]


def department_detail(
    viewer: Employee,
    department_id: int,
    *,
    subtree: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> DepartmentDetail:
    """A department with its breadcrumb (root first), its sub-units, its member counts and one
    page of its active members (with `subtree`, also those of its sub-units)."""
    department = access_department(viewer, department_id)
    steplen = Department.steplen
    ancestor_paths = [department.path[:i] for i in range(steplen, len(department.path), steplen)]
    ancestors = list(Department.objects.filter(path__in=ancestor_paths).order_by("depth"))
    children = list(
        Department.objects.filter(
            path__startswith=department.path, depth=department.depth + 1
        ).order_by("path")
    )
    counts = Employee.objects.filter(_members(department, subtree=True), is_active=True).aggregate(
        total=Count("pk"), direct=Count("pk", filter=Q(department=department))
    )
    members = paginate(
        employee_cards().filter(_members(department, subtree=subtree)),
        order=NAME_ORDER,
        cursor=cursor,
        limit=limit,
    )
    return DepartmentDetail(
        id=department.pk,
        name=department.name,
        short_code=department.short_code,
        depth=department.depth,
        parent_id=ancestors[-1].pk if ancestors else None,
        member_count=counts["direct"],
        total_member_count=counts["total"],
        ancestors=ancestors,
        children=children,
        members=members,
    )
