"""The realtime events of communities (docs/realtime.md lists them).

Membership and settings events go to `community.<id>` (read by whoever may read the
community's content, who may also list its members through REST). Invitations and join
requests are private: they go to `user.<id>` of the invitee, the requester or each moderator.
When access may have ended (a member left or was removed, the community's visibility or
department restriction changed), the affected connections are told to re-check.
Payloads are the REST schemas without viewer state, serialized once per event.
"""

from __future__ import annotations

from typing import Any

from communities.models import Community, Invitation, JoinRequest, Membership, Role
from realtime.events import (
    dumps,
    notify_community_access_changed,
    notify_user_access_changed,
    record_event,
)
from realtime.streams import community_stream, user_stream

# Changing these can take away someone's read access.
ACCESS_FIELDS = frozenset({"visibility", "department"})


def _schema_data(schema: Any, obj: Any) -> str:
    return dumps(schema.from_orm(obj).model_dump(mode="json"))


def _community_ref(community: Community) -> dict[str, Any]:
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "visibility": community.visibility,
    }


# --- Membership -----------------------------------------------------------------------------


def member_joined(membership: Membership) -> None:
    from communities.schemas import MemberOut

    loaded = Membership.objects.select_related("employee__department").get(pk=membership.pk)
    record_event(
        stream=community_stream(membership.community_id),
        type="member.joined",
        data=_schema_data(MemberOut, loaded),
    )


def member_role_changed(membership: Membership) -> None:
    from communities.schemas import MemberOut

    loaded = Membership.objects.select_related("employee__department").get(pk=membership.pk)
    record_event(
        stream=community_stream(membership.community_id),
        type="member.role_changed",
        data=_schema_data(MemberOut, loaded),
    )


def member_left(community: Community, employee_id: int, *, removed: bool) -> None:
    """`member.left` or `member.removed`; the employee's connections re-check their access
    after commit (a private community's stream and posts are then closed to them)."""
    record_event(
        stream=community_stream(community.pk),
        type="member.removed" if removed else "member.left",
        data={"employee_id": employee_id},
    )
    notify_user_access_changed(employee_id)


# --- The community --------------------------------------------------------------------------


def community_updated(community: Community, changed: set[str]) -> None:
    """`community.updated` with the new settings. If who may read changed, every subscriber
    re-checks before the event reaches them (so the new settings never reach anyone who just
    lost access), and so do subscribers of the community's posts."""
    from communities.schemas import CommunityInfoOut

    loaded = Community.objects.select_related("department").get(pk=community.pk)
    access_changed = bool(changed & ACCESS_FIELDS)
    record_event(
        stream=community_stream(community.pk),
        type="community.updated",
        data=_schema_data(CommunityInfoOut, loaded),
        recheck=access_changed,
    )
    if access_changed:
        notify_community_access_changed(community.pk)


def community_archived(community: Community) -> None:
    data = {"id": community.pk, "is_archived": community.is_archived}
    record_event(
        stream=community_stream(community.pk),
        type="community.archived" if community.is_archived else "community.unarchived",
        data=data,
    )


# --- Invitations and join requests (private: user streams) ----------------------------------


def invitation_created(invitation: Invitation) -> None:
    from communities.schemas import InvitationOut

    loaded = Invitation.objects.select_related(
        "community", "invitee__department", "invited_by__department"
    ).get(pk=invitation.pk)
    record_event(
        stream=user_stream(invitation.invitee_id),
        type="invitation.created",
        data=_schema_data(InvitationOut, loaded),
    )


def invitation_revoked(invitation: Invitation) -> None:
    record_event(
        stream=user_stream(invitation.invitee_id),
        type="invitation.revoked",
        data={"id": invitation.pk, "community_id": invitation.community_id},
    )


def _moderator_ids(community: Community) -> list[int]:
    return list(
        Membership.objects.filter(
            community=community,
            role__in=[Role.OWNER, Role.MODERATOR],
            employee__is_active=True,
        )
        .order_by("employee_id")
        .values_list("employee_id", flat=True)
    )


def join_request_created(join_request: JoinRequest, community: Community) -> None:
    """To every active owner and moderator (they decide it)."""
    from communities.schemas import JoinRequestOut

    loaded = JoinRequest.objects.select_related("employee__department").get(pk=join_request.pk)
    request = JoinRequestOut.from_orm(loaded).model_dump(mode="json")
    data = dumps({"community": _community_ref(community), "request": request})
    for moderator_id in _moderator_ids(community):
        record_event(stream=user_stream(moderator_id), type="join_request.created", data=data)


def join_request_decided(join_request: JoinRequest, community: Community, status: str) -> None:
    """To the requester: approved or declined."""
    data = {"id": join_request.pk, "community": _community_ref(community), "status": status}
    record_event(
        stream=user_stream(join_request.employee_id), type="join_request.decided", data=data
    )
