"""The organisation tree: its API (tree with member counts, unit detail with members) and the
services that shape it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people import services
from people.models import Department
from tests.factories import EmployeeFactory, make_department
from wilma.errors import Conflict, InvalidInput

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def codes(items) -> list[str]:
    return [item["short_code"] for item in items]


# --- GET /departments/ ------------------------------------------------------------------------


def test_tree_lists_units_parents_first_with_direct_and_subtree_counts(org, client_for):
    viewer = EmployeeFactory(department=org.kvr_i_1)
    EmployeeFactory(department=org.kvr_i_1)
    EmployeeFactory(department=org.kvr_i)
    EmployeeFactory(department=org.rbs)
    EmployeeFactory(department=org.kvr_i_1, is_active=False)
    EmployeeFactory(department=None)

    response = client_for(viewer).get_json("/departments/")

    assert response.status_code == 200, response.content
    by_code = {item["short_code"]: item for item in response.json()}
    assert codes(response.json()) == ["KVR", "KVR-I", "KVR-I-1", "RBS"]
    assert by_code["KVR"] | {"id": 0} == {
        "id": 0,
        "name": "Kreisverwaltungsreferat",
        "short_code": "KVR",
        "depth": 1,
        "parent_id": None,
        "member_count": 0,
        "total_member_count": 3,
    }
    assert (by_code["KVR-I"]["member_count"], by_code["KVR-I"]["total_member_count"]) == (1, 3)
    assert (by_code["KVR-I-1"]["member_count"], by_code["KVR-I-1"]["total_member_count"]) == (2, 2)
    assert by_code["KVR-I-1"]["parent_id"] == org.kvr_i.pk
    assert by_code["KVR-I-1"]["depth"] == 3
    assert (by_code["RBS"]["member_count"], by_code["RBS"]["total_member_count"]) == (1, 1)


def test_tree_orders_siblings_by_position_then_name(org, employee, client_for):
    services.create_department(name="Zentrale", short_code="KVR-Z", parent=org.kvr, position=0)
    services.create_department(name="Abteilung II", short_code="KVR-II", parent=org.kvr)
    services.create_department(name="Ganz hinten", short_code="KVR-IX", parent=org.kvr, position=9)

    items = client_for(employee).get_json("/departments/").json()

    assert codes(items) == ["KVR", "KVR-II", "KVR-I", "KVR-I-1", "KVR-Z", "KVR-IX", "RBS"]


def test_tree_requires_authentication(anon, org):
    assert error(anon.get_json("/departments/"), 401)


def test_tree_costs_the_same_for_3_or_30_units(org, employee, client_for):
    client = client_for(employee)
    client.get_json("/me")  # records the token's first use

    def tree_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get_json("/departments/").status_code == 200
        return len(ctx.captured_queries)

    small = tree_queries()
    parent = org.rbs
    for i in range(26):
        parent = make_department(f"Einheit {i}", f"RBS-{i}", parent if i % 3 else org.rbs)
        EmployeeFactory(department=parent)
    assert tree_queries() == small


def test_tree_query_budget(org, employee, client_for, django_assert_max_num_queries):
    client = client_for(employee)
    client.get_json("/me")
    with django_assert_max_num_queries(3):  # token, departments, grouped member counts
        assert len(client.get_json("/departments/").json()) == 4


# --- GET /departments/{id} -----------------------------------------------------------------------


def test_detail_has_breadcrumb_children_counts_and_direct_members(org, client_for):
    viewer = EmployeeFactory(department=org.rbs)
    in_unit = EmployeeFactory(department=org.kvr_i, last_name="Anders")
    EmployeeFactory(department=org.kvr_i_1)

    body = client_for(viewer).get_json(f"/departments/{org.kvr_i.pk}").json()

    assert body["short_code"] == "KVR-I"
    assert body["parent_id"] == org.kvr.pk
    assert codes(body["ancestors"]) == ["KVR"]
    assert codes(body["children"]) == ["KVR-I-1"]
    assert (body["member_count"], body["total_member_count"]) == (1, 2)
    assert [m["id"] for m in body["members"]["items"]] == [in_unit.pk]


def test_detail_of_a_leaf_lists_the_whole_breadcrumb(org, employee, client_for):
    body = client_for(employee).get_json(f"/departments/{org.kvr_i_1.pk}").json()

    assert codes(body["ancestors"]) == ["KVR", "KVR-I"]
    assert body["children"] == []


def test_detail_with_subtree_pages_through_members_of_sub_units(org, client_for):
    viewer = EmployeeFactory(department=org.rbs)
    members = [EmployeeFactory(department=org.kvr_i_1 if i % 2 else org.kvr_i) for i in range(5)]
    EmployeeFactory(department=org.kvr_i, is_active=False)
    client = client_for(viewer)

    first = client.get_json(f"/departments/{org.kvr_i.pk}", subtree="true", limit=3).json()
    rest = client.get_json(
        f"/departments/{org.kvr_i.pk}",
        subtree="true",
        limit=3,
        cursor=first["members"]["next_cursor"],
    ).json()

    seen = [m["id"] for m in first["members"]["items"] + rest["members"]["items"]]
    assert sorted(seen) == sorted(m.pk for m in members)
    assert rest["members"]["next_cursor"] is None


def test_detail_of_a_root_has_no_breadcrumb(org, employee, client_for):
    body = client_for(employee).get_json(f"/departments/{org.rbs.pk}").json()
    assert (body["ancestors"], body["parent_id"], body["depth"]) == ([], None, 1)


@pytest.mark.parametrize("ident", ["999999", "0", "-3", "9" * 30])
def test_detail_of_missing_department_is_404(employee, client_for, ident):
    assert error(client_for(employee).get_json(f"/departments/{ident}"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "params", [{"cursor": "???"}, {"limit": -1}, {"subtree": "vielleicht"}, {"cursor": "a" * 600}]
)
def test_detail_invalid_parameters_are_422(org, employee, client_for, params):
    response = client_for(employee).get_json(f"/departments/{org.kvr.pk}", **params)
    assert error(response, 422)["fields"]


def test_detail_with_non_numeric_id_is_422(employee, client_for):
    assert error(client_for(employee).get_json("/departments/KVR"), 422)


def test_detail_requires_authentication(anon, org):
    assert error(anon.get_json(f"/departments/{org.kvr.pk}"), 401)


def test_detail_costs_the_same_for_1_or_30_members(org, employee, client_for):
    client = client_for(employee)
    client.get_json("/me")

    def detail_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get_json(f"/departments/{org.kvr.pk}", subtree="true", limit=50)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    one = detail_queries()
    for i in range(29):
        member = EmployeeFactory(department=org.kvr_i if i % 2 else org.kvr)
        services.update_profile(employee=member, skills=[f"Kenntnis {i}"])
    assert detail_queries() == one


# --- Department services ------------------------------------------------------------------------


def test_create_department_below_a_parent(org):
    unit = services.create_department(name=" Sachgebiet 2 ", short_code="KVR-I-2", parent=org.kvr_i)

    assert unit.name == "Sachgebiet 2"
    assert Department.objects.get_parent(unit) == org.kvr_i
    assert unit.path.startswith(org.kvr.path)


@pytest.mark.parametrize("code", ["", "   ", "KVR I", "x" * 33])
def test_create_department_with_invalid_code_is_422(org, code):
    with pytest.raises(InvalidInput):
        services.create_department(name="Neu", short_code=code)


def test_create_department_with_taken_code_is_a_conflict(org):
    with pytest.raises(Conflict):
        services.create_department(name="Doppelt", short_code="kvr")


def test_move_department_takes_its_subtree_along(org, employee):
    moved = services.move_department(department=org.kvr_i, parent=org.rbs)

    leaf = Department.objects.get(pk=org.kvr_i_1.pk)
    assert Department.objects.get_parent(moved) == org.rbs
    assert leaf.path.startswith(org.rbs.path)
    assert leaf.depth == 3


def test_move_department_to_the_root(org):
    moved = services.move_department(department=org.kvr_i, parent=None)

    assert moved.depth == 1
    assert Department.objects.get_parent(Department.objects.get(pk=org.kvr_i_1.pk)) == moved


def test_move_department_below_itself_is_422(org):
    with pytest.raises(InvalidInput):
        services.move_department(department=org.kvr, parent=org.kvr_i_1)


def test_update_department_renames_and_resorts(org):
    services.create_department(name="B", short_code="KVR-B", parent=org.kvr, position=1)

    services.update_department(department=org.kvr_i, name="Sicherheit", position=5)

    children = [d.short_code for d in Department.objects.get_children(org.kvr)]
    assert children == ["KVR-B", "KVR-I"]
    assert Department.objects.get(pk=org.kvr_i.pk).name == "Sicherheit"


def test_delete_department_only_when_empty(org, employee):
    with pytest.raises(Conflict):
        services.delete_department(department=org.kvr_i)  # has a sub-unit
    with pytest.raises(Conflict):
        services.delete_department(department=org.kvr_i_1)  # has an employee

    services.delete_department(department=org.rbs)

    assert not Department.objects.filter(short_code="RBS").exists()
    assert Department.objects.get_descendants(org.kvr).count() == 2
