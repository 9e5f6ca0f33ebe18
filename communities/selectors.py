"""Reads of communities, members, join requests and invitations, with fixed query budgets.

A page costs the same number of queries for 1 item or 100: counts and the caller's own state
are subquery annotations, tags are prefetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Membership,
    RequestStatus,
)
from communities.permissions import visible_communities
from people.models import Department, Employee
from wilma.errors import InvalidInput
from wilma.pagination import PageResult, paginate


@dataclass(frozen=True)
class CommunityFilters:
    mine: bool = False
    department_id: int | None = None
    tag: str | None = None
    q: str | None = None
    visibility: str | None = None


def with_viewer_state(communities: QuerySet[Community], viewer: Employee) -> QuerySet[Community]:
    """Annotate member_count, my_role, my_pending_request, my_pending_invitation_id; load the
    department and prefetch tags."""
    member_count = (
        Membership.objects.filter(community=OuterRef("pk"))
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = Membership.objects.filter(community=OuterRef("pk"), employee=viewer)
    pending_request = JoinRequest.objects.filter(
        community=OuterRef("pk"), employee=viewer, status=RequestStatus.PENDING
    )
    pending_invitation = Invitation.objects.filter(
        community=OuterRef("pk"), invitee=viewer, status=InvitationStatus.PENDING
    )
    return (
        communities.select_related("department")
        .prefetch_related("tags")  # type: ignore[misc]  # taggit is untyped
        .annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0)),
            my_role=Subquery(mine.values("role")[:1]),
            my_pending_request=Exists(pending_request),
            my_pending_invitation_id=Subquery(pending_invitation.values("pk")[:1]),
        )
    )


def community_list(
    viewer: Employee, filters: CommunityFilters, *, cursor: str | None, limit: int | None
) -> PageResult[Community]:
    """The communities the viewer may see, filtered, ordered by name."""
    communities = visible_communities(viewer)
    if filters.mine:
        communities = communities.filter(
            pk__in=Membership.objects.filter(employee=viewer).values("community_id")
        )
    if filters.department_id is not None:
        department = department_by_id(filters.department_id, field="department")
        communities = communities.filter(department__path__startswith=department.path)
    if filters.tag:
        tagged = Community.objects.filter(tags__name__iexact=filters.tag).values("pk")
        communities = communities.filter(pk__in=tagged)
    if filters.q:
        communities = communities.filter(name__icontains=filters.q)
    if filters.visibility:
        communities = communities.filter(visibility=filters.visibility)
    return paginate(
        with_viewer_state(communities, viewer), order=["name", "id"], cursor=cursor, limit=limit
    )


def community_detail(viewer: Employee, community: Community) -> Community:
    """The community re-read with the viewer's state (see `with_viewer_state`)."""
    return with_viewer_state(Community.objects.filter(pk=community.pk), viewer).get()


def community_members(
    community: Community, *, role: str | None, cursor: str | None, limit: int | None
) -> PageResult[Membership]:
    """Members by last name, first name."""
    members = Membership.objects.filter(community=community).select_related("employee__department")
    if role:
        members = members.filter(role=role)
    return paginate(
        members,
        order=["employee__last_name", "employee__first_name", "id"],
        cursor=cursor,
        limit=limit,
    )


def membership_of(community: Community, employee: Employee) -> Membership:
    return Membership.objects.select_related("employee__department").get(
        community=community, employee=employee
    )


def community_join_requests(
    community: Community, *, status: str | None, cursor: str | None, limit: int | None
) -> PageResult[JoinRequest]:
    """A community's join requests, oldest first; pending only unless a status is given."""
    requests = JoinRequest.objects.filter(
        community=community, status=status or RequestStatus.PENDING
    ).select_related("employee__department")
    return paginate(requests, order=["id"], cursor=cursor, limit=limit)


def _invitations() -> QuerySet[Invitation]:
    return Invitation.objects.select_related(
        "community", "invitee__department", "invited_by__department"
    )


def community_invitations(
    community: Community, *, status: str | None, cursor: str | None, limit: int | None
) -> PageResult[Invitation]:
    """A community's invitations, oldest first; pending only unless a status is given."""
    invitations = _invitations().filter(
        community=community, status=status or InvitationStatus.PENDING
    )
    return paginate(invitations, order=["id"], cursor=cursor, limit=limit)


def my_pending_invitations(
    viewer: Employee, *, cursor: str | None, limit: int | None
) -> PageResult[Invitation]:
    """The viewer's pending invitations, including those to secret communities."""
    invitations = _invitations().filter(
        invitee=viewer,
        status=InvitationStatus.PENDING,
        community__in=visible_communities(viewer),
    )
    return paginate(invitations, order=["id"], cursor=cursor, limit=limit)


def invitation_detail(invitation: Invitation) -> Invitation:
    return _invitations().get(pk=invitation.pk)


def join_request_detail(join_request: JoinRequest) -> JoinRequest:
    return JoinRequest.objects.select_related("employee__department").get(pk=join_request.pk)


def active_employee(employee_id: int) -> Employee:
    """An active employee named in a request body; 422 if there is none."""
    employee = Employee.objects.filter(pk=employee_id, is_active=True).first()
    if employee is None:
        raise InvalidInput(fields={"employee_id": [_("Unbekannte Person.")]})
    return employee


def department_by_id(department_id: int, *, field: str = "department_id") -> Department:
    """A department named in a request; 422 on `field` if there is none."""
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise InvalidInput(fields={field: [_("Unbekannte Organisationseinheit.")]})
    return department
