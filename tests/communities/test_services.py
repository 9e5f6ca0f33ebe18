"""Every community service: happy path, denial, invalid input, and nothing changed on failure."""

from __future__ import annotations

import pytest

from communities import services
from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from communities.permissions import can_see_community
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from wilma.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def state() -> tuple:
    """Everything the services write, to assert that a failed call changed nothing."""
    return (
        list(Community.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list("community", "employee", "role")),
        list(JoinRequest.objects.order_by("pk").values_list("status", "decided_by")),
        list(Invitation.objects.order_by("pk").values_list("status")),
    )


def role_of(community: Community, employee) -> str | None:
    membership = Membership.objects.filter(community=community, employee=employee).first()
    return membership.role if membership else None


@pytest.fixture
def public(owner) -> Community:
    return services.create_community(creator=owner, name="Radlfreunde")


@pytest.fixture
def private(owner) -> Community:
    return services.create_community(creator=owner, name="Personalrat", visibility="private")


@pytest.fixture
def secret(owner) -> Community:
    return services.create_community(creator=owner, name="Projekt X", visibility="secret")


@pytest.fixture
def kvr_private(owner, org) -> Community:
    return services.create_community(
        creator=owner, name="KVR Leitung", visibility="private", department=org.kvr
    )


# --- create_community -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "policy"),
    [("public", "open"), ("private", "request"), ("secret", "invitation")],
)
def test_create_makes_creator_owner_and_derives_join_policy(employee, visibility, policy):
    community = services.create_community(
        creator=employee, name="Neu", visibility=visibility, tags=["Rad", "rad", " Verkehr "]
    )
    assert community.join_policy == policy
    assert community.created_by == employee
    assert role_of(community, employee) == Role.OWNER
    assert sorted(community.tags.names()) == ["Rad", "Verkehr"]


def test_create_slug_spells_out_umlauts_and_gets_a_unique_suffix(employee):
    first = services.create_community(creator=employee, name="Bürgerbüro Straße Öl")
    second = services.create_community(creator=employee, name="Bürgerbüro Straße Öl")
    assert first.slug == "buergerbuero-strasse-oel"
    assert second.slug == "buergerbuero-strasse-oel-2"


def test_create_slug_falls_back_when_name_has_no_letters(employee):
    assert services.create_community(creator=employee, name="🚲🚲").slug == "community"


