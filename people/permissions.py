"""Who may see whom: employees, their contact data, and departments.

Each rule is written once. `can_see_contact_field` decides for one loaded employee;
`contact_visible_q` is the same rule as a queryset filter, for filters over contact data
(e.g. the directory's location filter must not reveal a hidden location).
"""

from __future__ import annotations

import re

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Q, QuerySet

from people.models import ContactVisibility, Department, Employee
from wilma.errors import NotFound
from wilma.schemas import MAX_ID

# Contact field -> the employee's setting that governs it. The room goes with the location.
CONTACT_VISIBILITY = {
    "email": "email_visibility",
    "phone": "phone_visibility",
    "mobile": "mobile_visibility",
    "location": "location_visibility",
    "room": "location_visibility",
}

# Anything that is not a possible username (or id) cannot name an employee: answer 404 without
# asking the database (this also keeps NUL bytes and oversized strings away from it).
_USERNAME = re.compile(UnicodeUsernameValidator.regex)


def is_site_admin(user: Employee) -> bool:
    return bool(user.is_active and user.is_superuser)


def can_see_employee(viewer: Employee, employee: Employee) -> bool:
    """Active employees are visible to every signed-in employee, inactive ones to admins only."""
    if not viewer.is_active:
        return False
    return employee.is_active or is_site_admin(viewer)


def employee_lookup(id_or_username: str | int) -> Q | None:
    """The filter naming one employee by id (all digits) or username; None if it names nobody."""
    ident = str(id_or_username)
    if ident.isascii() and ident.isdigit():
        number = int(ident)
        return Q(pk=number) if 0 < number <= MAX_ID else None
    if len(ident) > 150 or not _USERNAME.match(ident):
        return None
    return Q(username=ident)


def access_employee(
    viewer: Employee,
    id_or_username: str | int,
    *,
    queryset: QuerySet[Employee] | None = None,
) -> Employee:
    """Fetch an employee the viewer may see; missing and hidden answer the same 404.
    `queryset` lets a selector load it with its relations in the same query."""
    lookup = employee_lookup(id_or_username)
    if lookup is None:
        raise NotFound()
    qs = queryset if queryset is not None else Employee.objects.all()
    employee = qs.filter(lookup).first()
    if employee is None or not can_see_employee(viewer, employee):
        raise NotFound()
    return employee


def referat_path(employee: Employee) -> str | None:
    """The tree path of the employee's Referat (the root of their department), if any."""
    if employee.department is None:
        return None
    return employee.department.path[: Department.steplen]


def can_see_contact_field(viewer: Employee, employee: Employee, field: str) -> bool:
    """Whether `viewer` may see `employee`'s contact `field` (see CONTACT_VISIBILITY):
    everyone / same Referat / nobody; the employee themself and site admins always see it."""
    if viewer.pk == employee.pk or is_site_admin(viewer):
        return True
    visibility = getattr(employee, CONTACT_VISIBILITY[field])
    if visibility == ContactVisibility.EVERYONE:
        return True
    if visibility == ContactVisibility.DEPARTMENT:
        own = referat_path(viewer)
        return own is not None and own == referat_path(employee)
    return False


def contact_visible_q(viewer: Employee, field: str) -> Q:
    """`can_see_contact_field` as a filter: the employees whose `field` the viewer may see."""
    if is_site_admin(viewer):
        return Q()
    setting = CONTACT_VISIBILITY[field]
    visible = Q(pk=viewer.pk) | Q(**{setting: ContactVisibility.EVERYONE})
    own = referat_path(viewer)
    if own is not None:
        visible |= Q(**{setting: ContactVisibility.DEPARTMENT, "department__path__startswith": own})
    return visible


def visible_contact(viewer: Employee, employee: Employee) -> dict[str, str | None]:
    """The employee's contact data as the viewer may see it: hidden fields are None."""
    return {
        field: getattr(employee, field) if can_see_contact_field(viewer, employee, field) else None
        for field in CONTACT_VISIBILITY
    }


def access_department(viewer: Employee, department_id: int) -> Department:
    """Departments are visible to every signed-in employee; a missing one answers 404."""
    department = (
        Department.objects.filter(pk=department_id).first() if 0 < department_id <= MAX_ID else None
    )
    if department is None or not viewer.is_active:
        raise NotFound()
    return department
