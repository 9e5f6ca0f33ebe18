"""The permission model as a matrix: personas x communities x access paths, each checked
against a small oracle written here, independently of communities/permissions.py.

The world (see conftest): every community has owner, moderator, member, member_elsewhere (RBS)
and inactive as members; invitee holds a pending invitation to the secret community; the
restricted communities are limited to the KVR subtree.
"""

from __future__ import annotations

import pytest

from communities.permissions import (
    can_read_community_content,
    can_see_community,
    readable_communities,
    visible_communities,
)

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

PERSONAS = [
    "outsider",
    "owner",
    "moderator",
    "member",
    "member_elsewhere",
    "other_dept",
    "admin",
    "inactive",
    "invitee",
]
COMMUNITIES = ["public", "private", "secret", "public_kvr", "private_kvr", "archived"]

# The world, described as plain facts.
MEMBER_ROLES = {
    "owner": "owner",
    "moderator": "moderator",
    "member": "member",
    "member_elsewhere": "member",
    "inactive": "member",
}
IN_KVR = {"outsider", "owner", "moderator", "member", "admin", "inactive", "invitee"}
RESTRICTED_TO_KVR = {"public_kvr", "private_kvr"}
VISIBILITY = {
    "public": "public",
    "private": "private",
    "secret": "secret",
    "public_kvr": "public",
    "private_kvr": "private",
    "archived": "public",
}
JOIN_POLICY = {"public": "open", "private": "request", "secret": "invitation"}
INVITED = {("invitee", "secret")}
ARCHIVED = {"archived"}


def sees(persona: str, community: str) -> bool:
    if persona == "inactive":
        return False
    if persona == "admin" or persona in MEMBER_ROLES:
        return True
    if community in RESTRICTED_TO_KVR and persona not in IN_KVR:
        return False
    if VISIBILITY[community] == "secret":
        return (persona, community) in INVITED
    return True


def reads_content(persona: str, community: str) -> bool:
    if not sees(persona, community):
        return False
    return persona == "admin" or VISIBILITY[community] == "public" or persona in MEMBER_ROLES


def moderates(persona: str, community: str) -> bool:
    return persona == "admin" or MEMBER_ROLES.get(persona) in {"owner", "moderator"}


def expected_status(persona: str, allowed: bool, visible: bool) -> int:
    if persona == "inactive":
        return 401  # a deactivated account's token no longer authenticates
    if not visible:
        return 404
    return 200 if allowed else 403


def join_outcome(persona: str, community: str) -> tuple[str, int, str | None]:
    """(endpoint, status, error code) for the natural way in: join, or request to join."""
    policy = JOIN_POLICY[VISIBILITY[community]]
    endpoint = "requests" if policy == "request" and persona != "admin" else "join"
    if persona == "inactive":
        return endpoint, 401, "not_authenticated"
    if not sees(persona, community):
        return endpoint, 404, "not_found"
    if community in ARCHIVED:
        return endpoint, 409, "archived"
    if persona in MEMBER_ROLES:
        return endpoint, 409, "already_member"
    if endpoint == "requests":
        return endpoint, 201, None
    if policy == "open" or persona == "admin" or (persona, community) in INVITED:
        return endpoint, 200, None
    return endpoint, 403, "invitation_required"


def _mismatches(world, client_for, path_for, expected_for) -> list[str]:
    wrong = []
    for persona in PERSONAS:
        client = client_for(world.personas[persona])
        for name in COMMUNITIES:
            slug = world.communities[name].slug
            status = client.get_json(path_for(slug)).status_code
            expected = expected_for(persona, name)
            if status != expected:
                wrong.append(f"{persona} x {name}: {status}, expected {expected}")
    return wrong


def test_the_oracle_covers_every_community_and_persona(world):
    assert set(world.communities) == set(COMMUNITIES)
    assert set(world.personas) == set(PERSONAS)


def test_predicates_agree_with_the_oracle(world):
    wrong = []
    for persona in PERSONAS:
        user = world.personas[persona]
        for name in COMMUNITIES:
            community = world.communities[name]
            if can_see_community(user, community) != sees(persona, name):
                wrong.append(f"see {persona} x {name}")
            if can_read_community_content(user, community) != reads_content(persona, name):
                wrong.append(f"read {persona} x {name}")
    assert wrong == []


def test_queryset_filters_agree_with_the_predicates(world):
    wrong = []
    for persona in PERSONAS:
        user = world.personas[persona]
        visible = set(visible_communities(user).values_list("pk", flat=True))
        readable = set(readable_communities(user).values_list("pk", flat=True))
        for name in COMMUNITIES:
            community = world.communities[name]
            if (community.pk in visible) != can_see_community(user, community):
                wrong.append(f"visible {persona} x {name}")
            if (community.pk in readable) != can_read_community_content(user, community):
                wrong.append(f"readable {persona} x {name}")
    assert wrong == []


def test_detail_is_200_when_visible_and_404_when_hidden(world, client_for):
    wrong = _mismatches(
        world,
        client_for,
        lambda slug: f"/communities/{slug}",
        lambda p, c: expected_status(p, True, sees(p, c)),
    )
    assert wrong == []


def test_members_list_needs_content_access(world, client_for):
    wrong = _mismatches(
        world,
        client_for,
        lambda slug: f"/communities/{slug}/members",
        lambda p, c: expected_status(p, reads_content(p, c), sees(p, c)),
    )
    assert wrong == []


def test_invitations_and_requests_lists_are_for_moderators(world, client_for):
    for sub in ("invitations", "requests"):
        wrong = _mismatches(
            world,
            client_for,
            lambda slug, sub=sub: f"/communities/{slug}/{sub}",
            lambda p, c: expected_status(p, moderates(p, c), sees(p, c)),
        )
        assert wrong == [], sub


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "inactive"])
def test_list_contains_exactly_the_visible_communities(world, client_for, persona):
    body = client_for(world.personas[persona]).get_json("/communities/", limit=100).json()
    listed = {item["slug"] for item in body["items"]}
    expected = {world.communities[c].slug for c in COMMUNITIES if sees(persona, c)}
    assert listed == expected
    assert len(body["items"]) == len(expected)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "inactive"])
def test_list_filters_never_widen_what_is_visible(world, client_for, persona):
    client = client_for(world.personas[persona])
    expected = {world.communities[c].slug for c in COMMUNITIES if sees(persona, c)}
    for params in (
        {"visibility": "secret"},
        {"visibility": "private"},
        {"department": world.communities["public_kvr"].department_id},
        {"q": "KVR"},
        {"mine": "true"},
    ):
        body = client.get_json("/communities/", limit=100, **params).json()
        assert {item["slug"] for item in body["items"]} <= expected, params


def test_inactive_employee_sees_nothing_even_as_member(world, client_for):
    assert client_for(world.personas["inactive"]).get_json("/communities/").status_code == 401
    assert not visible_communities(world.personas["inactive"]).exists()


@pytest.mark.parametrize("community", COMMUNITIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_join_or_request_follows_visibility_policy_and_state(world, client_for, persona, community):
    endpoint, status, code = join_outcome(persona, community)
    slug = world.communities[community].slug
    response = client_for(world.personas[persona]).post_json(f"/communities/{slug}/{endpoint}")
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["error"]["code"] == code
