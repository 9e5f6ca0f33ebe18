"""Every write to communities, memberships, join requests and invitations.

Each service checks its permission through `communities.permissions` (404 when the actor cannot
see the community, 403 when they can see it but not act), runs in one transaction and locks the
community row first, so concurrent membership changes (last-owner checks, duplicate requests)
are serialized per community.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from communities import events
from communities import permissions as perms
from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from people.models import Department, Employee
from wilma.errors import Conflict, Forbidden, InvalidInput, NotFound
from wilma.schemas import is_storable_text

DEFAULT_JOIN_POLICY = {
    Visibility.PUBLIC: JoinPolicy.OPEN,
    Visibility.PRIVATE: JoinPolicy.REQUEST,
    Visibility.SECRET: JoinPolicy.INVITATION,
}
UPDATABLE_FIELDS = frozenset(
    {"name", "description", "visibility", "join_policy", "department", "tags"}
)
NAME_MAX_LENGTH = Community._meta.get_field("name").max_length or 120
SLUG_MAX_LENGTH = Community._meta.get_field("slug").max_length or 80
DESCRIPTION_MAX_LENGTH = 10_000
MESSAGE_MAX_LENGTH = 2_000
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def max_tags() -> int:
    return int(settings.WILMA["MAX_COMMUNITY_TAGS"])


# --- Helpers: locking, checks, validation ---------------------------------------------------


def _lock(community: Community) -> Community:
    """Re-read the community under a row lock; every membership change takes this lock first."""
    locked = Community.objects.select_for_update().filter(pk=community.pk).first()
    if locked is None:
        raise NotFound(_("Community nicht gefunden."))
    return locked


def _require_visible(actor: Employee, community: Community) -> None:
    if not perms.can_see_community(actor, community):
        raise NotFound(_("Community nicht gefunden."))


def _require_moderator(actor: Employee, community: Community) -> None:
    _require_visible(actor, community)
    if not perms.can_moderate_community(actor, community):
        raise Forbidden(_("Nur Moderation und Eigentümer*innen dürfen das."))


def _require_administrator(actor: Employee, community: Community) -> None:
    _require_visible(actor, community)
    if not perms.can_administer_community(actor, community):
        raise Forbidden(_("Nur Eigentümer*innen dürfen das."))


def _require_not_archived(community: Community) -> None:
    if community.is_archived:
        raise Conflict(_("Die Community ist archiviert."), code="archived")


def _membership(community: Community, employee: Employee) -> Membership | None:
    return Membership.objects.filter(community=community, employee=employee).first()


def _require_not_member(community: Community, employee: Employee) -> None:
    if _membership(community, employee) is not None:
        raise Conflict(_("Bereits Mitglied dieser Community."), code="already_member")


def _require_other_owner(community: Community, membership: Membership) -> None:
    """Refuse to take away the last owner (call with the community row locked)."""
    if membership.role != Role.OWNER:
        return
    owners = Membership.objects.filter(community=community, role=Role.OWNER)
    if not owners.exclude(pk=membership.pk).exists():
        raise Conflict(
            _("Die letzte Eigentümerin bzw. der letzte Eigentümer kann nicht gehen."),
            code="last_owner",
        )


def _clean_text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(fields={field: [_("Bitte einen Text angeben.")]})
    value = value.strip()
    if required and not value:
        raise InvalidInput(fields={field: [_("Dieses Feld darf nicht leer sein.")]})
    if len(value) > max_length:
        raise InvalidInput(fields={field: [_("Höchstens %(max)d Zeichen.") % {"max": max_length}]})
    if not is_storable_text(value):
        raise InvalidInput(fields={field: [_("Enthält unzulässige Zeichen.")]})
    return value


def _clean_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise InvalidInput(fields={"tags": [_("Bitte eine Liste von Schlagwörtern angeben.")]})
    max_length = int(settings.WILMA["MAX_TAG_LENGTH"])
    cleaned: dict[str, str] = {}
    for tag in tags:
        name = _clean_text(tag, "tags", max_length)
        if name:
            cleaned.setdefault(name.casefold(), name)
    if len(cleaned) > max_tags():
        raise InvalidInput(
            fields={"tags": [_("Höchstens %(max)d Schlagwörter.") % {"max": max_tags()}]}
        )
    return list(cleaned.values())


def _clean_choice(value: Any, field: str, choices: type[Visibility] | type[JoinPolicy]) -> str:
    if value not in choices.values:
        raise InvalidInput(fields={field: [_("Ungültiger Wert.")]})
    return str(value)


def _check_policy(visibility: str, join_policy: str) -> None:
    """The model's check constraints, as a clear 422 instead of an IntegrityError."""
    if visibility == Visibility.SECRET and join_policy != JoinPolicy.INVITATION:
        raise InvalidInput(
            fields={"join_policy": [_("Geheimen Communities tritt man nur auf Einladung bei.")]}
        )
    if visibility == Visibility.PRIVATE and join_policy == JoinPolicy.OPEN:
        raise InvalidInput(
            fields={"join_policy": [_("Private Communities können nicht offen sein.")]}
        )


