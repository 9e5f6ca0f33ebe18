"""Signing in and out with a session (CSRF-checked, throttled) and personal API tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from people import auth as people_auth
from people import services
from people.auth import token_digest
from people.models import ApiToken
from tests.conftest import ApiClient
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


class Browser:
    """A browser-like client: session cookie and CSRF checks enforced, as in production."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def csrf(self) -> str:
        response = self.client.get("/api/v1/auth/csrf")
        assert response.status_code == 200
        assert response.json()["csrf_token"]
        return response.json()["csrf_token"]

    def cookie_token(self) -> str:
        # Django rotates the token on login: the current one is always in the cookie.
        return self.client.cookies["csrftoken"].value

    def send(self, method: str, path: str, data=None, *, csrf: bool = True):
        headers = {"X-CSRFToken": self.cookie_token()} if csrf else {}
        return getattr(self.client, method)(
            f"/api/v1{path}",
            json.dumps(data or {}),
            content_type="application/json",
            headers=headers,
        )

    def login(self, username: str, password: str = PASSWORD, *, csrf: bool = True):
        if csrf:
            self.csrf()
        return self.send(
            "post", "/auth/login", {"username": username, "password": password}, csrf=csrf
        )


@pytest.fixture
def browser() -> Browser:
    return Browser()


# --- Session login ------------------------------------------------------------------------------


def test_login_with_csrf_token_starts_a_session(browser, employee):
    response = browser.login(employee.username)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": employee.pk,
        "username": "erika.mustermann",
        "name": employee.name,
        "is_admin": False,
    }
    me = browser.client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "erika.mustermann"


def test_login_without_csrf_token_is_403(browser, employee):
    response = browser.login(employee.username, csrf=False)

    assert error(response, 403)["code"] == "csrf_failed"
    assert browser.client.get("/api/v1/me").status_code == 401


def test_login_with_wrong_password_is_401(browser, employee):
    response = browser.login(employee.username, "falsch")

    assert error(response, 401)["code"] == "invalid_credentials"
    assert browser.client.get("/api/v1/me").status_code == 401


def test_login_of_unknown_user_looks_like_a_wrong_password(browser, org):
    assert error(browser.login("gibt.es.nicht"), 401)["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "payload",
    [{}, {"username": "a"}, {"username": "", "password": "x"}, {"username": ["a"], "password": 1}],
)
def test_login_with_invalid_payload_is_422(browser, payload):
    browser.csrf()
    assert error(browser.send("post", "/auth/login", payload), 422)["fields"]


def test_login_is_throttled_after_repeated_failures(browser, employee, settings):
    limit = settings.WILMA["LOGIN_FAILURE_LIMIT"]
    for _ in range(limit):
        assert browser.login(employee.username, "falsch").status_code == 401

    blocked = browser.login(employee.username)  # even the right password

    assert error(blocked, 429)["code"] == "rate_limited"
    assert int(blocked["Retry-After"]) == settings.WILMA["LOGIN_FAILURE_WINDOW_SECONDS"]
    assert browser.client.get("/api/v1/me").status_code == 401


def test_login_throttle_counts_per_account(browser, employee, other_employee, settings):
    for _ in range(settings.WILMA["LOGIN_FAILURE_LIMIT"]):
        browser.login(employee.username, "falsch")

    assert browser.login(other_employee.username).status_code == 200


def test_successful_login_resets_the_failure_count(browser, employee, settings):
    limit = settings.WILMA["LOGIN_FAILURE_LIMIT"]
    for _ in range(limit - 1):
        browser.login(employee.username, "falsch")
    assert browser.login(employee.username).status_code == 200

    for _ in range(limit - 1):
        assert browser.login(employee.username, "falsch").status_code == 401
    assert browser.login(employee.username).status_code == 200


