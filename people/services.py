"""Every write to people, departments, follows and API tokens goes through a function here."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.auth import mint_token, token_digest
from people.images import process_avatar
from people.models import ApiToken, Department, Employee, Follow
from realtime.events import close_user_connections, notify_user_access_changed
from wilma.errors import Conflict, InvalidInput, NotFound

# --- API tokens ------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, employee: Employee, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the secret, which is never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": [_("Bitte einen Namen angeben.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(
            fields={"expires_at": [_("Das Ablaufdatum liegt in der Vergangenheit.")]}
        )
    # Lock the employee row so two concurrent creates cannot both pass the limit check.
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    if employee.api_tokens.count() >= int(settings.WILMA["API_TOKENS_PER_USER"]):
        raise Conflict(
            _("Zu viele API-Tokens. Bitte zuerst ein altes widerrufen."), code="token_limit"
        )
    secret, prefix = mint_token()
    token = ApiToken.objects.create(
        employee=employee,
        name=name,
        prefix=prefix,
        digest=token_digest(secret),
        expires_at=expires_at,
    )
    return token, secret


def revoke_api_token(*, employee: Employee, token_id: int) -> None:
    """Delete one of the employee's own tokens; another's token id answers 404."""
    deleted, _details = ApiToken.objects.filter(pk=token_id, employee=employee).delete()
    if not deleted:
        raise NotFound()


# --- Departments -----------------------------------------------------------------------------


def _clean_code(short_code: str) -> str:
    code = short_code.strip()
    if not code or len(code) > 32 or any(ch.isspace() for ch in code):
        raise InvalidInput(fields={"short_code": [_("Kürzel: 1 bis 32 Zeichen ohne Leerzeichen.")]})
    return code


def _clean_name(name: str, field: str = "name", max_length: int = 200) -> str:
    name = name.strip()
    if not name or len(name) > max_length:
        raise InvalidInput(
            fields={
                field: [
                    _("Bitte einen Namen angeben (höchstens %(n)d Zeichen).") % {"n": max_length}
                ]
            }
        )
    return name


@transaction.atomic
def create_department(
    *, name: str, short_code: str, parent: Department | None = None, position: int = 0
) -> Department:
    """Add a unit to the organisation tree, as a root (Referat) or below `parent`."""
    code = _clean_code(short_code)
    if Department.objects.filter(short_code__iexact=code).exists():
        raise Conflict(
            _("Das Kürzel %(code)s ist schon vergeben.") % {"code": code}, code="duplicate_code"
        )
    fields = {"name": _clean_name(name), "short_code": code, "position": max(0, position)}
    if parent is None:
        return Department.objects.add_root(create_kwargs=fields)
    return Department.objects.add_child(parent, create_kwargs=fields)


@transaction.atomic
def update_department(
    *,
    department: Department,
    name: str | None = None,
    short_code: str | None = None,
    position: int | None = None,
) -> Department:
    """Rename or re-code a unit; a new name or position re-sorts it among its siblings."""
    order_changed = False
    if name is not None:
        cleaned = _clean_name(name)
        order_changed = cleaned != department.name
        department.name = cleaned
    if short_code is not None:
        code = _clean_code(short_code)
        if Department.objects.filter(short_code__iexact=code).exclude(pk=department.pk).exists():
            raise Conflict(
                _("Das Kürzel %(code)s ist schon vergeben.") % {"code": code}, code="duplicate_code"
            )
        department.short_code = code
    order_changed = order_changed or (position is not None and position != department.position)
    if position is not None:
        department.position = max(0, position)
    department.save()
    if order_changed:
        _resort(department)
    return Department.objects.get(pk=department.pk)


@transaction.atomic
def move_department(*, department: Department, parent: Department | None) -> Department:
    """Re-hang a unit (with its whole subtree) below `parent`, or make it a root."""
    department = Department.objects.get(pk=department.pk)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)
        if parent.path.startswith(department.path):
            raise InvalidInput(
                fields={"parent": [_("Eine Einheit kann nicht unter sich selbst hängen.")]}
            )
        Department.objects.move(department, parent, "sorted-child")
    else:
        Department.objects.move(
            department, Department.objects.get_first_root_node(), "sorted-sibling"
        )
    # treebeard moves with UPDATEs of the subtree's paths, which send no signals. Saving the
    # moved unit does (as treebeard's own admin does after a move): websockets re-check access
    # that depends on the tree (realtime.signals) and search re-indexes the subtree's people
    # and communities (search.signals).
    moved = Department.objects.get(pk=department.pk)
    moved.save()
    return moved


def _resort(department: Department) -> None:
    """Siblings are ordered by (position, name): moving a unit in place re-sorts it."""
    department = Department.objects.get(pk=department.pk)
    parent = Department.objects.get_parent(department)
    if parent is None:
        Department.objects.move(
            department, Department.objects.get_first_root_node(), "sorted-sibling"
        )
    else:
        Department.objects.move(department, parent, "sorted-child")


@transaction.atomic
def delete_department(*, department: Department) -> None:
    """Remove an empty unit: one with no sub-units, no employees and no communities bound to it."""
    department = Department.objects.get(pk=department.pk)
    if Department.objects.get_children_count(department) or department.employees.exists():
        raise Conflict(_("Die Einheit ist nicht leer."), code="department_not_empty")
    if department.restricted_communities.exists():
        raise Conflict(
            _("Communities sind auf diese Einheit beschränkt."), code="department_in_use"
        )
    department.delete()


# --- Employees (provisioning) -------------------------------------------------------------------

PROVISIONED_FIELDS = (
    "username",
    "personnel_number",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "department",
    "location",
    "room",
    "phone",
)


def create_employee(*, username: str, password: str | None = None, **fields: Any) -> Employee:
    """Create an employee account (from HR provisioning or by an admin). Without a password,
    the account can only sign in once one is set (e.g. by SSO or an admin)."""
    unknown = set(fields) - set(PROVISIONED_FIELDS) - {"is_staff", "is_superuser"}
    if unknown:
        raise InvalidInput(fields={f: [_("Unbekanntes Feld.")] for f in sorted(unknown)})
    employee = Employee(username=username, **fields)
    if password:
        employee.set_password(password)
    else:
        employee.set_unusable_password()
    employee.full_clean(exclude=["password"])
    employee.save()
    return employee


def update_employee(*, employee: Employee, **fields: Any) -> list[str]:
    """Apply HR-managed fields; returns the names of the fields that actually changed."""
    unknown = set(fields) - set(PROVISIONED_FIELDS)
    if unknown:
        raise InvalidInput(fields={f: [_("Unbekanntes Feld.")] for f in sorted(unknown)})
    changed = [name for name, value in fields.items() if getattr(employee, name) != value]
    for name in changed:
        setattr(employee, name, fields[name])
    if changed:
        employee.full_clean(exclude=["password"])
        employee.save(update_fields=changed)
    if "department" in changed:
        # Department-restricted communities may now be closed to them.
        notify_user_access_changed(employee.pk)
    return changed


def set_employee_active(*, employee: Employee, active: bool) -> bool:
    """Activate or deactivate an account. Deactivated employees cannot sign in (sessions and API
    tokens stop working at once) and drop out of the directory. Returns whether it changed."""
    if employee.is_active == active:
        return False
    employee.is_active = active
    employee.save(update_fields=["is_active"])
    if not active:
        close_user_connections(employee.pk)
    return True


# --- Own profile --------------------------------------------------------------------------------

LANGUAGE_CODES = frozenset(code for code in LANG_INFO if len(code) == 2)


def clean_tags(values: list[str], *, field: str, max_count: int) -> list[str]:
    """Trim, de-duplicate (case-insensitively, first spelling wins) and bound a list of tags."""
    max_length = int(settings.WILMA["MAX_TAG_LENGTH"])
    seen: dict[str, str] = {}
    for raw in values:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > max_length or "," in tag:
            raise InvalidInput(
                fields={
                    field: [_("Schlagwort zu lang oder mit Komma: %(tag)s") % {"tag": tag[:60]}]
                }
            )
        seen.setdefault(tag.casefold(), tag)
    if len(seen) > max_count:
        raise InvalidInput(fields={field: [_("Höchstens %(n)d Einträge.") % {"n": max_count}]})
    return list(seen.values())


@transaction.atomic
def update_profile(*, employee: Employee, **changes: Any) -> Employee:
    """Change the employee's own profile: the fields they own (not the HR-managed ones), skills,
    languages, deputies and who may see their contact data."""
    allowed = set(SELF_EDITABLE_FIELDS) | {"skills", "languages", "deputy_ids"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(
            fields={f: [_("Dieses Feld kann nicht geändert werden.")] for f in sorted(unknown)}
        )
    skills = changes.pop("skills", None)
    deputy_ids = changes.pop("deputy_ids", None)
    if "languages" in changes:
        languages = [str(code).lower() for code in changes["languages"]]
        bad = [code for code in languages if code not in LANGUAGE_CODES]
        if bad:
            raise InvalidInput(
                fields={
                    "languages": [
                        _("Unbekannte Sprachcodes: %(codes)s") % {"codes": ", ".join(bad[:5])}
                    ]
                }
            )
        changes["languages"] = list(dict.fromkeys(languages))
    for name, value in changes.items():
        setattr(employee, name, value.strip() if isinstance(value, str) else value)
    if changes:
        # Validate only what the employee changes: HR-managed fields are not theirs to fix.
        untouched = [f.name for f in Employee._meta.concrete_fields if f.name not in changes]
        employee.full_clean(exclude=untouched, validate_unique=False)
        employee.save(update_fields=list(changes))
    if skills is not None:
        employee.skills.set(
            clean_tags(skills, field="skills", max_count=int(settings.WILMA["MAX_SKILLS"]))
        )
    if deputy_ids is not None:
        employee.deputies.set(_clean_deputies(employee, deputy_ids))
    return employee


SELF_EDITABLE_FIELDS = (
    "display_name",
    "location",
    "room",
    "phone",
    "mobile",
    "about",
    "email_visibility",
    "phone_visibility",
    "mobile_visibility",
    "location_visibility",
    "share_presence",
)


def _clean_deputies(employee: Employee, deputy_ids: list[int]) -> list[Employee]:
    ids = list(dict.fromkeys(deputy_ids))
    if employee.pk in ids:
        raise InvalidInput(fields={"deputy_ids": [_("Man kann sich nicht selbst vertreten.")]})
    if len(ids) > int(settings.WILMA["MAX_DEPUTIES"]):
        raise InvalidInput(fields={"deputy_ids": [_("Zu viele Vertretungen.")]})
    deputies = list(Employee.objects.filter(pk__in=ids, is_active=True))
    if len(deputies) != len(ids):
        raise InvalidInput(fields={"deputy_ids": [_("Unbekannte oder inaktive Beschäftigte.")]})
    return deputies


def set_avatar(*, employee: Employee, upload: UploadedFile) -> Employee:
    """Validate an uploaded image by its content, square-crop and resize it, and store it as the
    employee's avatar (replacing and deleting the old file)."""
    content = process_avatar(upload)
    old = employee.avatar.name if employee.avatar else None
    employee.avatar.save(f"{employee.pk}-{secrets.token_hex(6)}.webp", content, save=False)
    employee.save(update_fields=["avatar"])
    if old:
        employee.avatar.storage.delete(old)
    return employee


