"""Keyset pagination: cursors round-trip, and a forged cursor is a 422, never a 500."""

import datetime as dt

import pytest

from people.models import Employee
from tests.factories import EmployeeFactory
from wilma.errors import InvalidInput
from wilma.pagination import decode_cursor, encode_cursor, paginate

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

ORDER = ["last_name", "first_name", "id"]


def test_pages_cover_every_row_once_in_order(org):
    for i in range(7):
        EmployeeFactory(last_name=f"Name{i % 3}", first_name=f"V{i}")
    seen, cursor = [], None
    while True:
        page = paginate(Employee.objects.all(), order=ORDER, cursor=cursor, limit=2)
        seen += [e.pk for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    expected = list(Employee.objects.order_by(*ORDER).values_list("pk", flat=True))
    assert seen == expected


def test_descending_order_pages_backwards_in_time(org):
    for _ in range(5):
        EmployeeFactory()
    first = paginate(Employee.objects.all(), order=["-date_joined", "-id"], cursor=None, limit=3)
    rest = paginate(
        Employee.objects.all(), order=["-date_joined", "-id"], cursor=first.next_cursor, limit=3
    )
    ids = [e.pk for e in first.items + rest.items]
    assert ids == sorted(ids, reverse=True)
    assert rest.next_cursor is None


def test_keys_first_pages_like_the_plain_query_in_one_query_each(org, django_assert_num_queries):
    for i in range(7):
        EmployeeFactory(last_name=f"Name{i % 3}", first_name=f"V{i}", department=org.kvr_i)
    everyone = Employee.objects.filter(department=org.kvr_i)
    expected = list(everyone.order_by(*ORDER).values_list("pk", flat=True))

    seen, cursor = [], None
    while True:
        with django_assert_num_queries(1):
            page = paginate(
                everyone,
                order=ORDER,
                cursor=cursor,
                limit=3,
                load=lambda rows: rows.select_related("department"),
            )
            # `load` joined the department: reading it costs no further query.
            seen += [(e.pk, e.department.short_code) for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [(pk, "KVR-I") for pk in expected]


def test_keys_first_keeps_the_filters_of_the_queryset(org):
    inside = EmployeeFactory(department=org.kvr_i)
    EmployeeFactory(department=org.rbs)
    page = paginate(
        Employee.objects.filter(department=org.kvr_i),
        order=ORDER,
        cursor=None,
        limit=10,
        load=lambda rows: rows.select_related("department"),
    )
    assert [e.pk for e in page.items] == [inside.pk]
    assert page.next_cursor is None


def test_datetime_values_round_trip():
    when = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    assert decode_cursor(encode_cursor([when, 5]), 2) == [when, 5]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!!",
        encode_cursor(["a", "b"]),  # wrong length
        encode_cursor(["a", "b", "x"]),  # id is not a number
        encode_cursor([{"dt": "no date"}, "b", 1]),
        encode_cursor([None, "b", 1]),
        encode_cursor([["nested"], "b", 1]),
    ],
)
def test_forged_cursor_is_invalid_input(org, cursor):
    with pytest.raises(InvalidInput):
        paginate(Employee.objects.all(), order=ORDER, cursor=cursor, limit=2)


def test_forged_cursor_through_the_api_is_422(client_for, employee):
    response = client_for(employee).get_json("/people/", cursor=encode_cursor(["a", "b", "x"]))
    assert response.status_code == 422
    assert "cursor" in response.json()["error"]["fields"]
