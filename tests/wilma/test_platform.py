"""The platform itself: health, API docs and schema, JSON errors, language."""

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]


def test_healthz_reports_database_layer_and_search(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["channel_layer"]["ok"] and body["search"]["ok"]
    assert body["search"]["backend"] in {"postgres", "sqlite-fts5", "elasticsearch"}


def test_openapi_schema_lists_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/login" in paths


def test_api_docs_use_local_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_german_by_default_english_on_request(client):
    de = client.get("/api/v1/auth/session").json()["error"]["message"]
    en = client.get("/api/v1/auth/session", headers={"Accept-Language": "en"}).json()
    assert de == "Anmeldung erforderlich."
    assert en["error"]["message"] == "Authentication required."


def test_healthz_is_503_when_a_dependency_fails(client, monkeypatch):
    from search.backends import get_backend

    backend = get_backend()

    def broken() -> None:
        raise ConnectionError("search cluster unreachable")

    monkeypatch.setattr(backend, "ping", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["search"]["ok"] is False and "unreachable" in body["search"]["error"]
    assert body["database"]["ok"] and body["channel_layer"]["ok"]


async def test_healthz_probes_the_channel_layer_through_one_reused_channel(monkeypatch):
    """A new channel per check would leak a Redis subscription per health check."""
    from channels.layers import get_channel_layer

    from wilma import health

    layer = get_channel_layer()
    assert layer is not None
    created: list[str] = []
    new_channel = layer.new_channel

    async def counting(prefix: str = "specific.") -> str:
        name = await new_channel(prefix)
        created.append(name)
        return name

    monkeypatch.setattr(layer, "new_channel", counting)
    for _ in range(3):
        await health._check_channel_layer()
    assert len(created) == 1
