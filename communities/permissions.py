"""Who may see and do what in communities: the one place these rules live.

Each visibility rule comes twice, side by side: a predicate for one object (`can_*`) and a
queryset filter for lists, counts, search and feeds (`visible_communities`,
`readable_communities`). Tests check that the two agree for every persona. `access_*` fetch
and authorise in one step and answer the same 404 for missing and hidden objects, so secret
or department-restricted communities cannot be probed.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    Role,
    Visibility,
)
from people.models import Department, Employee
from people.permissions import is_site_admin
from wilma.errors import Forbidden, NotFound

MANAGER_ROLES = frozenset({Role.OWNER, Role.MODERATOR})
# Slugs are generated ASCII-only; anything else cannot exist, so it is not even looked up.
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,80}")


# --- Facts about the user -------------------------------------------------------------------


def role_in(user: Employee, community: Community) -> str | None:
    """The user's role in the community, or None for non-members (one query)."""
    if user.pk is None or community.pk is None:
        return None
    return (
        Membership.objects.filter(community=community, employee=user)
        .values_list("role", flat=True)
        .first()
    )


def has_pending_invitation(user: Employee, community: Community) -> bool:
    return Invitation.objects.filter(
        community=community, invitee=user, status=InvitationStatus.PENDING
    ).exists()


def in_department_scope(user: Employee, community: Community) -> bool:
    """Whether the user's department lies in the subtree the community is restricted to."""
    if community.department_id is None:
        return True
    restriction = community.department
    department = user.department
    return (
        restriction is not None
        and department is not None
        and department.path.startswith(restriction.path)
    )


def _department_scope_q(user: Employee) -> Q:
    """Queryset twin of `in_department_scope`: the community's department is the user's
    department or one of its ancestors (materialized-path prefixes, no extra query)."""
    scope = Q(department__isnull=True)
    department = user.department
    if department is not None:
        step = Department.steplen
        prefixes = [department.path[:end] for end in range(step, len(department.path) + 1, step)]
        scope |= Q(department__path__in=prefixes)
    return scope


# --- Seeing a community (it appears in lists, its page opens) -------------------------------


def can_see_community(user: Employee, community: Community) -> bool:
    if not user.is_active:
        return False
    if is_site_admin(user) or role_in(user, community) is not None:
        return True
    if not in_department_scope(user, community):
        return False
    if community.visibility != Visibility.SECRET:
        return True
    # Invitees of a secret community must see it to accept.
    return has_pending_invitation(user, community)


def visible_communities(user: Employee) -> QuerySet[Community]:
    """Every community `can_see_community` allows, as one filterable queryset."""
    communities = Community.objects.all()
    if not user.is_active:
        return communities.none()
    if is_site_admin(user):
        return communities
    member_of = Membership.objects.filter(employee=user).values("community_id")
    invited_to = Invitation.objects.filter(invitee=user, status=InvitationStatus.PENDING).values(
        "community_id"
    )
    return communities.filter(
        Q(pk__in=member_of)
        | (_department_scope_q(user) & (~Q(visibility=Visibility.SECRET) | Q(pk__in=invited_to)))
    )


# --- Reading a community's content (members, later posts) -----------------------------------


def can_read_community_content(user: Employee, community: Community) -> bool:
    if not can_see_community(user, community):
        return False
    if is_site_admin(user) or community.visibility == Visibility.PUBLIC:
        return True
    return role_in(user, community) is not None


def readable_communities(user: Employee) -> QuerySet[Community]:
    """Every community `can_read_community_content` allows, as one filterable queryset."""
    if is_site_admin(user):
        return Community.objects.all()
    member_of = Membership.objects.filter(employee=user).values("community_id")
    return visible_communities(user).filter(Q(visibility=Visibility.PUBLIC) | Q(pk__in=member_of))


# --- Acting on a community ------------------------------------------------------------------


def can_create_community(user: Employee) -> bool:
    if not user.is_active:
        return False
    return is_site_admin(user) or settings.WILMA["COMMUNITY_CREATION"] != "admins"