class _UnreachableCache:
    """The shared cache while Redis is down: every call fails as django's RedisCache does."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")

        return fail


def test_login_works_and_is_still_throttled_while_redis_is_down(
    browser, employee, settings, monkeypatch, caplog
):
    monkeypatch.setattr(people_auth, "cache", _UnreachableCache())
    monkeypatch.setattr(people_auth, "_local_cache", LocMemCache("test-throttle", {}))
    assert browser.login(employee.username).status_code == 200
    assert browser.send("post", "/auth/logout").status_code == 204
    for _ in range(settings.WILMA["LOGIN_FAILURE_LIMIT"]):
        assert browser.login(employee.username, "falsch").status_code == 401
    assert error(browser.login(employee.username), 429)["code"] == "rate_limited"
    assert "shared cache unavailable" in caplog.text


def test_inactive_employee_cannot_log_in(browser, employee):
    services.set_employee_active(employee=employee, active=False)

    assert error(browser.login(employee.username), 401)["code"] == "invalid_credentials"


# --- Using the session ---------------------------------------------------------------------------


def test_session_unsafe_methods_need_the_csrf_token(browser, employee):
    browser.login(employee.username)

    without = browser.send("patch", "/me", {"about": "ohne Token"}, csrf=False)
    with_token = browser.send("patch", "/me", {"about": "mit Token"})

    assert error(without, 403)["code"] == "csrf_failed"
    assert with_token.status_code == 200, with_token.content
    assert with_token.json()["about"] == "mit Token"


def test_session_of_deactivated_employee_stops_working(browser, employee):
    browser.login(employee.username)
    assert browser.client.get("/api/v1/me").status_code == 200

    services.set_employee_active(employee=employee, active=False)

    assert error(browser.client.get("/api/v1/me"), 401)


def test_logout_ends_the_session(browser, employee):
    browser.login(employee.username)

    assert browser.send("post", "/auth/logout").status_code == 204

    assert error(browser.client.get("/api/v1/me"), 401)


def test_logout_needs_the_csrf_token(browser, employee):
    browser.login(employee.username)

    assert error(browser.send("post", "/auth/logout", csrf=False), 403)
    assert browser.client.get("/api/v1/me").status_code == 200


def test_session_reports_who_is_signed_in(browser, admin_user):
    browser.login(admin_user.username)

    body = browser.client.get("/api/v1/auth/session").json()

    assert (body["username"], body["is_admin"]) == ("admin", True)


# --- API tokens -----------------------------------------------------------------------------------


def test_token_is_shown_once_and_only_its_hash_is_stored(browser, employee):
    browser.login(employee.username)

    created = browser.send("post", "/auth/tokens", {"name": "Skript"})

    assert created.status_code == 201, created.content
    secret = created.json()["token"]
    row = ApiToken.objects.get(pk=created.json()["id"])
    assert row.digest == token_digest(secret)
    assert secret not in {row.digest, row.prefix, row.name}
    listed = browser.client.get("/api/v1/auth/tokens").json()
    assert [t["id"] for t in listed] == [row.pk]
    assert "token" not in listed[0]
    assert secret not in json.dumps(listed)


def test_token_authenticates_without_csrf(employee):
    _token, secret = services.create_api_token(employee=employee, name="CLI")
    client = ApiClient(secret)

    assert client.get_json("/me").json()["id"] == employee.pk
    assert client.patch_json("/me", {"about": "per Token"}).status_code == 200


def test_token_records_when_it_was_used(employee):
    token, secret = services.create_api_token(employee=employee, name="CLI")

    ApiClient(secret).get_json("/me")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_token_needs_a_name_and_authentication(employee, client_for, anon):
    client = client_for(employee)

    assert error(client.post_json("/auth/tokens", {"name": ""}), 422)
    assert error(client.post_json("/auth/tokens", {"name": "x" * 101}), 422)
    assert error(client.post_json("/auth/tokens", {"name": "a", "expires_at": "morgen"}), 422)
    assert error(anon.post_json("/auth/tokens", {"name": "a"}), 401)


def test_token_list_shows_only_own_tokens(employee, other_employee, client_for):
    services.create_api_token(employee=other_employee, name="fremd")

    names = [t["name"] for t in client_for(employee).get_json("/auth/tokens").json()]

    assert names == ["tests"]  # the one client_for made


def test_revoked_token_is_401(employee, client_for):
    token, secret = services.create_api_token(employee=employee, name="weg damit")
    client = ApiClient(secret)
    assert client.get_json("/me").status_code == 200

    assert client.delete_json(f"/auth/tokens/{token.pk}").status_code == 204

    assert error(client.get_json("/me"), 401)["code"] == "not_authenticated"


def test_revoking_another_employees_token_is_404(employee, other_employee, client_for):
    token, secret = services.create_api_token(employee=other_employee, name="fremd")

    response = client_for(employee).delete_json(f"/auth/tokens/{token.pk}")

    assert error(response, 404)["code"] == "not_found"
    assert ApiClient(secret).get_json("/me").status_code == 200


@pytest.mark.parametrize("token_id", ["999999", "abc", "9" * 30])
def test_revoking_an_unknown_token_is_a_client_error(employee, client_for, token_id):
    response = client_for(employee).delete_json(f"/auth/tokens/{token_id}")
    assert response.status_code in {404, 422}, response.content


def test_expired_token_is_401(employee):
    token, secret = services.create_api_token(
        employee=employee, name="abgelaufen", expires_at=timezone.now() + timedelta(minutes=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert error(ApiClient(secret).get_json("/me"), 401)


def test_token_expiring_in_the_past_is_422_and_not_created(employee, client_for):
    api = client_for(employee)
    before = ApiToken.objects.count()
    past = (timezone.now() - timedelta(days=1)).isoformat()

    assert error(api.post_json("/auth/tokens", {"name": "alt", "expires_at": past}), 422)
    assert ApiToken.objects.count() == before


def test_token_of_inactive_employee_is_401(employee):
    _token, secret = services.create_api_token(employee=employee, name="CLI")
    services.set_employee_active(employee=employee, active=False)

    assert error(ApiClient(secret).get_json("/me"), 401)
    assert error(ApiClient(secret).get_json("/people/"), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wilma_falsch",
        "Bearer ",
        "Bearer " + "wilma_" + "x" * 500,
        "Basic Zm9vOmJhcg==",
        "Bearer",
    ],
)
def test_bad_authorization_header_is_401(org, header):
    response = Client().get("/api/v1/me", headers={"Authorization": header})
    assert error(response, 401)
