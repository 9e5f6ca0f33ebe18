"""Fixtures for the communities tests: a small world of personas and communities.

Personas: outsider (KVR-I-1, no role), owner/moderator/member (KVR-I, members of every
community), member_elsewhere (RBS, member of every community), other_dept (RBS, no role),
admin (KVR, site admin, no role), inactive (KVR-I-1, member of every community, deactivated)
and invitee (KVR-I-1, pending invitation to the secret community).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from communities.models import Community, Invitation, Role, Visibility
from people.models import Employee
from tests.factories import CommunityFactory, EmployeeFactory, add_member


@dataclass
class World:
    personas: dict[str, Employee]
    communities: dict[str, Community]


@pytest.fixture
def world(org, employee, other_employee, admin_user) -> World:
    owner = EmployeeFactory(department=org.kvr_i, username="olga.owner")
    moderator = EmployeeFactory(department=org.kvr_i, username="mona.moderator")
    member = EmployeeFactory(department=org.kvr_i, username="mia.member")
    member_elsewhere = EmployeeFactory(department=org.rbs, username="rudi.rbs")
    inactive = EmployeeFactory(department=org.kvr_i_1, username="ina.inactive", is_active=False)
    invitee = EmployeeFactory(department=org.kvr_i_1, username="ivo.invitee")
    communities = {
        "public": CommunityFactory(name="Radlfreunde", slug="public"),
        "private": CommunityFactory(
            name="Personalrat", slug="private", visibility=Visibility.PRIVATE
        ),
        "secret": CommunityFactory(name="Projekt X", slug="secret", visibility=Visibility.SECRET),
        "public_kvr": CommunityFactory(name="KVR Allgemein", slug="public-kvr", department=org.kvr),
        "private_kvr": CommunityFactory(
            name="KVR Leitung",
            slug="private-kvr",
            visibility=Visibility.PRIVATE,
            department=org.kvr,
        ),
        "archived": CommunityFactory(name="Altes Projekt", slug="archived", is_archived=True),
    }
    for community in communities.values():
        add_member(community, owner, Role.OWNER)
        add_member(community, moderator, Role.MODERATOR)
        add_member(community, member)
        add_member(community, member_elsewhere)
        add_member(community, inactive)
    Invitation.objects.create(community=communities["secret"], invitee=invitee, invited_by=owner)
    personas = {
        "outsider": employee,
        "owner": owner,
        "moderator": moderator,
        "member": member,
        "member_elsewhere": member_elsewhere,
        "other_dept": other_employee,
        "admin": admin_user,
        "inactive": inactive,
        "invitee": invitee,
    }
    # Fresh instances, as a request would load them.
    personas = {k: Employee.objects.get(pk=v.pk) for k, v in personas.items()}
    communities = {k: Community.objects.get(pk=v.pk) for k, v in communities.items()}
    return World(personas=personas, communities=communities)


@pytest.fixture
def owner(org) -> Employee:
    return EmployeeFactory(department=org.kvr_i, username="olga.owner")


@pytest.fixture
def kvr_colleague(org) -> Employee:
    return EmployeeFactory(department=org.kvr_i, username="karl.kvr")
