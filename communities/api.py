"""Router for communities, memberships, join requests and invitations.

Each endpoint parses, authorises with one `access_*` call, runs one service or selector and
returns a schema. Hidden communities answer 404 everywhere, exactly like missing ones.
"""

from __future__ import annotations

from ninja import Path, Query, Router, Status

from communities import selectors, services
from communities.models import Community, Invitation, JoinRequest, Membership
from communities.permissions import (
    access_community,
    access_community_content,
    access_invitation,
    access_join_request,
    access_membership,
    access_moderated_community,
    access_own_invitation,
)
from communities.schemas import (
    CommunityIn,
    CommunityListParams,
    CommunityOut,
    CommunityPatch,
    EmployeeIdIn,
    Id,
    InvitationIn,
    InvitationListParams,
    InvitationOut,
    JoinRequestIn,
    JoinRequestListParams,
    JoinRequestOut,
    MemberListParams,
    MemberOut,
    RoleIn,
)
from people.auth import AuthedRequest
from wilma.pagination import Page, PageResult
from wilma.schemas import PageQuery

router = Router(tags=["communities"])

NO_CONTENT = {204: None}


def _page(result: PageResult) -> dict:
    return {"items": result.items, "next_cursor": result.next_cursor}


def _detail(request: AuthedRequest, community: Community) -> Community:
    return selectors.community_detail(request.auth, community)


# --- Communities ----------------------------------------------------------------------------


@router.get("/", response=Page[CommunityOut], summary="Communities entdecken")
def list_communities(request: AuthedRequest, params: Query[CommunityListParams]) -> dict:
    """Only communities the caller may see, by name. Keyset paged via `cursor`."""
    filters = selectors.CommunityFilters(
        mine=params.mine,
        department_id=params.department,
        tag=params.tag,
        q=params.q,
        visibility=params.visibility,
    )
    return _page(
        selectors.community_list(request.auth, filters, cursor=params.cursor, limit=params.limit)
    )


@router.post("/", response={201: CommunityOut}, summary="Community anlegen")
def create_community(request: AuthedRequest, payload: CommunityIn) -> Status[Community]:
    """The caller becomes owner. Who may create is set by `WILMA_COMMUNITY_CREATION`."""
    department = (
        selectors.department_by_id(payload.department_id) if payload.department_id else None
    )
    community = services.create_community(
        creator=request.auth,
        name=payload.name,
        slug=payload.slug,
        description=payload.description,
        visibility=payload.visibility,
        join_policy=payload.join_policy,
        department=department,
        tags=payload.tags,
    )
    return Status(201, _detail(request, community))


# Static routes before /{slug}, so they are not taken for a slug.


@router.get("/invitations/mine", response=Page[InvitationOut], summary="Meine offenen Einladungen")
def my_invitations(request: AuthedRequest, params: Query[PageQuery]) -> dict:
    """Includes invitations to secret communities."""
    return _page(
        selectors.my_pending_invitations(request.auth, cursor=params.cursor, limit=params.limit)
    )


@router.post(
    "/invitations/{invitation_id}/accept",
    response=MemberOut,
    summary="Einladung annehmen",
)
def accept_invitation(request: AuthedRequest, invitation_id: Path[Id]) -> Membership:
    invitation = access_own_invitation(request.auth, invitation_id)
    membership = services.accept_invitation(employee=request.auth, invitation=invitation)
    return selectors.membership_of(membership.community, request.auth)


@router.post(
    "/invitations/{invitation_id}/decline",
    response=InvitationOut,
    summary="Einladung ablehnen",
)
def decline_invitation(request: AuthedRequest, invitation_id: Path[Id]) -> Invitation:
    invitation = access_own_invitation(request.auth, invitation_id)
    services.decline_invitation(employee=request.auth, invitation=invitation)
    return selectors.invitation_detail(invitation)