def _check_department(department: Any) -> Department | None:
    if department is not None and not isinstance(department, Department):
        raise InvalidInput(fields={"department": [_("Ungültige Organisationseinheit.")]})
    return department


def unique_slug(name: str) -> str:
    """A free slug for `name`: German umlauts spelled out, ASCII only, `-2`, `-3`... if taken."""
    base = slugify(name.translate(_UMLAUTS))[: SLUG_MAX_LENGTH - 6].strip("-") or "community"
    taken = set(Community.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _add_member(
    community: Community, employee: Employee, *, role: str = Role.MEMBER, by: Employee | None
) -> Membership:
    """Create the membership and close the employee's pending request and invitation."""
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                community=community, employee=employee, role=role
            )
    except IntegrityError:
        raise Conflict(_("Bereits Mitglied dieser Community."), code="already_member") from None
    JoinRequest.objects.filter(
        community=community, employee=employee, status=RequestStatus.PENDING
    ).update(status=RequestStatus.APPROVED, decided_at=now, decided_by=by)
    Invitation.objects.filter(
        community=community, invitee=employee, status=InvitationStatus.PENDING
    ).update(status=InvitationStatus.ACCEPTED, decided_at=now)
    events.member_joined(membership)
    return membership


# --- Communities ----------------------------------------------------------------------------


@transaction.atomic
def create_community(
    *,
    creator: Employee,
    name: str,
    slug: str | None = None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
    join_policy: str | None = None,
    department: Department | None = None,
    tags: Iterable[str] = (),
) -> Community:
    """Create a community; the creator becomes its owner."""
    if not perms.can_create_community(creator):
        raise Forbidden(
            _("Nur Administrator*innen dürfen Communities anlegen."), code="creation_restricted"
        )
    name = _clean_text(name, "name", NAME_MAX_LENGTH, required=True)
    description = _clean_text(description, "description", DESCRIPTION_MAX_LENGTH)
    visibility = _clean_choice(visibility, "visibility", Visibility)
    if join_policy is None:
        join_policy = DEFAULT_JOIN_POLICY[Visibility(visibility)]
    join_policy = _clean_choice(join_policy, "join_policy", JoinPolicy)
    _check_policy(visibility, join_policy)
    department = _check_department(department)
    tag_names = _clean_tags(tags)
    if slug is None:
        slug = unique_slug(name)
    elif not isinstance(slug, str) or not perms.SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput(
            fields={"slug": [_("Nur Buchstaben a-z, Ziffern, - und _ (höchstens 80).")]}
        )
    try:
        with transaction.atomic():
            community = Community.objects.create(
                name=name,
                slug=slug,
                description=description,
                visibility=visibility,
                join_policy=join_policy,
                department=department,
                created_by=creator,
            )
    except IntegrityError:
        raise Conflict(
            _("Dieser Kurzname ist schon vergeben."),
            code="slug_taken",
            fields={"slug": [_("Dieser Kurzname ist schon vergeben.")]},
        ) from None
    if tag_names:
        community.tags.set(tag_names)
    Membership.objects.create(community=community, employee=creator, role=Role.OWNER)
    return community


