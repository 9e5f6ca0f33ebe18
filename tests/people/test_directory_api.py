"""The people directory, colleagues' profiles (with contact visibility) and follows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people import services
from people.models import ContactVisibility, Follow
from people.permissions import can_see_contact_field, contact_visible_q
from tests.factories import EmployeeFactory
from wilma.pagination import encode_cursor

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["username"] for item in response.json()["items"]]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Directory ------------------------------------------------------------------------------


def test_directory_lists_active_employees_by_last_then_first_name(org, client_for):
    viewer = EmployeeFactory(username="viewer", first_name="Zoe", last_name="Zander")
    EmployeeFactory(username="b", first_name="Berta", last_name="Meier", department=org.kvr)
    EmployeeFactory(username="a", first_name="Anton", last_name="Meier")
    EmployeeFactory(username="c", first_name="Carl", last_name="Adler")
    EmployeeFactory(username="gone", last_name="Aaron", is_active=False)

    response = client_for(viewer).get_json("/people/")

    assert usernames(response) == ["c", "a", "b", "viewer"]
    assert response.json()["next_cursor"] is None


def test_directory_card_shows_department_skills_and_no_contact_data(employee, client_for):
    services.update_profile(employee=employee, skills=["Python", "Verwaltungsrecht"])

    response = client_for(employee).get_json("/people/")

    card = response.json()["items"][0]
    assert card["department"] == {
        "id": employee.department.pk,
        "short_code": "KVR-I-1",
        "name": "Sachgebiet Veranstaltungen",
    }
    assert card["skills"] == ["Python", "Verwaltungsrecht"]
    assert card["avatar_url"] is None
    assert not {"email", "phone", "mobile", "location", "room"} & set(card)


def test_directory_requires_authentication(anon, org):
    assert error(anon.get_json("/people/"), 401)["code"] == "not_authenticated"


def test_directory_filters_by_department_including_sub_units(org, employee, client_for):
    in_kvr = EmployeeFactory(department=org.kvr)
    EmployeeFactory(department=org.rbs)
    client = client_for(employee)

    whole_referat = usernames(client.get_json("/people/", department_id=org.kvr.pk))
    only_unit = usernames(client.get_json("/people/", department_id=org.kvr_i_1.pk))

    assert sorted(whole_referat) == sorted([in_kvr.username, employee.username])
    assert only_unit == [employee.username]


def test_directory_filter_by_unknown_department_is_422(employee, client_for):
    response = client_for(employee).get_json("/people/", department_id=987654)
    assert "department_id" in error(response, 422)["fields"]


def test_directory_filters_by_skill_in_any_case(org, employee, client_for):
    pythonista = EmployeeFactory()
    services.update_profile(employee=pythonista, skills=["Python", "SAP"])
    services.update_profile(employee=EmployeeFactory(), skills=["Python-Entwicklung"])

    response = client_for(employee).get_json("/people/", skill="python")

    assert usernames(response) == [pythonista.username]


def test_directory_name_prefix_matches_first_last_or_display_name(org, client_for):
    viewer = EmployeeFactory(first_name="Zoe", last_name="Zander")
    max_m = EmployeeFactory(first_name="Max", last_name="Mustermann")
    EmployeeFactory(first_name="Maxime", last_name="Huber", display_name="Mimi Huber")
    EmployeeFactory(first_name="Erwin", last_name="Maxl")
    EmployeeFactory(first_name="Anna", last_name="Schmidt", display_name="Annemarie")
    client = client_for(viewer)

    assert len(usernames(client.get_json("/people/", q="max"))) == 3
    assert len(usernames(client.get_json("/people/", q="Mimi"))) == 1
    assert usernames(client.get_json("/people/", q="Max Mu")) == [max_m.username]
    assert usernames(client.get_json("/people/", q="mustermann max")) == [max_m.username]
    assert usernames(client.get_json("/people/", q="  max   mus ")) == [max_m.username]
    assert len(usernames(client.get_json("/people/", q="Max Huber"))) == 1  # Maxime Huber
    assert usernames(client.get_json("/people/", q="Max Schmidt")) == []


def test_directory_drops_inactive_employees(org, employee, client_for):
    leaving = EmployeeFactory(last_name="Abel")
    client = client_for(employee)
    assert leaving.username in usernames(client.get_json("/people/"))

    services.set_employee_active(employee=leaving, active=False)

    assert leaving.username not in usernames(client.get_json("/people/"))
    assert leaving.username not in usernames(client.get_json("/people/", q="Abel"))


def test_directory_location_filter_only_finds_visible_locations(org, employee, client_for):
    open_desk = EmployeeFactory(department=org.rbs, location="Rathaus, Marienplatz 8")
    hidden = EmployeeFactory(department=org.rbs, location="Rathaus, Marienplatz 8")
    services.update_profile(employee=hidden, location_visibility=ContactVisibility.NOBODY)

    response = client_for(employee).get_json("/people/", location="rathaus")

    assert usernames(response) == [open_desk.username]


def test_directory_pages_cover_everyone_exactly_once(org, employee, client_for):
    for i in range(11):
        EmployeeFactory(last_name="Gleich", first_name=f"Vorname{i % 3}")
    client = client_for(employee)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        body = client.get_json("/people/", **params).json()
        assert len(body["items"]) <= 4
        seen += [item["username"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "kaputt!"},
        {"cursor": encode_cursor(["Meier", "Anna"])},
        {"cursor": "x" * 501},
        {"limit": 0},
        {"limit": "viele"},
        {"department_id": "KVR"},
        {"department_id": 10**30},
        {"q": "x" * 101},
        {"skill": "a" * 101},
    ],
)
def test_directory_invalid_parameters_are_422(employee, client_for, params):
    assert error(client_for(employee).get_json("/people/", **params), 422)["fields"]


@pytest.mark.parametrize("path", ["/people/?q=Max%00", "/people/%00", "/people/a%00b/follow"])
def test_nul_characters_anywhere_in_the_request_are_422(employee, client_for, path):
    response = client_for(employee).get(f"/api/v1{path}")
    assert error(response, 422)["code"] == "unstorable_text"


@pytest.mark.parametrize(
    "q", ["%", "_", "Ünal", "😀", "'; DROP TABLE people_employee; --", "\u202e"]
)
def test_directory_odd_queries_are_harmless(employee, client_for, q):
    assert usernames(client_for(employee).get_json("/people/", q=q)) == []


def test_directory_page_costs_the_same_for_1_or_40_employees(
    org, employee, client_for, django_assert_max_num_queries
):
    client = client_for(employee)
    services.update_profile(employee=employee, skills=["Python"])
    client.get_json("/people/")  # records the token's first use

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get_json("/people/", limit=50).status_code == 200
        return len(ctx.captured_queries)

    one = page_queries()
    for i in range(39):
        member = EmployeeFactory(department=org.kvr_i if i % 2 else org.rbs)
        services.update_profile(employee=member, skills=["SAP", f"Kenntnis {i}"])
    assert page_queries() == one
    with django_assert_max_num_queries(4):
        assert len(client.get_json("/people/", limit=50).json()["items"]) == 40


# --- Profiles ---------------------------------------------------------------------------------


def test_profile_by_id_or_username(org, employee, other_employee, client_for):
    client = client_for(employee)
    by_id = client.get_json(f"/people/{other_employee.pk}")
    by_name = client.get_json(f"/people/{other_employee.username}")

    assert by_id.status_code == 200, by_id.content
    assert by_id.json() == by_name.json()
    assert by_id.json()["username"] == "max.huber"
    assert by_id.json()["department"]["short_code"] == "RBS"


def test_profile_shows_about_languages_deputies_and_follow_counts(org, employee, client_for):
    colleague = EmployeeFactory(department=org.kvr)
    deputy, leaving_deputy, fan = EmployeeFactory(), EmployeeFactory(), EmployeeFactory()
    services.update_profile(
        employee=colleague,
        about="Zuständig für Großveranstaltungen.",
        languages=["de", "EN"],
        deputy_ids=[deputy.pk, leaving_deputy.pk],
    )
    services.set_employee_active(employee=leaving_deputy, active=False)
    services.follow(follower=employee, followed=colleague)
    services.follow(follower=fan, followed=colleague)
    services.follow(follower=colleague, followed=fan)

    body = client_for(employee).get_json(f"/people/{colleague.pk}").json()

    assert body["about"] == "Zuständig für Großveranstaltungen."
    assert body["languages"] == ["de", "en"]
    assert [d["id"] for d in body["deputies"]] == [deputy.pk]
    assert body["follower_count"] == 2
    assert body["following_count"] == 1
    assert body["followed_by_me"] is True


def test_profile_counts_leave_out_inactive_followers(org, employee, other_employee, client_for):
    services.follow(follower=other_employee, followed=employee)
    services.set_employee_active(employee=other_employee, active=False)

    body = client_for(employee).get_json(f"/people/{employee.pk}").json()

    assert body["follower_count"] == 0


def test_profile_of_missing_employee_is_404(employee, client_for):
    assert error(client_for(employee).get_json("/people/999999"), 404)["code"] == "not_found"
    assert error(client_for(employee).get_json("/people/niemand"), 404)["code"] == "not_found"


def test_profile_of_inactive_employee_is_404_except_for_admins(org, employee, client_for):
    leaving = EmployeeFactory()
    services.set_employee_active(employee=leaving, active=False)
    admin = EmployeeFactory(is_superuser=True, is_staff=True)

    assert error(client_for(employee).get_json(f"/people/{leaving.pk}"), 404)
    assert error(client_for(employee).get_json(f"/people/{leaving.username}"), 404)
    assert client_for(admin).get_json(f"/people/{leaving.pk}").status_code == 200


def test_profile_requires_authentication(anon, employee):
    assert error(anon.get_json(f"/people/{employee.pk}"), 401)


@pytest.mark.parametrize(
    "ident",
    ["x" * 500, "9" * 40, "0", "-1", "1.5", "ü.ö", "😀", "%E2%80%AE", "a b"],
)
def test_profile_odd_identifiers_are_404(employee, client_for, ident):
    assert error(client_for(employee).get_json(f"/people/{ident}"), 404)


def test_profile_costs_a_bounded_number_of_queries(
    org, employee, client_for, django_assert_max_num_queries
):
    colleague = EmployeeFactory(department=org.kvr)
    deputies = [EmployeeFactory(department=org.rbs) for _ in range(5)]
    services.update_profile(
        employee=colleague, skills=["A", "B", "C"], deputy_ids=[d.pk for d in deputies]
    )
    for deputy in deputies:
        services.update_profile(employee=deputy, skills=["X", "Y"])
    client = client_for(employee)
    client.get_json("/me")  # records the token's first use

    # token, viewer's department (for the contact rule), employee, skills, deputies, their skills
    with django_assert_max_num_queries(6):
        assert len(client.get_json(f"/people/{colleague.pk}").json()["deputies"]) == 5


# --- Contact visibility: personas x settings, against an independent oracle ------------------

CONTACT = {
    "email": "erika@muenchen.example",
    "phone": "089 233-1",
    "mobile": "0171 1",
    "location": "Ruppertstraße 19",
    "room": "3.14",
}
PERSONAS = ["self", "same_referat", "other_referat", "no_department", "admin"]


def expected_visible(visibility: str, persona: str) -> bool:
    if persona in {"self", "admin"}:
        return True
    if visibility == "everyone":
        return True
    return visibility == "department" and persona == "same_referat"


@pytest.fixture
def viewers(org, employee, other_employee):
    return {
        "self": employee,
        "same_referat": EmployeeFactory(department=org.kvr),
        "other_referat": other_employee,
        "no_department": EmployeeFactory(department=None),
        "admin": EmployeeFactory(department=org.rbs, is_superuser=True, is_staff=True),
    }


def _set_visibility(employee, visibility: str) -> None:
    services.update_employee(employee=employee, email=CONTACT["email"])
    services.update_profile(
        employee=employee,
        **{k: v for k, v in CONTACT.items() if k != "email"},
        email_visibility=visibility,
        phone_visibility=visibility,
        mobile_visibility=visibility,
        location_visibility=visibility,
    )


@pytest.mark.parametrize("visibility", [v.value for v in ContactVisibility])
@pytest.mark.parametrize("persona", PERSONAS)
def test_contact_fields_follow_visibility_setting(
    employee, viewers, client_for, visibility, persona
):
    _set_visibility(employee, visibility)
    visible = expected_visible(visibility, persona)

    body = client_for(viewers[persona]).get_json(f"/people/{employee.username}").json()

    assert {field: body[field] for field in CONTACT} == {
        field: value if visible else None for field, value in CONTACT.items()
    }


@pytest.mark.parametrize("visibility", [v.value for v in ContactVisibility])
@pytest.mark.parametrize("persona", PERSONAS)
def test_contact_rule_and_its_filter_agree(employee, viewers, visibility, persona):
    _set_visibility(employee, visibility)
    viewer = viewers[persona]
    employee.refresh_from_db()
    for field in CONTACT:
        by_filter = type(employee).objects.filter(contact_visible_q(viewer, field), pk=employee.pk)
        visible = expected_visible(visibility, persona)
        assert can_see_contact_field(viewer, employee, field) is visible
        assert by_filter.exists() is visible


def test_contact_fields_default_mobile_to_own_referat(org, employee, viewers, client_for):
    services.update_profile(employee=employee, mobile="0171 2", phone="089 1")

    same = client_for(viewers["same_referat"]).get_json(f"/people/{employee.pk}").json()
    other = client_for(viewers["other_referat"]).get_json(f"/people/{employee.pk}").json()

    assert (same["mobile"], same["phone"]) == ("0171 2", "089 1")
    assert (other["mobile"], other["phone"]) == (None, "089 1")


# --- Follows ----------------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent(employee, other_employee, client_for):
    client = client_for(employee)
    path = f"/people/{other_employee.pk}/follow"

    assert client.post_json(path).status_code == 204
    assert client.post_json(path).status_code == 204
    assert Follow.objects.filter(follower=employee, followed=other_employee).count() == 1
    assert client.get_json(f"/people/{other_employee.pk}").json()["followed_by_me"] is True

    assert client.delete_json(path).status_code == 204
    assert client.delete_json(path).status_code == 204
    assert not Follow.objects.exists()


def test_follow_by_username(employee, other_employee, client_for):
    assert (
        client_for(employee).post_json(f"/people/{other_employee.username}/follow").status_code
        == 204
    )
    assert Follow.objects.filter(follower=employee, followed=other_employee).exists()


def test_follow_self_is_422(employee, client_for):
    response = client_for(employee).post_json(f"/people/{employee.pk}/follow")
    assert error(response, 422)["fields"]


def test_follow_missing_or_inactive_employee_is_404(employee, other_employee, client_for):
    services.set_employee_active(employee=other_employee, active=False)
    client = client_for(employee)

    assert error(client.post_json(f"/people/{other_employee.pk}/follow"), 404)
    assert error(client.delete_json(f"/people/{other_employee.pk}/follow"), 404)
    assert error(client.post_json("/people/424242/follow"), 404)
    assert not Follow.objects.exists()


def test_follow_requires_authentication(anon, other_employee):
    assert error(anon.post_json(f"/people/{other_employee.pk}/follow"), 401)
    assert error(anon.delete_json(f"/people/{other_employee.pk}/follow"), 401)
    assert error(anon.get_json(f"/people/{other_employee.pk}/followers"), 401)
    assert error(anon.get_json(f"/people/{other_employee.pk}/following"), 401)


def test_followers_and_following_are_paged_by_name(org, employee, client_for):
    fans = [EmployeeFactory(last_name=f"Fan{i:02d}") for i in range(5)]
    for fan in fans:
        services.follow(follower=fan, followed=employee)
        services.follow(follower=employee, followed=fan)
    client = client_for(fans[0])

    first = client.get_json(f"/people/{employee.pk}/followers", limit=3).json()
    rest = client.get_json(
        f"/people/{employee.pk}/followers", limit=3, cursor=first["next_cursor"]
    ).json()
    following = client.get_json(f"/people/{employee.username}/following", limit=10).json()

    assert [i["id"] for i in first["items"] + rest["items"]] == [f.pk for f in fans]
    assert rest["next_cursor"] is None
    assert [i["id"] for i in following["items"]] == [f.pk for f in fans]


def test_followers_leave_out_inactive_employees(employee, other_employee, client_for):
    services.follow(follower=other_employee, followed=employee)
    services.set_employee_active(employee=other_employee, active=False)

    response = client_for(employee).get_json(f"/people/{employee.pk}/followers")

    assert response.json()["items"] == []


def test_followers_of_hidden_employee_is_404(employee, other_employee, client_for):
    services.set_employee_active(employee=other_employee, active=False)
    client = client_for(employee)

    assert error(client.get_json(f"/people/{other_employee.pk}/followers"), 404)
    assert error(client.get_json(f"/people/{other_employee.pk}/following"), 404)


def test_followers_with_bad_cursor_is_422(employee, client_for):
    response = client_for(employee).get_json(f"/people/{employee.pk}/followers", cursor="%%%")
    assert error(response, 422)["fields"]