@router.get("/{slug}", response=CommunityOut, summary="Community anzeigen")
def get_community(request: AuthedRequest, slug: str) -> Community:
    return _detail(request, access_community(request.auth, slug))


@router.patch("/{slug}", response=CommunityOut, summary="Community bearbeiten")
def update_community(request: AuthedRequest, slug: str, payload: CommunityPatch) -> Community:
    """Owners and moderators. Only the fields sent change; `department_id: null` lifts the
    department restriction."""
    community = access_community(request.auth, slug)
    changes = payload.dict(exclude_unset=True)
    if "department_id" in changes:
        department_id = changes.pop("department_id")
        changes["department"] = selectors.department_by_id(department_id) if department_id else None
    community = services.update_community(actor=request.auth, community=community, **changes)
    return _detail(request, community)


@router.post("/{slug}/archive", response=CommunityOut, summary="Community archivieren")
def archive_community(request: AuthedRequest, slug: str) -> Community:
    """Owners. Read-only afterwards; pending requests and invitations are closed."""
    community = access_community(request.auth, slug)
    return _detail(request, services.archive_community(actor=request.auth, community=community))


@router.post("/{slug}/unarchive", response=CommunityOut, summary="Archivierung aufheben")
def unarchive_community(request: AuthedRequest, slug: str) -> Community:
    """Owners."""
    community = access_community(request.auth, slug)
    return _detail(request, services.unarchive_community(actor=request.auth, community=community))


# --- Members --------------------------------------------------------------------------------


@router.get("/{slug}/members", response=Page[MemberOut], summary="Mitglieder auflisten")
def list_members(request: AuthedRequest, slug: str, params: Query[MemberListParams]) -> dict:
    """Public communities: everyone who sees them; private and secret: members only."""
    community = access_community_content(request.auth, slug)
    return _page(
        selectors.community_members(
            community, role=params.role, cursor=params.cursor, limit=params.limit
        )
    )


@router.patch(
    "/{slug}/members/{employee_id}", response=MemberOut, summary="Rolle eines Mitglieds ändern"
)
def change_role(
    request: AuthedRequest, slug: str, employee_id: Path[Id], payload: RoleIn
) -> Membership:
    """Owners. The last owner cannot be demoted."""
    membership = access_membership(request.auth, slug, employee_id)
    return services.change_role(
        actor=request.auth,
        community=membership.community,
        employee=membership.employee,
        role=payload.role,
    )


@router.delete("/{slug}/members/{employee_id}", response=NO_CONTENT, summary="Mitglied entfernen")
def remove_member(request: AuthedRequest, slug: str, employee_id: Path[Id]) -> Status[None]:
    """Moderators remove members; owners also moderators and other owners."""
    membership = access_membership(request.auth, slug, employee_id)
    services.remove_member(
        actor=request.auth, community=membership.community, employee=membership.employee
    )
    return Status(204, None)


@router.post("/{slug}/join", response=MemberOut, summary="Community beitreten")
def join_community(request: AuthedRequest, slug: str) -> Membership:
    """Open communities, or with a pending invitation (which is then accepted)."""
    community = access_community(request.auth, slug)
    return services.join_community(employee=request.auth, community=community)


@router.post("/{slug}/leave", response=NO_CONTENT, summary="Community verlassen")
def leave_community(request: AuthedRequest, slug: str) -> Status[None]:
    """The last owner cannot leave; transfer ownership first."""
    community = access_community(request.auth, slug)
    services.leave_community(employee=request.auth, community=community)
    return Status(204, None)


@router.post(
    "/{slug}/transfer-ownership", response=NO_CONTENT, summary="Eigentümerschaft übertragen"
)
def transfer_ownership(request: AuthedRequest, slug: str, payload: EmployeeIdIn) -> Status[None]:
    """Owners. The new owner must be a member; the caller steps down to moderator."""
    community = access_community(request.auth, slug)
    new_owner = selectors.active_employee(payload.employee_id)
    services.transfer_ownership(actor=request.auth, community=community, new_owner=new_owner)
    return Status(204, None)