def remove_avatar(*, employee: Employee) -> Employee:
    """Delete the employee's avatar file and clear the field."""
    if employee.avatar:
        employee.avatar.delete(save=False)
        employee.avatar = None
        employee.save(update_fields=["avatar"])
    return employee


# --- Follows ----------------------------------------------------------------------------------


def follow(*, follower: Employee, followed: Employee) -> bool:
    """Follow a colleague (idempotent). Returns True if a new follow was created."""
    if follower.pk == followed.pk:
        raise InvalidInput(fields={"employee": [_("Man kann sich nicht selbst folgen.")]})
    _obj, created = Follow.objects.get_or_create(follower=follower, followed=followed)
    return created


def unfollow(*, follower: Employee, followed: Employee) -> bool:
    """Stop following (idempotent). Returns True if a follow was removed."""
    deleted, _details = Follow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)


# --- Skills (provisioning) ----------------------------------------------------------------------


def set_skills(*, employee: Employee, skills: list[str]) -> list[str]:
    """Replace the employee's skills with `skills`, trimmed, de-duplicated and bounded like the
    profile's (taggit adds and removes only the difference). Returns the cleaned names."""
    cleaned = clean_tags(skills, field="skills", max_count=int(settings.WILMA["MAX_SKILLS"]))
    employee.skills.set(cleaned)
    return cleaned
