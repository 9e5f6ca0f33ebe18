"""The Django admin for communities: usable by a site admin, never leaves a community ownerless."""

from __future__ import annotations

import pytest

from communities.models import Community, Membership, Role
from tests.factories import CommunityFactory, add_member

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

INLINE = "memberships"


def inline_management(total: int = 0, initial: int = 0) -> dict:
    return {
        f"{INLINE}-TOTAL_FORMS": str(total),
        f"{INLINE}-INITIAL_FORMS": str(initial),
        f"{INLINE}-MIN_NUM_FORMS": "0",
        f"{INLINE}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def community_form(**overrides) -> dict:
    return {
        "name": "Aus dem Admin",
        "slug": "aus-dem-admin",
        "description": "",
        "visibility": "public",
        "join_policy": "open",
        "department": "",
        "tags": "",
        **inline_management(),
        **overrides,
    }


def test_changelist_and_search_work(admin_client):
    CommunityFactory(name="Radlfreunde")
    response = admin_client.get("/admin/communities/community/", {"q": "Radl"})
    assert response.status_code == 200
    assert b"Radlfreunde" in response.content


def test_creating_a_community_in_admin_makes_the_admin_its_owner(admin_client, admin_user):
    response = admin_client.post("/admin/communities/community/add/", community_form())
    assert response.status_code == 302, response.content
    community = Community.objects.get(slug="aus-dem-admin")
    assert community.created_by == admin_user
    assert Membership.objects.get(community=community).employee == admin_user
    assert Membership.objects.get(community=community).role == Role.OWNER


def test_admin_form_enforces_the_visibility_policy_constraint(admin_client):
    response = admin_client.post(
        "/admin/communities/community/add/",
        community_form(visibility="secret", join_policy="open"),
    )
    assert response.status_code == 200  # form redisplayed with the error
    assert not Community.objects.exists()


def test_admin_cannot_remove_the_last_owner_through_the_inline(admin_client, employee):
    community = CommunityFactory(slug="c")
    membership = add_member(community, employee, Role.OWNER)
    data = community_form(
        name=community.name,
        slug="c",
        **inline_management(total=1, initial=1),
        **{
            f"{INLINE}-0-id": str(membership.pk),
            f"{INLINE}-0-community": str(community.pk),
            f"{INLINE}-0-employee": str(employee.pk),
            f"{INLINE}-0-role": "member",
        },
    )
    response = admin_client.post(f"/admin/communities/community/{community.pk}/change/", data)
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_archive_action_goes_through_the_service(admin_client):
    community = CommunityFactory()
    response = admin_client.post(
        "/admin/communities/community/",
        {"action": "archive", "_selected_action": [str(community.pk)]},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.is_archived and community.archived_at is not None