# --- Join requests --------------------------------------------------------------------------


@router.post("/{slug}/requests", response={201: JoinRequestOut}, summary="Beitritt anfragen")
def request_to_join(
    request: AuthedRequest, slug: str, payload: JoinRequestIn
) -> Status[JoinRequest]:
    """For communities that admit by request."""
    community = access_community(request.auth, slug)
    join_request = services.request_to_join(
        employee=request.auth, community=community, message=payload.message
    )
    return Status(201, selectors.join_request_detail(join_request))


@router.get(
    "/{slug}/requests", response=Page[JoinRequestOut], summary="Beitrittsanfragen auflisten"
)
def list_join_requests(
    request: AuthedRequest, slug: str, params: Query[JoinRequestListParams]
) -> dict:
    """Owners and moderators; pending requests unless `status` says otherwise."""
    community = access_moderated_community(request.auth, slug)
    return _page(
        selectors.community_join_requests(
            community, status=params.status, cursor=params.cursor, limit=params.limit
        )
    )


@router.post(
    "/{slug}/requests/{request_id}/approve",
    response=MemberOut,
    summary="Beitrittsanfrage annehmen",
)
def approve_join_request(request: AuthedRequest, slug: str, request_id: Path[Id]) -> Membership:
    join_request = access_join_request(request.auth, slug, request_id)
    membership = services.approve_join_request(actor=request.auth, join_request=join_request)
    return selectors.membership_of(membership.community, join_request.employee)


@router.post(
    "/{slug}/requests/{request_id}/decline",
    response=JoinRequestOut,
    summary="Beitrittsanfrage ablehnen",
)
def decline_join_request(request: AuthedRequest, slug: str, request_id: Path[Id]) -> JoinRequest:
    join_request = access_join_request(request.auth, slug, request_id)
    services.decline_join_request(actor=request.auth, join_request=join_request)
    return selectors.join_request_detail(join_request)


@router.delete(
    "/{slug}/requests/{request_id}",
    response=NO_CONTENT,
    summary="Eigene Beitrittsanfrage zurückziehen",
)
def withdraw_join_request(request: AuthedRequest, slug: str, request_id: Path[Id]) -> Status[None]:
    join_request = access_join_request(request.auth, slug, request_id)
    services.withdraw_join_request(employee=request.auth, join_request=join_request)
    return Status(204, None)


# --- Invitations ----------------------------------------------------------------------------


@router.post("/{slug}/invitations", response={201: InvitationOut}, summary="Person einladen")
def invite(request: AuthedRequest, slug: str, payload: InvitationIn) -> Status[Invitation]:
    """Owners and moderators. The invitee must be active and inside the department restriction."""
    community = access_community(request.auth, slug)
    invitee = selectors.active_employee(payload.employee_id)
    invitation = services.invite_to_community(
        actor=request.auth, community=community, invitee=invitee, message=payload.message
    )
    return Status(201, selectors.invitation_detail(invitation))


@router.get("/{slug}/invitations", response=Page[InvitationOut], summary="Einladungen auflisten")
def list_invitations(
    request: AuthedRequest, slug: str, params: Query[InvitationListParams]
) -> dict:
    """Owners and moderators; pending invitations unless `status` says otherwise."""
    community = access_moderated_community(request.auth, slug)
    return _page(
        selectors.community_invitations(
            community, status=params.status, cursor=params.cursor, limit=params.limit
        )
    )


@router.delete(
    "/{slug}/invitations/{invitation_id}",
    response=NO_CONTENT,
    summary="Einladung zurücknehmen",
)
def revoke_invitation(request: AuthedRequest, slug: str, invitation_id: Path[Id]) -> Status[None]:
    """Owners and moderators."""
    invitation = access_invitation(request.auth, slug, invitation_id)
    services.revoke_invitation(actor=request.auth, invitation=invitation)
    return Status(204, None)
