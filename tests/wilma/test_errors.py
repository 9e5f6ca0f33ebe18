"""Whatever a client sends, the answer is a JSON error with a 4xx status, never a 500."""

import pytest

from people.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def api(client_for, employee):
    return client_for(employee)


def error_of(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/auth/tokens", "{name: ", content_type="application/json")
    assert error_of(response, 400)["code"] == "malformed"


def test_wrong_types_are_422_with_fields(api):
    error = error_of(api.post_json("/auth/tokens", {"name": ["x"], "expires_at": 5.5}), 422)
    assert error["code"] == "invalid_input"
    assert "name" in error["fields"]


def test_missing_body_is_422(api):
    response = api.post("/api/v1/auth/tokens", "", content_type="application/json")
    assert error_of(response, 422)["code"] == "invalid_input"


def test_body_over_the_limit_is_413_and_changes_nothing(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post_json("/auth/tokens", {"name": "x" * 5000})
    assert error_of(response, 413)["code"] == "payload_too_large"
    assert ApiToken.objects.filter(name__startswith="xxx").count() == 0


@pytest.mark.parametrize("name", ["Bürger\x00büro", "\x00"])
def test_nul_character_in_body_is_422(api, name):
    assert error_of(api.post_json("/auth/tokens", {"name": name}), 422)["code"] == "unstorable_text"


def test_unstorable_text_names_the_field(api):
    error = error_of(api.post_json("/auth/tokens", {"name": "lone \ud800 surrogate"}), 422)
    assert error["code"] == "unstorable_text"
    assert list(error["fields"]) == ["name"]


def test_nul_character_in_query_is_422(api):
    assert (
        error_of(api.get("/api/v1/auth/tokens", {"q": "a\x00b"}), 422)["code"] == "unstorable_text"
    )


@pytest.mark.parametrize(
    "name",
    ["🏛️ Rathaus 👩‍💻", "\u202eevil", "Z̷̢̛a̵l̴g̶o̷", "\ud7ff\ue000\ufffd", "a" * 100],
)
def test_odd_unicode_is_stored_as_written(api, name):
    response = api.post_json("/auth/tokens", {"name": name})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name


def test_too_long_string_is_422(api):
    assert error_of(api.post_json("/auth/tokens", {"name": "a" * 101}), 422)["fields"]


def test_unknown_id_is_404(api):
    assert error_of(api.delete_json("/auth/tokens/999999999999"), 404)["code"] == "not_found"


def test_id_out_of_range_is_not_a_500(api):
    response = api.delete_json("/auth/tokens/99999999999999999999999")
    assert response.status_code in (404, 422)


def test_unauthenticated_is_401(anon):
    assert error_of(anon.get_json("/auth/tokens"), 401)["code"] == "not_authenticated"