@transaction.atomic
def update_community(*, actor: Employee, community: Community, **changes: Any) -> Community:
    """Change name, description, visibility, join_policy, department and/or tags."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"update_community() cannot change {sorted(unknown)}")
    community = _lock(community)
    _require_moderator(actor, community)
    _require_not_archived(community)
    if "name" in changes:
        community.name = _clean_text(changes["name"], "name", NAME_MAX_LENGTH, required=True)
    if "description" in changes:
        community.description = _clean_text(
            changes["description"], "description", DESCRIPTION_MAX_LENGTH
        )
    if "visibility" in changes:
        community.visibility = _clean_choice(changes["visibility"], "visibility", Visibility)
    if "join_policy" in changes:
        community.join_policy = _clean_choice(changes["join_policy"], "join_policy", JoinPolicy)
    _check_policy(community.visibility, community.join_policy)
    if "department" in changes:
        community.department = _check_department(changes["department"])
    tag_names = _clean_tags(changes["tags"]) if "tags" in changes else None
    community.save()
    if tag_names is not None:
        community.tags.set(tag_names)
    events.community_updated(community, set(changes))
    return community


@transaction.atomic
def archive_community(*, actor: Employee, community: Community) -> Community:
    """Make the community read-only; its pending join requests are declined and its pending
    invitations revoked."""
    community = _lock(community)
    _require_administrator(actor, community)
    if community.is_archived:
        return community
    now = timezone.now()
    community.is_archived = True
    community.archived_at = now
    community.save(update_fields=["is_archived", "archived_at", "updated_at"])
    community.join_requests.filter(status=RequestStatus.PENDING).update(
        status=RequestStatus.DECLINED, decided_at=now, decided_by=actor
    )
    community.invitations.filter(status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, decided_at=now
    )
    events.community_archived(community)
    return community


@transaction.atomic
def unarchive_community(*, actor: Employee, community: Community) -> Community:
    """Make an archived community writable again."""
    community = _lock(community)
    _require_administrator(actor, community)
    if community.is_archived:
        community.is_archived = False
        community.archived_at = None
        community.save(update_fields=["is_archived", "archived_at", "updated_at"])
        events.community_archived(community)
    return community


# --- Joining and leaving --------------------------------------------------------------------


@transaction.atomic
def join_community(*, employee: Employee, community: Community) -> Membership:
    """Join directly (see `can_join_directly`); a pending invitation is then accepted."""
    community = _lock(community)
    _require_visible(employee, community)
    _require_not_archived(community)
    _require_not_member(community, employee)
    if not perms.can_join_directly(employee, community):
        if community.join_policy == JoinPolicy.REQUEST:
            raise Forbidden(
                _("Für diese Community ist eine Beitrittsanfrage nötig."), code="request_required"
            )
        raise Forbidden(
            _("Dieser Community tritt man nur auf Einladung bei."), code="invitation_required"
        )
    return _add_member(community, employee, by=None)


@transaction.atomic
def leave_community(*, employee: Employee, community: Community) -> None:
    """End the employee's membership; the last owner cannot leave."""
    community = _lock(community)
    _require_visible(employee, community)
    membership = _membership(community, employee)
    if membership is None:
        raise Conflict(_("Kein Mitglied dieser Community."), code="not_member")
    _require_other_owner(community, membership)
    membership.delete()
    events.member_left(community, employee.pk, removed=False)


@transaction.atomic
def remove_member(*, actor: Employee, community: Community, employee: Employee) -> None:
    """End another employee's membership. Moderators remove members; owners anyone but the
    last owner."""
    community = _lock(community)
    _require_moderator(actor, community)
    membership = _membership(community, employee)
    if membership is None:
        raise NotFound(_("Diese Person ist kein Mitglied."))
    if not perms.can_remove_member(actor, community, membership.role):
        raise Forbidden(_("Nur Eigentümer*innen dürfen Moderation entfernen."))
    _require_other_owner(community, membership)
    membership.delete()
    events.member_left(community, employee.pk, removed=True)


@transaction.atomic
def change_role(
    *, actor: Employee, community: Community, employee: Employee, role: str
) -> Membership:
    """Set a member's role; the last owner cannot be demoted."""
    community = _lock(community)
    _require_administrator(actor, community)
    _require_not_archived(community)
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("Ungültige Rolle.")]})
    membership = _membership(community, employee)
    if membership is None:
        raise NotFound(_("Diese Person ist kein Mitglied."))
    if membership.role != role:
        if role != Role.OWNER:
            _require_other_owner(community, membership)
        membership.role = role
        membership.save(update_fields=["role"])
        events.member_role_changed(membership)
    return membership


@transaction.atomic
def transfer_ownership(*, actor: Employee, community: Community, new_owner: Employee) -> None:
    """Make `new_owner` (a member) an owner; an owning actor steps down to moderator."""
    community = _lock(community)
    _require_administrator(actor, community)
    _require_not_archived(community)
    if new_owner.pk == actor.pk:
        raise InvalidInput(fields={"employee_id": [_("Bitte eine andere Person wählen.")]})
    target = _membership(community, new_owner)
    if target is None:
        raise InvalidInput(fields={"employee_id": [_("Diese Person ist kein Mitglied.")]})
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    events.member_role_changed(target)
    stepped_down = Membership.objects.filter(
        community=community, employee=actor, role=Role.OWNER
    ).first()
    if stepped_down is not None:
        stepped_down.role = Role.MODERATOR
        stepped_down.save(update_fields=["role"])
        events.member_role_changed(stepped_down)


# --- Join requests --------------------------------------------------------------------------


