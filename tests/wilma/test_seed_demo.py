"""`manage.py seed_demo` and the demo organisation it builds (wilma/demo.py).

Building takes a few seconds, so the organisation is built once per module inside an outer
transaction that is rolled back at the end; every test runs in a savepoint within it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

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
from people.models import Department, Employee, Follow
from wilma.demo import DEFAULT_SEED, DEMO_PASSWORD, build_demo

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Overrides the suite's fast hasher: the demo is built once per module with the real one."""


NAMED_COMMUNITIES = (
    "Digitalisierung",
    "Open Government",
    "Smart City",
    "E-Mobilität",
    "Nachwuchskräfte",
    "BarCamp Digitale Stadt",
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo(seed=DEFAULT_SEED)
        yield summary
        transaction.set_rollback(True)


def fingerprint() -> str:
    """A digest of everything the seed decides, independent of primary keys and timestamps."""
    parts = [
        sorted(Department.objects.values_list("short_code", "name", "depth", "path")),
        sorted(
            Employee.objects.values_list(
                "username",
                "first_name",
                "last_name",
                "personnel_number",
                "job_title",
                "department__short_code",
                "location",
                "room",
                "phone",
                "about",
                "is_active",
                "is_superuser",
            )
        ),
        sorted(Employee.objects.values_list("username", "skills__name").exclude(skills=None)),
        sorted(Employee.objects.values_list("username", "languages")),
        sorted(
            Employee.deputies.through.objects.values_list(
                "from_employee__username", "to_employee__username"
            )
        ),
        sorted(Follow.objects.values_list("follower__username", "followed__username")),
        sorted(
            Community.objects.values_list(
                "slug", "name", "visibility", "join_policy", "department__short_code", "is_archived"
            )
        ),
        sorted(Membership.objects.values_list("community__slug", "employee__username", "role")),
        sorted(
            JoinRequest.objects.values_list(
                "community__slug", "employee__username", "status", "message"
            )
        ),
        sorted(
            Invitation.objects.values_list(
                "community__slug", "invitee__username", "invited_by__username", "status", "message"
            )
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _flush() -> None:
    # PostgreSQL refuses to TRUNCATE tables with pending deferred foreign-key checks.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    # flush re-creates the content types; taggit must not use the cached old rows.
    ContentType.objects.clear_cache()


# --- The organisation ---------------------------------------------------------------------------


def test_builds_the_referate_with_abteilungen_and_sachgebiete(demo):
    referate = list(Department.objects.get_root_nodes())
    assert len(referate) >= 15
    assert {"D", "KVR", "ITR", "RBS", "SOZ", "POR", "SKA"} <= {r.short_code for r in referate}
    for referat in referate:
        abteilungen = list(Department.objects.get_children(referat))
        assert 2 <= len(abteilungen) <= 4, referat
        for abteilung in abteilungen:
            assert re.fullmatch(rf"{referat.short_code}-[IVX]+", abteilung.short_code)
            sachgebiete = list(Department.objects.get_children(abteilung))
            assert 1 <= len(sachgebiete) <= 3, abteilung
            for sachgebiet in sachgebiete:
                assert sachgebiet.short_code.startswith(f"{abteilung.short_code}-")
                assert sachgebiet.is_leaf()
    assert Department.objects.filter(depth__gt=3).count() == 0
    assert demo.counts["referate"] == len(referate)


def test_builds_about_300_employees_with_profiles(demo):
    employees = list(Employee.objects.select_related("department"))
    assert 280 <= len(employees) <= 320
    for employee in employees:
        assert employee.username in demo.logins or re.fullmatch(
            r"[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*[0-9]*", employee.username
        )
        assert employee.department is not None
        assert employee.job_title and employee.location and employee.room
        assert employee.phone.startswith("+49 89 99998-")
        assert employee.email.endswith("@muenchen.example")
        assert "de" in employee.languages
    assert len({e.personnel_number for e in employees}) == len(employees)
    assert sum(bool(e.about) for e in employees) > 50
    assert 0 < Employee.objects.filter(is_active=False).count() < 10
    assert Follow.objects.count() > 300
    assert Employee.deputies.through.objects.count() > 30
    assert Employee.objects.filter(skills__name="Verwaltungsrecht").exists()
    # Heads of units exist in every Referat.
    assert Employee.objects.filter(job_title="Referatsleitung").count() == 15


def test_demo_accounts_sign_in_with_the_documented_password(demo):
    admin = Employee.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    erika = Employee.objects.get(username="erika.mustermann")
    assert not erika.is_staff and Department.objects.get_root(erika.department).short_code == "KVR"
    assert erika.check_password(DEMO_PASSWORD)
    max_huber = Employee.objects.get(username="max.huber")
    assert Department.objects.get_root(max_huber.department).short_code == "RBS"
    assert Membership.objects.filter(employee=max_huber, role=Role.MODERATOR).exists()
    generated = Employee.objects.exclude(username__in=demo.logins).filter(is_active=True).first()
    assert generated.check_password(DEMO_PASSWORD)
    assert demo.password == DEMO_PASSWORD
    assert set(demo.logins) == {"admin", "erika.mustermann", "max.huber"}


# --- Communities ----------------------------------------------------------------------------------


def test_builds_communities_with_every_visibility_and_join_policy(demo):
    communities = list(Community.objects.all())
    assert len(communities) >= 25
    assert set(NAMED_COMMUNITIES) <= {c.name for c in communities}
    combinations = {(c.visibility, c.join_policy) for c in communities}
    assert combinations >= {
        (Visibility.PUBLIC, JoinPolicy.OPEN),
        (Visibility.PUBLIC, JoinPolicy.REQUEST),
        (Visibility.PUBLIC, JoinPolicy.INVITATION),
        (Visibility.PRIVATE, JoinPolicy.REQUEST),
        (Visibility.PRIVATE, JoinPolicy.INVITATION),
        (Visibility.SECRET, JoinPolicy.INVITATION),
    }
    assert any(c.is_archived for c in communities)
    assert {c.department.short_code for c in communities if c.department} >= {"KVR", "RBS"}
    assert Community.tags.through.objects.exists()


def test_every_role_is_present_and_every_community_has_an_owner(demo):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    owners = Counter(
        Membership.objects.filter(role=Role.OWNER).values_list("community_id", flat=True)
    )
    assert all(owners[c] >= 1 for c in Community.objects.values_list("id", flat=True))
    assert any(n > 1 for n in owners.values())


def test_community_sizes_are_skewed(demo):
    sizes = sorted(
        Counter(Membership.objects.values_list("community_id", flat=True)).values(), reverse=True
    )
    assert sizes[0] >= 100
    assert sizes[len(sizes) // 2] <= 15


def test_pending_join_requests_and_invitations_exist(demo):
    assert JoinRequest.objects.filter(status=RequestStatus.PENDING).count() >= 5
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() >= 5
    assert Invitation.objects.filter(
        invitee__username="erika.mustermann", status=InvitationStatus.PENDING
    ).exists()
    assert JoinRequest.objects.filter(
        employee__username="erika.mustermann", status=RequestStatus.PENDING
    ).exists()
    # Nothing is pending in an archived community.
    assert not JoinRequest.objects.filter(
        community__is_archived=True, status=RequestStatus.PENDING
    ).exists()


def test_restricted_communities_only_involve_their_subtree(demo):
    restricted = Community.objects.filter(department__isnull=False).select_related("department")
    assert restricted.count() >= 2
    for community in restricted:
        prefix = community.department.path
        people = set(community.memberships.values_list("employee__department__path", flat=True))
        people |= set(community.join_requests.values_list("employee__department__path", flat=True))
        people |= set(community.invitations.values_list("invitee__department__path", flat=True))
        assert people
        assert all(path.startswith(prefix) for path in people), community


def test_inactive_employees_have_no_memberships(demo):
    assert not Membership.objects.filter(employee__is_active=False).exists()


# --- The command ----------------------------------------------------------------------------------


def test_seed_demo_is_a_noop_when_departments_exist(demo):
    before = (Employee.objects.count(), Community.objects.count(), Membership.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data already present" in out.getvalue()
    after = (Employee.objects.count(), Community.objects.count(), Membership.objects.count())
    assert after == before


def test_same_seed_builds_the_same_organisation(demo, settings):
    first = fingerprint()
    _flush()
    assert not Employee.objects.exists()
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert fingerprint() == first
    output = out.getvalue()
    assert "Demo organisation built" in output
    assert DEMO_PASSWORD in output and "erika.mustermann" in output


def test_seed_demo_refuses_on_an_empty_database_without_debug(demo, settings):
    _flush()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert not Department.objects.exists()