def test_create_with_taken_slug_is_conflict_and_creates_nothing(employee, public):
    before = state()
    with pytest.raises(Conflict) as exc:
        services.create_community(creator=employee, name="Anders", slug=public.slug)
    assert exc.value.code == "slug_taken"
    assert state() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "ok", "visibility": "hidden"}, "visibility"),
        ({"name": "ok", "visibility": "secret", "join_policy": "open"}, "join_policy"),
        ({"name": "ok", "visibility": "private", "join_policy": "open"}, "join_policy"),
        ({"name": "ok", "slug": "mit leerzeichen"}, "slug"),
        ({"name": "ok", "tags": ["x" * 51]}, "tags"),
        ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "ok", "tags": "nicht-als-liste"}, "tags"),
    ],
)
def test_create_rejects_invalid_input_and_creates_nothing(employee, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        services.create_community(creator=employee, **kwargs)
    assert field in exc.value.fields
    assert not Community.objects.exists()


def test_create_can_be_restricted_to_admins(settings, employee, admin_user):
    settings.WILMA = {**settings.WILMA, "COMMUNITY_CREATION": "admins"}
    with pytest.raises(Forbidden) as exc:
        services.create_community(creator=employee, name="Neu")
    assert exc.value.code == "creation_restricted"
    assert not Community.objects.exists()
    assert services.create_community(creator=admin_user, name="Neu").pk


def test_create_by_inactive_employee_is_forbidden(org):
    inactive = EmployeeFactory(department=org.kvr, is_active=False)
    with pytest.raises(Forbidden):
        services.create_community(creator=inactive, name="Neu")


# --- update_community -----------------------------------------------------------------------


def test_moderator_updates_name_description_and_tags(public, kvr_colleague):
    add_member(public, kvr_colleague, Role.MODERATOR)
    updated = services.update_community(
        actor=kvr_colleague, community=public, name=" Radl ", description="Neu", tags=["Rad"]
    )
    public.refresh_from_db()
    assert (public.name, public.description) == ("Radl", "Neu")
    assert list(updated.tags.names()) == ["Rad"]


def test_update_by_plain_member_is_forbidden_and_changes_nothing(public, kvr_colleague):
    add_member(public, kvr_colleague)
    before = state()
    with pytest.raises(Forbidden):
        services.update_community(actor=kvr_colleague, community=public, name="Gekapert")
    assert state() == before


def test_update_of_hidden_community_is_not_found(kvr_private, other_employee):
    with pytest.raises(NotFound):
        services.update_community(actor=other_employee, community=kvr_private, name="x")


def test_update_to_an_invalid_visibility_policy_pair_is_422_and_changes_nothing(public, owner):
    before = state()
    with pytest.raises(InvalidInput) as exc:
        services.update_community(actor=owner, community=public, visibility="private")
    assert "join_policy" in exc.value.fields
    assert state() == before


def test_update_to_secret_with_invitation_policy_and_department(public, owner, org):
    services.update_community(
        actor=owner,
        community=public,
        visibility="secret",
        join_policy="invitation",
        department=org.kvr,
    )
    public.refresh_from_db()
    assert (public.visibility, public.join_policy, public.department) == (
        "secret",
        "invitation",
        org.kvr,
    )


def test_update_of_archived_community_is_conflict(public, owner):
    services.archive_community(actor=owner, community=public)
    with pytest.raises(Conflict) as exc:
        services.update_community(actor=owner, community=public, name="x")
    assert exc.value.code == "archived"


def test_update_rejects_unknown_fields(public, owner):
    with pytest.raises(TypeError):
        services.update_community(actor=owner, community=public, slug="neu")


# --- archive / unarchive --------------------------------------------------------------------


def test_archive_closes_pending_requests_and_invitations(private, owner, employee, org):
    invitee = EmployeeFactory(department=org.kvr)
    request = services.request_to_join(employee=employee, community=private)
    invitation = services.invite_to_community(actor=owner, community=private, invitee=invitee)
    archived = services.archive_community(actor=owner, community=private)
    request.refresh_from_db()
    invitation.refresh_from_db()
    assert archived.is_archived and archived.archived_at is not None
    assert request.status == RequestStatus.DECLINED and request.decided_by == owner
    assert invitation.status == InvitationStatus.REVOKED
    restored = services.unarchive_community(actor=owner, community=private)
    assert not restored.is_archived and restored.archived_at is None


def test_archive_by_moderator_is_forbidden_and_changes_nothing(public, kvr_colleague):
    add_member(public, kvr_colleague, Role.MODERATOR)
    before = state()
    with pytest.raises(Forbidden):
        services.archive_community(actor=kvr_colleague, community=public)
    assert state() == before


def test_admin_may_archive_without_being_member(public, admin_user):
    assert services.archive_community(actor=admin_user, community=public).is_archived


# --- join / leave ---------------------------------------------------------------------------


def test_join_open_community_creates_membership(public, employee):
    membership = services.join_community(employee=employee, community=public)
    assert membership.role == Role.MEMBER


def test_join_by_request_community_directly_is_forbidden(private, employee):
    with pytest.raises(Forbidden) as exc:
        services.join_community(employee=employee, community=private)
    assert exc.value.code == "request_required"
    assert role_of(private, employee) is None


def test_join_secret_community_without_invitation_is_not_found(secret, employee):
    with pytest.raises(NotFound):
        services.join_community(employee=employee, community=secret)
    assert role_of(secret, employee) is None


def test_join_with_pending_invitation_accepts_it(secret, owner, employee):
    invitation = services.invite_to_community(actor=owner, community=secret, invitee=employee)
    services.join_community(employee=employee, community=secret)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert role_of(secret, employee) == Role.MEMBER


def test_join_twice_is_conflict(public, employee):
    services.join_community(employee=employee, community=public)
    with pytest.raises(Conflict) as exc:
        services.join_community(employee=employee, community=public)
    assert exc.value.code == "already_member"


def test_join_archived_community_is_conflict(public, owner, employee):
    services.archive_community(actor=owner, community=public)
    with pytest.raises(Conflict) as exc:
        services.join_community(employee=employee, community=public)
    assert exc.value.code == "archived"


def test_join_community_of_another_department_subtree_is_not_found(org, owner, other_employee):
    community = services.create_community(creator=owner, name="KVR", department=org.kvr)
    with pytest.raises(NotFound):
        services.join_community(employee=other_employee, community=community)


def test_join_community_of_own_department_subtree(org, owner, employee):
    community = services.create_community(creator=owner, name="KVR", department=org.kvr_i)
    assert services.join_community(employee=employee, community=community).pk


def test_leave_ends_membership(public, employee):
    services.join_community(employee=employee, community=public)
    services.leave_community(employee=employee, community=public)
    assert role_of(public, employee) is None


def test_last_owner_cannot_leave(public, owner):
    before = state()
    with pytest.raises(Conflict) as exc:
        services.leave_community(employee=owner, community=public)
    assert exc.value.code == "last_owner"
    assert state() == before


def test_owner_may_leave_when_another_owner_remains(public, owner, kvr_colleague):
    add_member(public, kvr_colleague, Role.OWNER)
    services.leave_community(employee=owner, community=public)
    assert role_of(public, owner) is None


def test_leave_without_membership_is_conflict(public, employee):
    with pytest.raises(Conflict) as exc:
        services.leave_community(employee=employee, community=public)
    assert exc.value.code == "not_member"


# --- join requests --------------------------------------------------------------------------


def test_request_to_join_creates_pending_request(private, employee):
    request = services.request_to_join(employee=employee, community=private, message=" Hallo ")
    assert (request.status, request.message) == (RequestStatus.PENDING, "Hallo")


def test_second_pending_request_is_conflict(private, employee):
    services.request_to_join(employee=employee, community=private)
    with pytest.raises(Conflict) as exc:
        services.request_to_join(employee=employee, community=private)
    assert exc.value.code == "request_pending"
    assert JoinRequest.objects.count() == 1


def test_request_as_member_is_conflict(private, owner):
    with pytest.raises(Conflict) as exc:
        services.request_to_join(employee=owner, community=private)
    assert exc.value.code == "already_member"


def test_request_to_open_community_is_conflict(public, employee):
    with pytest.raises(Conflict) as exc:
        services.request_to_join(employee=employee, community=public)
    assert exc.value.code == "open"


def test_request_to_secret_community_is_not_found(secret, employee):
    with pytest.raises(NotFound):
        services.request_to_join(employee=employee, community=secret)
    assert not JoinRequest.objects.exists()


def test_request_with_too_long_message_is_invalid(private, employee):
    with pytest.raises(InvalidInput):
        services.request_to_join(employee=employee, community=private, message="x" * 2001)
    assert not JoinRequest.objects.exists()


def test_withdraw_own_request(private, employee):
    request = services.request_to_join(employee=employee, community=private)
    services.withdraw_join_request(employee=employee, join_request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    # A withdrawn request no longer blocks a new one.
    assert services.request_to_join(employee=employee, community=private).pk != request.pk


def test_withdraw_someone_elses_request_is_forbidden(private, employee, kvr_colleague):
    request = services.request_to_join(employee=employee, community=private)
    with pytest.raises(Forbidden):
        services.withdraw_join_request(employee=kvr_colleague, join_request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_withdraw_decided_request_is_conflict(private, owner, employee):
    request = services.request_to_join(employee=employee, community=private)
    services.decline_join_request(actor=owner, join_request=request)
    with pytest.raises(Conflict) as exc:
        services.withdraw_join_request(employee=employee, join_request=request)
    assert exc.value.code == "not_pending"


def test_approve_creates_membership_and_closes_pending_invitation(private, owner, employee):
    request = services.request_to_join(employee=employee, community=private)
    invitation = services.invite_to_community(actor=owner, community=private, invitee=employee)
    membership = services.approve_join_request(actor=owner, join_request=request)
    request.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.role == Role.MEMBER
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, owner)
    assert invitation.status == InvitationStatus.ACCEPTED


def test_approve_by_plain_member_is_forbidden_and_changes_nothing(private, employee, kvr_colleague):
    add_member(private, kvr_colleague)
    request = services.request_to_join(employee=employee, community=private)
    before = state()
    with pytest.raises(Forbidden):
        services.approve_join_request(actor=kvr_colleague, join_request=request)
    assert state() == before


def test_approve_twice_is_conflict(private, owner, employee):
    request = services.request_to_join(employee=employee, community=private)
    services.approve_join_request(actor=owner, join_request=request)
    with pytest.raises(Conflict) as exc:
        services.approve_join_request(actor=owner, join_request=request)
    assert exc.value.code == "not_pending"
    assert Membership.objects.filter(community=private).count() == 2


def test_approve_requester_who_left_the_department_is_conflict(kvr_private, owner, employee, org):
    request = services.request_to_join(employee=employee, community=kvr_private)
    employee.department = org.rbs
    employee.save()
    with pytest.raises(Conflict) as exc:
        services.approve_join_request(actor=owner, join_request=request)
    assert exc.value.code == "not_eligible"
    assert role_of(kvr_private, employee) is None


def test_decline_request(private, owner, employee):
    request = services.request_to_join(employee=employee, community=private)
    declined = services.decline_join_request(actor=owner, join_request=request)
    assert (declined.status, declined.decided_by) == (RequestStatus.DECLINED, owner)
    assert role_of(private, employee) is None


# --- invitations ----------------------------------------------------------------------------


def test_invite_makes_secret_community_visible_to_invitee(secret, owner, employee):
    assert not can_see_community(employee, secret)
    invitation = services.invite_to_community(
        actor=owner, community=secret, invitee=employee, message="Komm dazu"
    )
    assert (invitation.status, invitation.invited_by) == (InvitationStatus.PENDING, owner)
    assert can_see_community(employee, secret)


def test_duplicate_invitation_is_conflict(secret, owner, employee):
    services.invite_to_community(actor=owner, community=secret, invitee=employee)
    with pytest.raises(Conflict) as exc:
        services.invite_to_community(actor=owner, community=secret, invitee=employee)
    assert exc.value.code == "already_invited"
    assert Invitation.objects.count() == 1


def test_inviting_a_member_is_conflict(public, owner):
    with pytest.raises(Conflict) as exc:
        services.invite_to_community(actor=owner, community=public, invitee=owner)
    assert exc.value.code == "already_member"


def test_inviting_outside_the_department_subtree_is_invalid(kvr_private, admin_user, org):
    outsider = EmployeeFactory(department=org.rbs)
    with pytest.raises(InvalidInput) as exc:
        services.invite_to_community(actor=admin_user, community=kvr_private, invitee=outsider)
    assert "employee_id" in exc.value.fields
    assert not Invitation.objects.exists()


def test_inviting_an_inactive_employee_is_invalid(public, owner, org):
    inactive = EmployeeFactory(department=org.kvr, is_active=False)
    with pytest.raises(InvalidInput):
        services.invite_to_community(actor=owner, community=public, invitee=inactive)


def test_invite_by_plain_member_is_forbidden(public, employee, kvr_colleague):
    add_member(public, kvr_colleague)
    with pytest.raises(Forbidden):
        services.invite_to_community(actor=kvr_colleague, community=public, invitee=employee)
    assert not Invitation.objects.exists()


def test_invite_to_hidden_secret_community_is_not_found(secret, employee, kvr_colleague):
    with pytest.raises(NotFound):
        services.invite_to_community(actor=employee, community=secret, invitee=kvr_colleague)


def test_invite_to_archived_community_is_conflict(public, owner, employee):
    services.archive_community(actor=owner, community=public)
    with pytest.raises(Conflict) as exc:
        services.invite_to_community(actor=owner, community=public, invitee=employee)
    assert exc.value.code == "archived"


def test_accept_creates_membership_and_closes_pending_request(private, owner, employee):
    request = services.request_to_join(employee=employee, community=private)
    invitation = services.invite_to_community(actor=owner, community=private, invitee=employee)
    membership = services.accept_invitation(employee=employee, invitation=invitation)
    invitation.refresh_from_db()
    request.refresh_from_db()
    assert membership.role == Role.MEMBER
    assert invitation.status == InvitationStatus.ACCEPTED
    assert request.status == RequestStatus.APPROVED


def test_accepting_someone_elses_invitation_is_not_found(secret, owner, employee, kvr_colleague):
    invitation = services.invite_to_community(actor=owner, community=secret, invitee=employee)
    before = state()
    with pytest.raises(NotFound):
        services.accept_invitation(employee=kvr_colleague, invitation=invitation)
    assert state() == before


def test_accepting_a_declined_invitation_is_conflict(public, owner, employee):
    invitation = services.invite_to_community(actor=owner, community=public, invitee=employee)
    services.decline_invitation(employee=employee, invitation=invitation)
    with pytest.raises(Conflict) as exc:
        services.accept_invitation(employee=employee, invitation=invitation)
    assert exc.value.code == "not_pending"
    assert role_of(public, employee) is None


def test_declining_secret_invitation_hides_the_community_again(secret, owner, employee):
    invitation = services.invite_to_community(actor=owner, community=secret, invitee=employee)
    declined = services.decline_invitation(employee=employee, invitation=invitation)
    assert declined.status == InvitationStatus.DECLINED
    assert not can_see_community(employee, secret)


def test_revoke_invitation(secret, owner, employee):
    invitation = services.invite_to_community(actor=owner, community=secret, invitee=employee)
    assert services.revoke_invitation(actor=owner, invitation=invitation).status == "revoked"
    with pytest.raises(NotFound):
        services.accept_invitation(employee=employee, invitation=invitation)


def test_revoke_by_invitee_is_forbidden(public, owner, employee):
    invitation = services.invite_to_community(actor=owner, community=public, invitee=employee)
    with pytest.raises(Forbidden):
        services.revoke_invitation(actor=employee, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


# --- roles, removal, ownership --------------------------------------------------------------


def test_moderator_removes_plain_member(public, kvr_colleague, employee):
    add_member(public, kvr_colleague, Role.MODERATOR)
    add_member(public, employee)
    services.remove_member(actor=kvr_colleague, community=public, employee=employee)
    assert role_of(public, employee) is None


def test_moderator_cannot_remove_moderator(public, kvr_colleague, employee):
    add_member(public, kvr_colleague, Role.MODERATOR)
    add_member(public, employee, Role.MODERATOR)
    before = state()
    with pytest.raises(Forbidden):
        services.remove_member(actor=kvr_colleague, community=public, employee=employee)
    assert state() == before


def test_plain_member_cannot_remove_anyone(public, kvr_colleague, employee):
    add_member(public, kvr_colleague)
    add_member(public, employee)
    with pytest.raises(Forbidden):
        services.remove_member(actor=kvr_colleague, community=public, employee=employee)


def test_owner_removes_moderator(public, owner, kvr_colleague):
    add_member(public, kvr_colleague, Role.MODERATOR)
    services.remove_member(actor=owner, community=public, employee=kvr_colleague)
    assert role_of(public, kvr_colleague) is None


def test_removing_the_last_owner_is_conflict_even_for_admin(public, owner, admin_user):
    with pytest.raises(Conflict) as exc:
        services.remove_member(actor=admin_user, community=public, employee=owner)
    assert exc.value.code == "last_owner"
    assert role_of(public, owner) == Role.OWNER


def test_removing_a_non_member_is_not_found(public, owner, employee):
    with pytest.raises(NotFound):
        services.remove_member(actor=owner, community=public, employee=employee)


def test_owner_promotes_member_to_moderator(public, owner, employee):
    add_member(public, employee)
    membership = services.change_role(
        actor=owner, community=public, employee=employee, role=Role.MODERATOR
    )
    assert membership.role == role_of(public, employee) == Role.MODERATOR


def test_moderator_cannot_change_roles(public, kvr_colleague, employee):
    add_member(public, kvr_colleague, Role.MODERATOR)
    add_member(public, employee)
    with pytest.raises(Forbidden):
        services.change_role(
            actor=kvr_colleague, community=public, employee=employee, role=Role.MODERATOR
        )
    assert role_of(public, employee) == Role.MEMBER


def test_demoting_the_last_owner_is_conflict(public, owner):
    with pytest.raises(Conflict) as exc:
        services.change_role(actor=owner, community=public, employee=owner, role=Role.MEMBER)
    assert exc.value.code == "last_owner"
    assert role_of(public, owner) == Role.OWNER


def test_change_to_unknown_role_is_invalid(public, owner, employee):
    add_member(public, employee)
    with pytest.raises(InvalidInput):
        services.change_role(actor=owner, community=public, employee=employee, role="king")
    assert role_of(public, employee) == Role.MEMBER


def test_transfer_ownership_makes_actor_moderator(public, owner, employee):
    add_member(public, employee)
    services.transfer_ownership(actor=owner, community=public, new_owner=employee)
    assert role_of(public, employee) == Role.OWNER
    assert role_of(public, owner) == Role.MODERATOR


def test_admin_transfer_as_non_member_demotes_nobody(public, owner, employee, admin_user):
    add_member(public, employee)
    services.transfer_ownership(actor=admin_user, community=public, new_owner=employee)
    assert role_of(public, employee) == role_of(public, owner) == Role.OWNER
    assert role_of(public, admin_user) is None


def test_transfer_to_non_member_is_invalid_and_changes_nothing(public, owner, employee):
    before = state()
    with pytest.raises(InvalidInput):
        services.transfer_ownership(actor=owner, community=public, new_owner=employee)
    assert state() == before


def test_transfer_by_moderator_is_forbidden(public, kvr_colleague, employee):
    add_member(public, kvr_colleague, Role.MODERATOR)
    add_member(public, employee)
    with pytest.raises(Forbidden):
        services.transfer_ownership(actor=kvr_colleague, community=public, new_owner=employee)
    assert role_of(public, employee) == Role.MEMBER


# --- department subtree ---------------------------------------------------------------------


def test_department_restriction_covers_the_whole_subtree(org, owner):
    community = CommunityFactory(department=org.kvr_i, visibility=Visibility.PUBLIC)
    deep = EmployeeFactory(department=org.kvr_i_1)
    above = EmployeeFactory(department=org.kvr)
    nowhere = EmployeeFactory(department=None)
    assert can_see_community(deep, community)
    assert not can_see_community(above, community)
    assert not can_see_community(nowhere, community)
