"""Shared fixtures: an organisation, personas and API clients.

Personas (guide section 3): outsider, member, moderator, owner, other-department employee,
admin, inactive. The department tree is: KVR > KVR-I > KVR-I-1, and RBS (another Referat).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from people.models import Department, Employee
from tests.factories import EmployeeFactory, make_department


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The factories hash a password per employee; PBKDF2 would dominate the suite's runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _search_on_the_database(request, settings):
    """The suite searches through the database adapter even when ELASTICSEARCH_URL is set:
    only the live suite (marker `elasticsearch_live`) talks to a cluster."""
    from search.backends import get_backend

    if request.node.get_closest_marker("elasticsearch_live"):
        yield
        return
    settings.ELASTICSEARCH_URL = ""
    get_backend.cache_clear()
    yield
    get_backend.cache_clear()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # The login throttle lives in the cache; tests must not see each other's failures.
    cache.clear()


@dataclass
class Org:
    kvr: Department
    kvr_i: Department
    kvr_i_1: Department
    rbs: Department


@pytest.fixture
def org(db) -> Org:
    kvr = make_department("Kreisverwaltungsreferat", "KVR")
    kvr_i = make_department("Hauptabteilung I Sicherheit und Ordnung", "KVR-I", kvr)
    kvr_i_1 = make_department("Sachgebiet Veranstaltungen", "KVR-I-1", kvr_i)
    rbs = make_department("Referat für Bildung und Sport", "RBS")
    return Org(kvr=Department.objects.get(pk=kvr.pk), kvr_i=kvr_i, kvr_i_1=kvr_i_1, rbs=rbs)


@pytest.fixture
def employee(org) -> Employee:
    return EmployeeFactory(department=org.kvr_i_1, username="erika.mustermann")


@pytest.fixture
def other_employee(org) -> Employee:
    return EmployeeFactory(department=org.rbs, username="max.huber")


@pytest.fixture
def admin_user(org) -> Employee:
    return EmployeeFactory(department=org.kvr, username="admin", is_staff=True, is_superuser=True)


class ApiClient(Client):
    """A test client that speaks JSON to /api/v1/ and signs requests with a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers)

    def get_json(self, path: str, **params):
        return self.get(f"/api/v1{path}", params)

    def post_json(self, path: str, data=None):
        return self.post(f"/api/v1{path}", data or {}, content_type="application/json")

    def patch_json(self, path: str, data=None):
        return self.patch(f"/api/v1{path}", data or {}, content_type="application/json")

    def put_json(self, path: str, data=None):
        return self.put(f"/api/v1{path}", data or {}, content_type="application/json")

    def delete_json(self, path: str):
        return self.delete(f"/api/v1{path}")


def api_client_for(employee: Employee | None) -> ApiClient:
    if employee is None:
        return ApiClient()
    from people.services import create_api_token

    _token, secret = create_api_token(employee=employee, name="tests")
    return ApiClient(secret)


@pytest.fixture
def client_for():
    """`client_for(employee)` gives an ApiClient authenticated as that employee."""
    return api_client_for


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()
