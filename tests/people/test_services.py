"""The write path for employees, profiles, follows and tokens, and the admin that calls it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from people import services
from people.auth import employee_for_token, token_digest
from people.models import ApiToken, ContactVisibility, Department, Employee, Follow
from tests.factories import PASSWORD, EmployeeFactory
from wilma.errors import Conflict, InvalidInput, NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


# --- Employees ---------------------------------------------------------------------------------


def test_create_employee_without_password_cannot_sign_in(org):
    employee = services.create_employee(
        username="neu.angestellt", first_name="Nina", last_name="Neu", department=org.rbs
    )

    assert not employee.has_usable_password()
    assert employee.department == org.rbs
    assert Client().login(username="neu.angestellt", password="") is False


def test_create_employee_rejects_unknown_fields(org):
    with pytest.raises(InvalidInput) as exc:
        services.create_employee(username="x", about="selbst geschrieben")
    assert "about" in exc.value.fields


def test_update_employee_reports_only_changed_fields(employee, org):
    changed = services.update_employee(
        employee=employee, job_title="Sachgebietsleitung", department=employee.department
    )

    assert changed == ["job_title"]
    employee.refresh_from_db()
    assert employee.job_title == "Sachgebietsleitung"


def test_update_employee_refuses_profile_fields(employee):
    with pytest.raises(InvalidInput):
        services.update_employee(employee=employee, mobile_visibility="nobody")


def test_set_employee_active_reports_whether_it_changed(employee):
    assert services.set_employee_active(employee=employee, active=False) is True
    assert services.set_employee_active(employee=employee, active=False) is False
    employee.refresh_from_db()
    assert employee.is_active is False


def test_deactivated_employee_token_stops_working(employee):
    _token, secret = services.create_api_token(employee=employee, name="CLI")
    assert employee_for_token(secret) == employee

    services.set_employee_active(employee=employee, active=False)

    assert employee_for_token(secret) is None


# --- Own profile -------------------------------------------------------------------------------


def test_update_profile_trims_text_and_normalises_lists(employee):
    deputy = EmployeeFactory()

    services.update_profile(
        employee=employee,
        room="  2.041 ",
        languages=["DE", "en", "de"],
        skills=["  Python ", "python", "Bürgerservice"],
        deputy_ids=[deputy.pk, deputy.pk],
        location_visibility=ContactVisibility.DEPARTMENT,
    )

    employee.refresh_from_db()
    assert employee.room == "2.041"
    assert employee.languages == ["de", "en"]
    assert sorted(employee.skills.names()) == ["Bürgerservice", "Python"]
    assert list(employee.deputies.all()) == [deputy]
    assert employee.location_visibility == "department"


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Neu"},
        {"department": None},
        {"is_superuser": True},
        {"password": "x"},
    ],
)
def test_update_profile_refuses_fields_the_employee_does_not_own(employee, changes):
    with pytest.raises(InvalidInput) as exc:
        services.update_profile(employee=employee, **changes)
    assert set(changes) <= set(exc.value.fields)


@pytest.mark.parametrize(
    "changes",
    [
        {"languages": ["xx"]},
        {"skills": ["a" * 51]},
        {"skills": ["mit, Komma"]},
        {"phone_visibility": "freunde"},
        {"room": "x" * 51},
    ],
)
def test_update_profile_invalid_values_change_nothing(employee, changes):
    # Model validation errors are Django's ValidationError; the API renders both as 422.
    with pytest.raises((InvalidInput, ValidationError)):
        services.update_profile(employee=employee, about="soll nicht bleiben", **changes)

    employee.refresh_from_db()
    assert employee.about == ""


def test_update_profile_deputies_must_be_active_others_and_few(employee, settings):
    settings.WILMA = {**settings.WILMA, "MAX_DEPUTIES": 2}
    active = [EmployeeFactory() for _ in range(3)]
    inactive = EmployeeFactory(is_active=False)

    for ids in ([employee.pk], [inactive.pk], [a.pk for a in active], [424242]):
        with pytest.raises(InvalidInput) as exc:
            services.update_profile(employee=employee, deputy_ids=ids)
        assert "deputy_ids" in exc.value.fields
    assert not employee.deputies.exists()


def test_update_profile_failing_deputies_roll_back_the_other_changes(employee):
    with pytest.raises(InvalidInput):
        services.update_profile(employee=employee, about="Neu", deputy_ids=[employee.pk])

    employee.refresh_from_db()
    assert employee.about == ""


# --- Follows -----------------------------------------------------------------------------------


def test_follow_is_idempotent_and_reports_creation(employee, other_employee):
    assert services.follow(follower=employee, followed=other_employee) is True
    assert services.follow(follower=employee, followed=other_employee) is False
    assert Follow.objects.count() == 1

    assert services.unfollow(follower=employee, followed=other_employee) is True
    assert services.unfollow(follower=employee, followed=other_employee) is False
    assert Follow.objects.count() == 0


def test_follow_oneself_is_refused(employee):
    with pytest.raises(InvalidInput):
        services.follow(follower=employee, followed=employee)
    assert not Follow.objects.exists()


# --- API tokens --------------------------------------------------------------------------------


def test_create_api_token_stores_only_the_digest(employee):
    token, secret = services.create_api_token(employee=employee, name=" Skript ")

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "Skript"
    assert stored.digest == token_digest(secret)
    assert secret.startswith(stored.prefix)
    assert secret not in {stored.digest, stored.prefix, stored.name}


def test_create_api_token_is_limited_per_employee(employee, settings):
    settings.WILMA = {**settings.WILMA, "API_TOKENS_PER_USER": 2}
    services.create_api_token(employee=employee, name="a")
    services.create_api_token(employee=employee, name="b")

    with pytest.raises(Conflict):
        services.create_api_token(employee=employee, name="c")


def test_create_api_token_needs_a_name(employee):
    with pytest.raises(InvalidInput):
        services.create_api_token(employee=employee, name="   ")


def test_revoke_api_token_of_another_employee_is_not_found(employee, other_employee):
    token, _secret = services.create_api_token(employee=other_employee, name="fremd")

    with pytest.raises(NotFound):
        services.revoke_api_token(employee=employee, token_id=token.pk)
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_expired_token_authenticates_nobody(employee):
    token, secret = services.create_api_token(
        employee=employee, name="alt", expires_at=timezone.now() + timedelta(minutes=1)
    )
    assert employee_for_token(secret) == employee
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert employee_for_token(secret) is None


def test_token_cannot_be_created_already_expired(employee):
    with pytest.raises(InvalidInput):
        services.create_api_token(
            employee=employee, name="alt", expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert not ApiToken.objects.exists()


# --- Admin: site admins manage the tree and accounts; actions call the services above ---------


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/people/department/",
        "/admin/people/department/add/",
        "/admin/people/employee/",
        "/admin/people/employee/add/",
        "/admin/people/apitoken/",
        "/admin/people/employee/?q=erika&department__id__exact=1&is_active__exact=1",
        "/admin/people/department/?q=KVR",
    ],
)
def test_admin_pages_open_for_a_site_admin(admin_client, employee, path):
    response = admin_client.get(path)
    assert response.status_code == 200, response.content[:500]


def test_admin_change_pages_open(admin_client, employee, org):
    services.update_profile(employee=employee, skills=["Python"])
    services.create_api_token(employee=employee, name="CLI")
    token = ApiToken.objects.get()

    for path in (
        f"/admin/people/employee/{employee.pk}/change/",
        f"/admin/people/department/{org.kvr_i.pk}/change/",
        f"/admin/people/apitoken/{token.pk}/change/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, (path, response.content[:500])


def test_admin_search_finds_employee_by_personnel_number(admin_client, employee):
    services.update_employee(employee=employee, personnel_number="P-0815")

    response = admin_client.get("/admin/people/employee/", {"q": "P-0815"})

    assert employee.username in response.content.decode()


def test_admin_creates_an_employee(admin_client, org):
    response = admin_client.post(
        "/admin/people/employee/add/",
        {
            "username": "neu.admin",
            "usable_password": "true",
            "password1": "Ein-sehr-gutes-Passwort-2026",
            "password2": "Ein-sehr-gutes-Passwort-2026",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert Employee.objects.get(username="neu.admin").check_password("Ein-sehr-gutes-Passwort-2026")


def test_admin_adds_a_department_below_a_parent(admin_client, org):
    response = admin_client.post(
        "/admin/people/department/add/",
        {
            "name": "Sachgebiet Märkte",
            "short_code": "KVR-I-2",
            "position": 0,
            "treebeard_position": "sorted-child",
            "treebeard_ref_node": org.kvr_i.pk,
        },
    )

    assert response.status_code == 302, response.content[:2000]
    unit = Department.objects.get(short_code="KVR-I-2")
    assert Department.objects.get_parent(unit) == org.kvr_i


def test_admin_deactivate_action_uses_the_service(admin_client, employee, other_employee):
    response = admin_client.post(
        "/admin/people/employee/",
        {"action": "deactivate", "_selected_action": [employee.pk, other_employee.pk]},
    )

    assert response.status_code == 302
    assert not Employee.objects.filter(pk__in=[employee.pk, other_employee.pk], is_active=True)


def test_admin_api_tokens_are_read_only(admin_client, employee):
    token, _secret = services.create_api_token(employee=employee, name="CLI")

    assert admin_client.get("/admin/people/apitoken/add/").status_code == 403
    assert admin_client.post(f"/admin/people/apitoken/{token.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/people/apitoken/{token.pk}/change/").content.decode()
    assert token.digest not in page


def test_admin_is_closed_to_ordinary_employees(employee):
    client = Client()
    client.force_login(employee)

    response = client.get("/admin/people/employee/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
