"""The communities REST API: every endpoint answers success, 401, 404 for hidden, 403 and 422
as documented, and never a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities import services
from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
)
from tests.factories import CommunityFactory, EmployeeFactory, add_member

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

# (method, path, body): {slug}, {emp}, {req}, {inv} are filled in per test.
ENDPOINTS = [
    ("get", "/communities/", None),
    ("post", "/communities/", {"name": "Neu"}),
    ("get", "/communities/invitations/mine", None),
    ("post", "/communities/invitations/{inv}/accept", None),
    ("post", "/communities/invitations/{inv}/decline", None),
    ("get", "/communities/{slug}", None),
    ("patch", "/communities/{slug}", {"name": "Neu"}),
    ("post", "/communities/{slug}/archive", None),
    ("post", "/communities/{slug}/unarchive", None),
    ("get", "/communities/{slug}/members", None),
    ("patch", "/communities/{slug}/members/{emp}", {"role": "moderator"}),
    ("delete", "/communities/{slug}/members/{emp}", None),
    ("post", "/communities/{slug}/join", None),
    ("post", "/communities/{slug}/leave", None),
    ("post", "/communities/{slug}/transfer-ownership", {"employee_id": "{emp}"}),
    ("post", "/communities/{slug}/requests", {"message": "Hallo"}),
    ("get", "/communities/{slug}/requests", None),
    ("post", "/communities/{slug}/requests/{req}/approve", None),
    ("post", "/communities/{slug}/requests/{req}/decline", None),
    ("delete", "/communities/{slug}/requests/{req}", None),
    ("post", "/communities/{slug}/invitations", {"employee_id": "{emp}"}),
    ("get", "/communities/{slug}/invitations", None),
    ("delete", "/communities/{slug}/invitations/{inv}", None),
]
SLUG_ENDPOINTS = [e for e in ENDPOINTS if "{slug}" in e[1]]


def call(client, method: str, path: str, body=None, **ids):
    path = path.format(**ids)
    if body is not None:
        body = {k: (ids["emp"] if v == "{emp}" else v) for k, v in body.items()}
    if method in ("get", "delete"):
        return getattr(client, f"{method}_json")(path)
    return getattr(client, f"{method}_json")(path, body)


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def ids(world) -> dict:
    """Ids of real objects inside the secret community, for probing it."""
    secret = world.communities["secret"]
    request = JoinRequest.objects.create(community=secret, employee=world.personas["admin"])
    return {
        "slug": secret.slug,
        "emp": world.personas["member"].pk,
        "req": request.pk,
        "inv": Invitation.objects.get(community=secret).pk,
    }


# --- Every endpoint -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_requires_authentication(anon, ids, method, path, body):
    response = call(anon, method, path, body, **ids)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize(("method", "path", "body"), SLUG_ENDPOINTS)
def test_hidden_community_is_indistinguishable_from_a_missing_one(
    world, client_for, ids, method, path, body
):
    client = client_for(world.personas["outsider"])
    hidden = call(client, method, path, body, **ids)
    missing = call(client, method, path, body, **{**ids, "slug": "gibt-es-nicht"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_secret_invitation_of_someone_else_is_404(world, client_for, ids):
    client = client_for(world.personas["outsider"])
    for action in ("accept", "decline"):
        response = client.post_json(f"/communities/invitations/{ids['inv']}/{action}")
        assert response.status_code == 404


ODD_VALUES = [
    "x" * 100_000,
    "\x00",
    "💥" * 50,
    "\uff2b\uff36\uff32",  # fullwidth KVR
    "\ud800",  # a lone surrogate
    "",
    None,
    -1,
    0,
    10**30,
    [],
    {"a": 1},
    True,
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_odd_input_never_causes_a_server_error(world, client_for, ids, method, path, body):
    client = client_for(world.personas["admin"])
    for slug in ("x" * 500, "%F0%9F%92%A5", "ä", "public"):
        for id_value in ("0", "-1", "99999999999999999999999999", "abc"):
            response = call(
                client, method, path, None, slug=slug, emp=id_value, req=id_value, inv=id_value
            )
            assert response.status_code < 500, (slug, id_value)
    if body is not None:
        for key in body:
            for value in ODD_VALUES:
                response = call(client, method, path, {**body, key: value}, **ids)
                assert response.status_code < 500, (key, value)
    if method == "get":
        for params in (
            {"limit": "0"},
            {"limit": "10000000000000000000000"},
            {"cursor": "kaputt"},
            {"cursor": "W10"},
            {"q": "x" * 5000},
            {"department": "abc"},
            {"department": "999999"},
            {"visibility": "weird"},
            {"status": "weird"},
            {"role": "king"},
            {"mine": "vielleicht"},
        ):
            response = client.get(f"/api/v1{path.format(**ids)}", params)
            assert response.status_code < 500, params


# --- GET /communities/ ----------------------------------------------------------------------


def test_list_shows_my_role_request_and_invitation(world, client_for):
    outsider = world.personas["outsider"]
    services.request_to_join(employee=outsider, community=world.communities["private"])
    invitation = services.invite_to_community(
        actor=world.personas["owner"], community=world.communities["public"], invitee=outsider
    )
    services.join_community(employee=outsider, community=world.communities["public_kvr"])
    items = {
        item["slug"]: item
        for item in client_for(outsider).get_json("/communities/").json()["items"]
    }
    assert items["private"]["my_pending_request"] is True
    assert items["public"]["my_pending_invitation_id"] == invitation.pk
    assert items["public-kvr"]["my_role"] == "member"
    assert items["public-kvr"]["member_count"] == 6
    assert items["public-kvr"]["department"]["short_code"] == "KVR"
    assert items["public"]["my_role"] is None


def test_list_filters(world, client_for, org):
    services.update_community(
        actor=world.personas["owner"], community=world.communities["public"], tags=["Radl"]
    )
    client = client_for(world.personas["outsider"])

    def slugs(**params) -> list[str]:
        response = client.get_json("/communities/", **params)
        assert response.status_code == 200, response.content
        return [item["slug"] for item in response.json()["items"]]

    assert slugs(tag="radl") == ["public"]
    assert slugs(q="kvr") == ["public-kvr", "private-kvr"]
    assert slugs(visibility="private") == ["private-kvr", "private"]
    assert slugs(department=org.kvr.pk) == ["public-kvr", "private-kvr"]
    assert slugs(department=org.kvr_i.pk) == []
    assert slugs(mine="true") == []
    owner_client = client_for(world.personas["owner"])
    mine = owner_client.get_json("/communities/", mine="true").json()["items"]
    assert len(mine) == 6


def test_list_with_unknown_department_is_422(world, client_for):
    response = client_for(world.personas["outsider"]).get_json("/communities/", department=999)
    assert response.status_code == 422
    assert "department" in response.json()["error"]["fields"]


def test_list_is_keyset_paginated_by_name(world, client_for):
    client = client_for(world.personas["admin"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get_json("/communities/", **params).json()
        seen += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(Community.objects.values_list("name", flat=True))


def test_list_query_count_does_not_depend_on_page_size(
    org, employee, client_for, django_assert_max_num_queries
):
    other = EmployeeFactory(department=org.kvr)
    for i in range(30):
        community = CommunityFactory(name=f"Gruppe {i:02}")
        community.tags.add("a", "b")
        add_member(community, other, Role.OWNER)
        if i % 3 == 0:
            add_member(community, employee)
        elif i % 3 == 1:
            JoinRequest.objects.create(community=community, employee=employee)
        else:
            Invitation.objects.create(community=community, invitee=employee, invited_by=other)
    client = client_for(employee)
    client.get_json("/communities/", limit=1)  # warm up: the token's first use is recorded

    counts = []
    for limit in (1, 30):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get_json("/communities/", limit=limit)
        assert len(response.json()["items"]) == limit
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(5):
        client.get_json("/communities/", limit=30)


# --- POST /communities/ ---------------------------------------------------------------------


def test_create_community_returns_201_with_owner_role(employee, client_for, org):
    response = client_for(employee).post_json(
        "/communities/",
        {
            "name": "Schulweg Sicherheit",
            "visibility": "private",
            "department_id": org.kvr.pk,
            "tags": ["Schule"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "schulweg-sicherheit"
    assert (body["join_policy"], body["my_role"], body["member_count"]) == ("request", "owner", 1)
    assert body["tags"] == ["Schule"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "x" * 121},
        {"name": "ok", "visibility": "hidden"},
        {"name": "ok", "visibility": "secret", "join_policy": "open"},
        {"name": "ok", "slug": "Leer zeichen"},
        {"name": "ok", "department_id": 999999},
        {"name": "ok", "tags": "kein-array"},
        {"name": "\ud800"},
    ],
)
def test_create_community_with_invalid_input_is_422(employee, client_for, payload):
    response = client_for(employee).post_json("/communities/", payload)
    assert response.status_code == 422, response.content
    assert not Community.objects.exists()


def test_create_community_restricted_to_admins_is_403(settings, employee, client_for):
    settings.WILMA = {**settings.WILMA, "COMMUNITY_CREATION": "admins"}
    response = client_for(employee).post_json("/communities/", {"name": "Neu"})
    assert response.status_code == 403
    assert error_code(response) == "creation_restricted"


def test_create_community_with_taken_slug_is_409(world, client_for):
    response = client_for(world.personas["outsider"]).post_json(
        "/communities/", {"name": "x", "slug": "public"}
    )
    assert response.status_code == 409
    assert error_code(response) == "slug_taken"


# --- GET/PATCH /communities/{slug}, archive, unarchive --------------------------------------


def test_get_community(world, client_for):
    response = client_for(world.personas["member"]).get_json("/communities/private")
    assert response.status_code == 200
    assert response.json()["my_role"] == "member"


def test_patch_community_by_moderator(world, client_for):
    response = client_for(world.personas["moderator"]).patch_json(
        "/communities/private",
        {"description": "Neu", "visibility": "secret", "join_policy": "invitation"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["visibility"], response.json()["description"]) == ("secret", "Neu")


def test_patch_department_null_lifts_restriction(world, client_for):
    response = client_for(world.personas["owner"]).patch_json(
        "/communities/public-kvr", {"department_id": None}
    )
    assert response.status_code == 200
    assert response.json()["department"] is None


def test_patch_community_by_member_is_403(world, client_for):
    response = client_for(world.personas["member"]).patch_json("/communities/public", {"name": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "payload",
    [
        {"visibility": "private"},
        {"name": None},
        {"name": "   "},
        {"join_policy": "sometimes"},
        {"department_id": 999999},
        {"tags": None},
    ],
)
def test_patch_community_with_invalid_input_is_422(world, client_for, payload):
    response = client_for(world.personas["owner"]).patch_json("/communities/public", payload)
    assert response.status_code == 422, response.content
    assert Community.objects.get(slug="public").visibility == "public"


def test_patch_archived_community_is_409(world, client_for):
    response = client_for(world.personas["owner"]).patch_json(
        "/communities/archived", {"name": "x"}
    )
    assert response.status_code == 409
    assert error_code(response) == "archived"


def test_archive_and_unarchive_by_owner(world, client_for):
    client = client_for(world.personas["owner"])
    archived = client.post_json("/communities/public/archive")
    assert archived.status_code == 200 and archived.json()["is_archived"] is True
    restored = client.post_json("/communities/public/unarchive")
    assert restored.status_code == 200 and restored.json()["is_archived"] is False


def test_archive_by_moderator_is_403(world, client_for):
    client = client_for(world.personas["moderator"])
    assert client.post_json("/communities/public/archive").status_code == 403
    assert client.post_json("/communities/archived/unarchive").status_code == 403


# --- Members --------------------------------------------------------------------------------


def test_members_list_with_role_filter_and_pagination(world, client_for):
    client = client_for(world.personas["outsider"])
    body = client.get_json("/communities/public/members", role="owner").json()
    assert [m["employee"]["username"] for m in body["items"]] == ["olga.owner"]
    assert body["items"][0]["employee"]["department_code"] == "KVR-I"
    first = client.get_json("/communities/public/members", limit=3).json()
    rest = client.get_json("/communities/public/members", cursor=first["next_cursor"]).json()
    names = [m["employee"]["id"] for m in first["items"] + rest["items"]]
    assert len(names) == len(set(names)) == 5


def test_members_of_private_community_are_403_for_non_members(world, client_for):
    response = client_for(world.personas["outsider"]).get_json("/communities/private/members")
    assert response.status_code == 403
    assert error_code(response) == "members_only"


def test_members_list_with_invalid_role_is_422(world, client_for):
    response = client_for(world.personas["member"]).get_json(
        "/communities/public/members", role="king"
    )
    assert response.status_code == 422


def test_change_role_by_owner(world, client_for):
    member = world.personas["member"]
    response = client_for(world.personas["owner"]).patch_json(
        f"/communities/public/members/{member.pk}", {"role": "moderator"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "moderator"


def test_change_role_by_moderator_is_403(world, client_for):
    member = world.personas["member"]
    response = client_for(world.personas["moderator"]).patch_json(
        f"/communities/public/members/{member.pk}", {"role": "owner"}
    )
    assert response.status_code == 403
    assert Membership.objects.get(employee=member, community__slug="public").role == "member"


def test_change_role_to_unknown_role_is_422(world, client_for):
    member = world.personas["member"]
    response = client_for(world.personas["owner"]).patch_json(
        f"/communities/public/members/{member.pk}", {"role": "king"}
    )
    assert response.status_code == 422


def test_demoting_last_owner_is_409(world, client_for):
    owner = world.personas["owner"]
    response = client_for(owner).patch_json(
        f"/communities/public/members/{owner.pk}", {"role": "member"}
    )
    assert response.status_code == 409
    assert error_code(response) == "last_owner"


def test_change_role_of_non_member_is_404(world, client_for):
    outsider = world.personas["outsider"]
    response = client_for(world.personas["owner"]).patch_json(
        f"/communities/public/members/{outsider.pk}", {"role": "member"}
    )
    assert response.status_code == 404


def test_remove_member_by_moderator(world, client_for):
    member = world.personas["member"]
    response = client_for(world.personas["moderator"]).delete_json(
        f"/communities/public/members/{member.pk}"
    )
    assert response.status_code == 204
    assert not Membership.objects.filter(employee=member, community__slug="public").exists()


def test_remove_member_by_plain_member_is_403(world, client_for):
    moderator = world.personas["moderator"]
    response = client_for(world.personas["member"]).delete_json(
        f"/communities/public/members/{moderator.pk}"
    )
    assert response.status_code == 403


def test_private_outsider_cannot_probe_membership_via_remove(world, client_for):
    client = client_for(world.personas["outsider"])
    member = client.delete_json(f"/communities/private/members/{world.personas['member'].pk}")
    stranger = client.delete_json(f"/communities/private/members/{world.personas['admin'].pk}")
    assert member.status_code == stranger.status_code == 403


def test_join_open_community(world, client_for):
    response = client_for(world.personas["outsider"]).post_json("/communities/public/join")
    assert response.status_code == 200
    assert response.json()["role"] == "member"


def test_join_secret_community_without_invitation_is_404(world, client_for):
    response = client_for(world.personas["outsider"]).post_json("/communities/secret/join")
    assert response.status_code == 404


def test_join_request_community_is_403_request_required(world, client_for):
    response = client_for(world.personas["outsider"]).post_json("/communities/private/join")
    assert response.status_code == 403
    assert error_code(response) == "request_required"


def test_leave_community(world, client_for):
    response = client_for(world.personas["member"]).post_json("/communities/public/leave")
    assert response.status_code == 204


def test_leave_as_last_owner_is_409(world, client_for):
    response = client_for(world.personas["owner"]).post_json("/communities/public/leave")
    assert response.status_code == 409
    assert error_code(response) == "last_owner"


def test_transfer_ownership(world, client_for):
    member = world.personas["member"]
    response = client_for(world.personas["owner"]).post_json(
        "/communities/public/transfer-ownership", {"employee_id": member.pk}
    )
    assert response.status_code == 204
    roles = dict(
        Membership.objects.filter(community__slug="public").values_list("employee", "role")
    )
    assert roles[member.pk] == "owner"
    assert roles[world.personas["owner"].pk] == "moderator"


def test_transfer_ownership_by_moderator_is_403(world, client_for):
    response = client_for(world.personas["moderator"]).post_json(
        "/communities/public/transfer-ownership", {"employee_id": world.personas["member"].pk}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("employee_id", [999999, "abc", None])
def test_transfer_ownership_to_unknown_employee_is_422(world, client_for, employee_id):
    response = client_for(world.personas["owner"]).post_json(
        "/communities/public/transfer-ownership", {"employee_id": employee_id}
    )
    assert response.status_code == 422


def test_transfer_ownership_to_non_member_is_422(world, client_for):
    response = client_for(world.personas["owner"]).post_json(
        "/communities/public/transfer-ownership", {"employee_id": world.personas["outsider"].pk}
    )
    assert response.status_code == 422


# --- Join requests --------------------------------------------------------------------------


@pytest.fixture
def pending_request(world) -> JoinRequest:
    return services.request_to_join(
        employee=world.personas["outsider"], community=world.communities["private"]
    )


def test_request_to_join_returns_201(world, client_for):
    response = client_for(world.personas["outsider"]).post_json(
        "/communities/private/requests", {"message": "Ich möchte mitmachen"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["message"]) == ("pending", "Ich möchte mitmachen")
    assert body["employee"]["username"] == "erika.mustermann"


def test_duplicate_request_is_409(world, client_for, pending_request):
    response = client_for(world.personas["outsider"]).post_json("/communities/private/requests")
    assert response.status_code == 409
    assert error_code(response) == "request_pending"


def test_request_with_too_long_message_is_422(world, client_for):
    response = client_for(world.personas["outsider"]).post_json(
        "/communities/private/requests", {"message": "x" * 2001}
    )
    assert response.status_code == 422


def test_list_requests_for_moderators(world, client_for, pending_request):
    client = client_for(world.personas["moderator"])
    body = client.get_json("/communities/private/requests").json()
    assert [r["id"] for r in body["items"]] == [pending_request.pk]
    assert client.get_json("/communities/private/requests", status="approved").json() == {
        "items": [],
        "next_cursor": None,
    }


def test_list_requests_by_member_is_403(world, client_for):
    response = client_for(world.personas["member"]).get_json("/communities/private/requests")
    assert response.status_code == 403


def test_list_requests_with_invalid_status_is_422(world, client_for):
    response = client_for(world.personas["owner"]).get_json(
        "/communities/private/requests", status="weird"
    )
    assert response.status_code == 422


def test_approve_request(world, client_for, pending_request):
    response = client_for(world.personas["moderator"]).post_json(
        f"/communities/private/requests/{pending_request.pk}/approve"
    )
    assert response.status_code == 200, response.content
    assert response.json()["employee"]["username"] == "erika.mustermann"
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.APPROVED


def test_approve_own_request_is_403(world, client_for, pending_request):
    response = client_for(world.personas["outsider"]).post_json(
        f"/communities/private/requests/{pending_request.pk}/approve"
    )
    assert response.status_code == 403


def test_request_of_someone_else_is_404_for_plain_members(world, client_for, pending_request):
    response = client_for(world.personas["member"]).post_json(
        f"/communities/private/requests/{pending_request.pk}/approve"
    )
    assert response.status_code == 404


def test_request_id_of_another_community_is_404(world, client_for, pending_request):
    response = client_for(world.personas["owner"]).post_json(
        f"/communities/public/requests/{pending_request.pk}/approve"
    )
    assert response.status_code == 404


def test_approve_decided_request_is_409(world, client_for, pending_request):
    client = client_for(world.personas["owner"])
    assert client.post_json(f"/communities/private/requests/{pending_request.pk}/decline").json()[
        "status"
    ] == ("declined")
    response = client.post_json(f"/communities/private/requests/{pending_request.pk}/approve")
    assert response.status_code == 409
    assert error_code(response) == "not_pending"


def test_decline_request_by_member_is_404(world, client_for, pending_request):
    response = client_for(world.personas["member"]).post_json(
        f"/communities/private/requests/{pending_request.pk}/decline"
    )
    assert response.status_code == 404


def test_withdraw_own_request(world, client_for, pending_request):
    response = client_for(world.personas["outsider"]).delete_json(
        f"/communities/private/requests/{pending_request.pk}"
    )
    assert response.status_code == 204
    pending_request.refresh_from_db()
    assert pending_request.status == RequestStatus.WITHDRAWN


def test_withdraw_someone_elses_request_is_403_for_moderators(world, client_for, pending_request):
    response = client_for(world.personas["moderator"]).delete_json(
        f"/communities/private/requests/{pending_request.pk}"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("request_id", ["0", "abc", "99999999999999999999999"])
def test_request_id_that_is_not_an_id_is_422(world, client_for, request_id):
    response = client_for(world.personas["owner"]).post_json(
        f"/communities/private/requests/{request_id}/approve"
    )
    assert response.status_code == 422


# --- Invitations ----------------------------------------------------------------------------


def test_invite_returns_201_and_shows_in_invitees_list(world, client_for):
    outsider = world.personas["outsider"]
    response = client_for(world.personas["moderator"]).post_json(
        "/communities/private/invitations", {"employee_id": outsider.pk, "message": "Servus"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["invitee"]["id"] == outsider.pk
    mine = client_for(outsider).get_json("/communities/invitations/mine").json()["items"]
    assert [i["community"]["slug"] for i in mine] == ["private"]


def test_invite_by_member_is_403(world, client_for):
    response = client_for(world.personas["member"]).post_json(
        "/communities/private/invitations", {"employee_id": world.personas["outsider"].pk}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("employee_id", [999999, "abc", None])
def test_invite_unknown_employee_is_422(world, client_for, employee_id):
    response = client_for(world.personas["owner"]).post_json(
        "/communities/private/invitations", {"employee_id": employee_id}
    )
    assert response.status_code == 422


def test_invite_outside_department_is_422(world, client_for):
    response = client_for(world.personas["owner"]).post_json(
        "/communities/private-kvr/invitations", {"employee_id": world.personas["other_dept"].pk}
    )
    assert response.status_code == 422
    assert "employee_id" in response.json()["error"]["fields"]


def test_duplicate_invitation_is_409(world, client_for):
    response = client_for(world.personas["owner"]).post_json(
        "/communities/secret/invitations", {"employee_id": world.personas["invitee"].pk}
    )
    assert response.status_code == 409
    assert error_code(response) == "already_invited"


def test_list_invitations_for_moderators(world, client_for):
    client = client_for(world.personas["moderator"])
    body = client.get_json("/communities/secret/invitations").json()
    assert [i["invitee"]["username"] for i in body["items"]] == ["ivo.invitee"]
    response = client.get_json("/communities/secret/invitations", status="nope")
    assert response.status_code == 422


def test_list_invitations_by_member_is_403(world, client_for):
    response = client_for(world.personas["member"]).get_json("/communities/secret/invitations")
    assert response.status_code == 403


def test_invitee_sees_secret_community_and_accepts(world, client_for):
    invitee = world.personas["invitee"]
    client = client_for(invitee)
    mine = client.get_json("/communities/invitations/mine").json()["items"]
    assert [i["community"]["slug"] for i in mine] == ["secret"]
    detail = client.get_json("/communities/secret").json()
    assert detail["my_pending_invitation_id"] == mine[0]["id"]
    response = client.post_json(f"/communities/invitations/{mine[0]['id']}/accept")
    assert response.status_code == 200
    assert response.json()["role"] == "member"
    assert client.get_json("/communities/invitations/mine").json()["items"] == []
    again = client.post_json(f"/communities/invitations/{mine[0]['id']}/accept")
    assert again.status_code == 409


def test_invitee_declines(world, client_for):
    invitation = Invitation.objects.get(community__slug="secret")
    client = client_for(world.personas["invitee"])
    response = client.post_json(f"/communities/invitations/{invitation.pk}/decline")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert client.get_json("/communities/secret").status_code == 404


def test_revoke_invitation(world, client_for):
    invitation = Invitation.objects.get(community__slug="secret")
    response = client_for(world.personas["moderator"]).delete_json(
        f"/communities/secret/invitations/{invitation.pk}"
    )
    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


def test_revoke_by_invitee_is_403(world, client_for):
    invitation = Invitation.objects.get(community__slug="secret")
    response = client_for(world.personas["invitee"]).delete_json(
        f"/communities/secret/invitations/{invitation.pk}"
    )
    assert response.status_code == 403


def test_revoke_by_plain_member_is_404(world, client_for):
    invitation = Invitation.objects.get(community__slug="secret")
    response = client_for(world.personas["member"]).delete_json(
        f"/communities/secret/invitations/{invitation.pk}"
    )
    assert response.status_code == 404


# --- Documentation --------------------------------------------------------------------------


def test_every_operation_has_a_summary(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    operations = [
        op for path, item in paths.items() if "/communities" in path for op in item.values()
    ]
    assert len(operations) == len(ENDPOINTS)
    assert all(op.get("summary") for op in operations)


def test_invitation_routes_are_not_taken_for_a_slug(world, client_for):
    # A community whose slug is "invitations" must not shadow /invitations/mine.
    services.create_community(creator=world.personas["owner"], name="Invitations")
    response = client_for(world.personas["invitee"]).get_json("/communities/invitations/mine")
    assert response.status_code == 200
    assert "items" in response.json()
