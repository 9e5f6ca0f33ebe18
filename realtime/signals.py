"""Access changes made to an employee row outside the services, and changes of the
organisation tree.

The services tell open websockets themselves (`people.services.update_employee`,
`set_employee_active`). The Django admin's change form, `createsuperuser` and the shell save
the whole row instead, and that is where a site-admin flag is taken away or an account is
switched off. So: for a save of a whole existing row, or one that names `is_superuser`, compare
the access fields with the stored row and, after commit, make the employee's connections
re-check (admin flag removed, department changed) or close (deactivated).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from people.models import Department, Employee
from realtime.events import close_user_connections, notify_org_changed, notify_user_access_changed

ACCESS_FIELDS = ("is_active", "is_superuser", "department_id")
_BEFORE = "_realtime_access_before"


def _watched(instance: Employee, update_fields: Any) -> bool:
    if instance.pk is None or instance._state.adding:
        return False
    # Services save named fields and notify themselves; only `is_superuser` has no service.
    return update_fields is None or "is_superuser" in update_fields


def remember_access(
    sender: Any, instance: Employee, update_fields: Any = None, **kwargs: Any
) -> None:
    if _watched(instance, update_fields):
        stored = Employee.objects.filter(pk=instance.pk).values(*ACCESS_FIELDS).first()
        setattr(instance, _BEFORE, stored)


def notify_access_change(
    sender: Any, instance: Employee, created: bool = False, **kwargs: Any
) -> None:
    before = instance.__dict__.pop(_BEFORE, None)
    if created or before is None:
        return
    if before["is_active"] and not instance.is_active:
        close_user_connections(instance.pk)
    elif (before["is_superuser"] and not instance.is_superuser) or (
        before["department_id"] != instance.department_id
    ):
        notify_user_access_changed(instance.pk)


def notify_org_change(
    sender: Any, instance: Department, created: bool = False, **kwargs: Any
) -> None:
    """A unit was moved or changed (the service and treebeard's admin both save the unit after
    a move): whole subtrees may now be outside restricted communities and unit announcements.
    One broadcast; each connection re-checks only its tree-dependent streams."""
    if not created:
        notify_org_changed()


def connect() -> None:
    post_save.connect(
        notify_org_change, sender=Department, dispatch_uid="realtime.notify_org_change"
    )
    pre_save.connect(remember_access, sender=Employee, dispatch_uid="realtime.remember_access")
    post_save.connect(
        notify_access_change, sender=Employee, dispatch_uid="realtime.notify_access_change"
    )