def can_join_directly(user: Employee, community: Community) -> bool:
    """Join without asking: open communities, a pending invitation, or a site admin."""
    return (
        community.join_policy == JoinPolicy.OPEN
        or is_site_admin(user)
        or has_pending_invitation(user, community)
    )


def can_moderate_community(user: Employee, community: Community) -> bool:
    """Owners and moderators: edit, decide join requests, invite, remove plain members."""
    if not user.is_active:
        return False
    return is_site_admin(user) or role_in(user, community) in MANAGER_ROLES


def can_administer_community(user: Employee, community: Community) -> bool:
    """Owners only: change roles, remove moderators, archive, transfer ownership."""
    if not user.is_active:
        return False
    return is_site_admin(user) or role_in(user, community) == Role.OWNER


def can_remove_member(user: Employee, community: Community, member_role: str) -> bool:
    if member_role == Role.MEMBER:
        return can_moderate_community(user, community)
    return can_administer_community(user, community)


# --- Fetch and authorise --------------------------------------------------------------------


def _community_not_found() -> NotFound:
    return NotFound(_("Community nicht gefunden."))


def access_community(user: Employee, slug: str) -> Community:
    """The community with this slug if the user may see it; 404 for missing and hidden."""
    community = None
    if SLUG_PATTERN.fullmatch(slug):
        community = Community.objects.select_related("department").filter(slug=slug).first()
    if community is None or not can_see_community(user, community):
        raise _community_not_found()
    return community


def access_community_content(user: Employee, slug: str) -> Community:
    """As `access_community`, and the user may read its content (403 for visible non-members)."""
    community = access_community(user, slug)
    if not can_read_community_content(user, community):
        raise Forbidden(
            _("Nur Mitglieder können die Inhalte dieser Community sehen."), code="members_only"
        )
    return community


def access_moderated_community(user: Employee, slug: str) -> Community:
    """As `access_community`, and the user moderates it (403 otherwise)."""
    community = access_community(user, slug)
    if not can_moderate_community(user, community):
        raise Forbidden(_("Nur Moderation und Eigentümer*innen dürfen das."))
    return community


def access_membership(user: Employee, slug: str, employee_id: int) -> Membership:
    """A membership of a community whose member list the user may read; 404 if none."""
    community = access_community_content(user, slug)
    membership = (
        Membership.objects.select_related("employee")
        .filter(community=community, employee_id=employee_id)
        .first()
    )
    if membership is None:
        raise NotFound(_("Diese Person ist kein Mitglied."))
    membership.community = community
    return membership


def access_join_request(user: Employee, slug: str, request_id: int) -> JoinRequest:
    """A join request, visible to the community's moderators and to the requester only."""
    community = access_community(user, slug)
    join_request = (
        JoinRequest.objects.select_related("employee")
        .filter(pk=request_id, community=community)
        .first()
    )
    if join_request is None or not (
        join_request.employee_id == user.pk or can_moderate_community(user, community)
    ):
        raise NotFound(_("Beitrittsanfrage nicht gefunden."))
    join_request.community = community
    return join_request


def access_invitation(user: Employee, slug: str, invitation_id: int) -> Invitation:
    """An invitation, visible to the community's moderators and to the invitee only."""
    community = access_community(user, slug)
    invitation = (
        Invitation.objects.select_related("invitee")
        .filter(pk=invitation_id, community=community)
        .first()
    )
    if invitation is None or not (
        invitation.invitee_id == user.pk or can_moderate_community(user, community)
    ):
        raise NotFound(_("Einladung nicht gefunden."))
    invitation.community = community
    return invitation


def access_own_invitation(user: Employee, invitation_id: int) -> Invitation:
    """One of the user's own invitations (any status); others' invitations answer 404."""
    invitation = (
        Invitation.objects.select_related("community__department")
        .filter(pk=invitation_id, invitee=user)
        .first()
    )
    if invitation is None or not user.is_active:
        raise NotFound(_("Einladung nicht gefunden."))
    return invitation
