"""Every write to announcements: editors, publishing, editing, withdrawing, acknowledging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from announcements import events
from announcements.models import Announcement, AnnouncementAck, DepartmentEditor
from announcements.permissions import (
    can_manage_announcement,
    can_publish_to,
    is_addressee,
    is_site_admin,
)
from feed.markdown import render_markdown
from people.models import Department, Employee
from realtime.events import notify_user_access_changed
from wilma.errors import Conflict, Forbidden, InvalidInput, NotFound

TITLE_MAX_LENGTH = Announcement._meta.get_field("title").max_length or 200


# --- Editors --------------------------------------------------------------------------------


def _require_admin(user: Employee) -> None:
    if not is_site_admin(user):
        raise Forbidden(_("Nur Admins dürfen Redakteur*innen benennen."), code="admins_only")


def appoint_editor(
    *, admin: Employee, department: Department, employee: Employee
) -> DepartmentEditor:
    """Name an employee editor of a department: they may then publish announcements to its
    subtree. Idempotent; only site admins (403), only active employees (422)."""
    _require_admin(admin)
    if not employee.is_active:
        raise InvalidInput(
            fields={"employee_id": [_("Diese Person ist nicht aktiv.")]}, code="inactive_employee"
        )
    try:
        with transaction.atomic():
            editor, _created = DepartmentEditor.objects.get_or_create(
                department=department, employee=employee, defaults={"appointed_by": admin}
            )
    except IntegrityError:  # a concurrent appointment won
        editor = DepartmentEditor.objects.get(department=department, employee=employee)
    return editor


def remove_editor(*, admin: Employee, department: Department, employee: Employee) -> bool:
    """Withdraw an editor appointment (idempotent). Returns whether one was removed."""
    _require_admin(admin)
    deleted, _details = DepartmentEditor.objects.filter(
        department=department, employee=employee
    ).delete()
    if deleted:
        # They may no longer read the announcement streams of the units they edited.
        notify_user_access_changed(employee.pk)
    return bool(deleted)


# --- Announcements --------------------------------------------------------------------------


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(
            fields={
                "title": [
                    _("Bitte einen Titel angeben (höchstens %(n)d Zeichen).")
                    % {"n": TITLE_MAX_LENGTH}
                ]
            }
        )
    return title


def clean_body(body: str) -> str:
    limit = int(settings.WILMA["ANNOUNCEMENT_MAX_LENGTH"])
    if not body.strip() or len(body) > limit:
        raise InvalidInput(
            fields={
                "body": [_("Bitte einen Text angeben (höchstens %(n)d Zeichen).") % {"n": limit}]
            }
        )
    return body


def clean_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at <= timezone.now():
        raise InvalidInput(
            fields={"expires_at": [_("Das Ablaufdatum muss in der Zukunft liegen.")]}
        )
    return expires_at


def _forbidden_target(department: Department | None) -> Forbidden:
    if department is None:
        return Forbidden(
            _("Nur Admins dürfen Ankündigungen an alle veröffentlichen."), code="not_editor"
        )
    return Forbidden(
        _("Sie dürfen für diese Organisationseinheit keine Ankündigungen veröffentlichen."),
        code="not_editor",
    )


@transaction.atomic
def publish_announcement(
    *,
    author: Employee,
    title: str,
    body: str,
    department: Department | None = None,
    expires_at: datetime | None = None,
    requires_ack: bool = False,
) -> Announcement:
    """Publish an announcement to a department subtree (or, without department, to everyone).
    Admins publish anywhere, editors within the subtrees they edit (403 otherwise). It shows on
    top of the addressees' home feeds until `expires_at`."""
    if not can_publish_to(author, department):
        raise _forbidden_target(department)
    body = clean_body(body)
    announcement = Announcement.objects.create(
        author=author,
        department=department,
        title=clean_title(title),
        body=body,
        body_html=render_markdown(body),
        expires_at=clean_expiry(expires_at),
        requires_ack=requires_ack,
    )
    events.announcement_published(announcement)
    return announcement


EDITABLE_FIELDS = frozenset({"title", "body", "expires_at", "requires_ack"})


@transaction.atomic
def edit_announcement(
    *, editor: Employee, announcement: Announcement, **changes: Any
) -> Announcement:
    """Change title, body, expiry (null: never expires) or whether acknowledgement is required.
    The target cannot change: withdraw and publish anew. Acknowledgements already given stay."""
    if not can_manage_announcement(editor, announcement):
        raise _forbidden_target(announcement.department)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(
            fields={f: [_("Dieses Feld kann nicht geändert werden.")] for f in sorted(unknown)}
        )
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.deleted_at is not None:
        raise NotFound(_("Ankündigung nicht gefunden."))
    if "title" in changes:
        locked.title = clean_title(changes["title"])
    if "body" in changes:
        locked.body = clean_body(changes["body"])
        locked.body_html = render_markdown(locked.body)
    if "expires_at" in changes:
        locked.expires_at = clean_expiry(changes["expires_at"])
    if "requires_ack" in changes:
        locked.requires_ack = bool(changes["requires_ack"])
    if changes:
        locked.edited_at = timezone.now()
        locked.save()
        events.announcement_edited(locked)
    return locked


def withdraw_announcement(*, actor: Employee, announcement: Announcement) -> None:
    """Withdraw (soft-delete) an announcement: it disappears from every feed at once.
    Idempotent; acknowledgements are kept for the record."""
    if not can_manage_announcement(actor, announcement):
        raise _forbidden_target(announcement.department)
    with transaction.atomic():
        withdrawn = Announcement.objects.filter(pk=announcement.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
        if withdrawn:
            events.announcement_withdrawn(announcement)


def acknowledge(*, employee: Employee, announcement: Announcement) -> AnnouncementAck:
    """Confirm having read an announcement that asks for it (idempotent: the first
    confirmation's time is kept). Only addressees (403 `not_addressee`); announcements that ask
    for no confirmation answer 409 `ack_not_required`."""
    if announcement.deleted_at is not None:
        raise NotFound(_("Ankündigung nicht gefunden."))
    if not is_addressee(employee, announcement):
        raise Forbidden(_("Diese Ankündigung richtet sich nicht an Sie."), code="not_addressee")
    if not announcement.requires_ack:
        raise Conflict(
            _("Diese Ankündigung verlangt keine Lesebestätigung."), code="ack_not_required"
        )
    try:
        with transaction.atomic():
            ack, _created = AnnouncementAck.objects.get_or_create(
                announcement=announcement, employee=employee
            )
    except IntegrityError:  # a concurrent confirmation won
        ack = AnnouncementAck.objects.get(announcement=announcement, employee=employee)
    return ack