@transaction.atomic
def request_to_join(*, employee: Employee, community: Community, message: str = "") -> JoinRequest:
    """Ask the moderators of a by-request community to be let in."""
    community = _lock(community)
    _require_visible(employee, community)
    _require_not_archived(community)
    message = _clean_text(message, "message", MESSAGE_MAX_LENGTH)
    _require_not_member(community, employee)
    if community.join_policy == JoinPolicy.OPEN:
        raise Conflict(_("Dieser Community kann direkt beigetreten werden."), code="open")
    if community.join_policy == JoinPolicy.INVITATION:
        raise Forbidden(
            _("Dieser Community tritt man nur auf Einladung bei."), code="invitation_required"
        )
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(
                community=community, employee=employee, message=message
            )
    except IntegrityError:
        raise Conflict(
            _("Es gibt bereits eine offene Beitrittsanfrage."), code="request_pending"
        ) from None
    events.join_request_created(join_request, community)
    return join_request


def _lock_request(join_request: JoinRequest) -> tuple[Community, JoinRequest]:
    community = _lock(join_request.community)
    locked = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    locked.community = community
    return community, locked


def _require_pending(obj: JoinRequest | Invitation) -> None:
    if obj.status != "pending":
        raise Conflict(_("Darüber wurde schon entschieden."), code="not_pending")


@transaction.atomic
def withdraw_join_request(*, employee: Employee, join_request: JoinRequest) -> None:
    """Withdraw the employee's own pending request."""
    community, join_request = _lock_request(join_request)
    _require_visible(employee, community)
    if join_request.employee_id != employee.pk:
        raise Forbidden(_("Nur die anfragende Person kann die Anfrage zurückziehen."))
    _require_pending(join_request)
    join_request.status = RequestStatus.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])


@transaction.atomic
def approve_join_request(*, actor: Employee, join_request: JoinRequest) -> Membership:
    """Let the requester in as a member; also accepts their pending invitation, if any."""
    community, join_request = _lock_request(join_request)
    _require_moderator(actor, community)
    _require_not_archived(community)
    _require_pending(join_request)
    requester = join_request.employee
    if not requester.is_active or not perms.in_department_scope(requester, community):
        raise Conflict(
            _("Diese Person kann der Community nicht mehr beitreten."), code="not_eligible"
        )
    membership = _add_member(community, requester, by=actor)
    events.join_request_decided(join_request, community, RequestStatus.APPROVED)
    return membership


@transaction.atomic
def decline_join_request(*, actor: Employee, join_request: JoinRequest) -> JoinRequest:
    """Decline a pending request."""
    community, join_request = _lock_request(join_request)
    _require_moderator(actor, community)
    _require_pending(join_request)
    join_request.status = RequestStatus.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    events.join_request_decided(join_request, community, RequestStatus.DECLINED)
    return join_request


# --- Invitations ----------------------------------------------------------------------------


@transaction.atomic
def invite_to_community(
    *, actor: Employee, community: Community, invitee: Employee, message: str = ""
) -> Invitation:
    """Invite an active employee (within the department restriction, if any)."""
    community = _lock(community)
    _require_moderator(actor, community)
    _require_not_archived(community)
    message = _clean_text(message, "message", MESSAGE_MAX_LENGTH)
    if not invitee.is_active:
        raise InvalidInput(fields={"employee_id": [_("Unbekannte Person.")]})
    if not perms.in_department_scope(invitee, community):
        reason = _("Die Community ist auf eine andere Organisationseinheit beschränkt.")
        raise InvalidInput(fields={"employee_id": [reason]})
    _require_not_member(community, invitee)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                community=community, invitee=invitee, invited_by=actor, message=message
            )
    except IntegrityError:
        raise Conflict(_("Diese Person ist bereits eingeladen."), code="already_invited") from None
    events.invitation_created(invitation)
    return invitation


def _lock_invitation(invitation: Invitation) -> tuple[Community, Invitation]:
    community = _lock(invitation.community)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    locked.community = community
    return community, locked


@transaction.atomic
def accept_invitation(*, employee: Employee, invitation: Invitation) -> Membership:
    """Join as a member; also closes the invitee's pending join request, if any."""
    community, invitation = _lock_invitation(invitation)
    if invitation.invitee_id != employee.pk:
        raise NotFound(_("Einladung nicht gefunden."))
    _require_visible(employee, community)
    _require_pending(invitation)
    _require_not_archived(community)
    return _add_member(community, employee, by=None)


@transaction.atomic
def decline_invitation(*, employee: Employee, invitation: Invitation) -> Invitation:
    """Decline one's own pending invitation."""
    _community, invitation = _lock_invitation(invitation)
    if invitation.invitee_id != employee.pk:
        raise NotFound(_("Einladung nicht gefunden."))
    _require_pending(invitation)
    invitation.status = InvitationStatus.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


@transaction.atomic
def revoke_invitation(*, actor: Employee, invitation: Invitation) -> Invitation:
    """Take back a pending invitation."""
    community, invitation = _lock_invitation(invitation)
    _require_moderator(actor, community)
    _require_pending(invitation)
    invitation.status = InvitationStatus.REVOKED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    events.invitation_revoked(invitation)
    return invitation
