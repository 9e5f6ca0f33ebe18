"""The own profile: reading it, changing what the employee owns, and the avatar."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from people import services
from people.models import ContactVisibility, Employee
from tests.factories import EmployeeFactory
from tests.people.conftest import image_bytes, png_declaring

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- GET /me ----------------------------------------------------------------------------------


def test_me_shows_all_own_contact_data_and_visibility_settings(employee, client_for):
    services.update_profile(
        employee=employee,
        mobile="0171 123",
        mobile_visibility=ContactVisibility.NOBODY,
        email_visibility=ContactVisibility.NOBODY,
    )

    body = client_for(employee).get_json("/me").json()

    assert body["id"] == employee.pk
    assert body["mobile"] == "0171 123"
    assert body["email"] == "erika.mustermann@muenchen.example"
    assert body["mobile_visibility"] == "nobody"
    assert body["email_visibility"] == "nobody"
    assert body["location_visibility"] == "everyone"
    assert body["is_admin"] is False
    assert body["followed_by_me"] is False


def test_me_requires_authentication(anon):
    assert error(anon.get_json("/me"), 401)["code"] == "not_authenticated"
    assert error(anon.patch_json("/me", {"about": "x"}), 401)
    assert error(anon.delete_json("/me/avatar"), 401)


# --- PATCH /me --------------------------------------------------------------------------------


def test_patch_me_changes_only_the_fields_sent(employee, client_for):
    services.update_profile(employee=employee, phone="089 233-0", skills=["SAP"])
    deputy = EmployeeFactory()

    response = client_for(employee).patch_json(
        "/me",
        {
            "display_name": "  Erika M.  ",
            "about": "Ich organisiere das Oktoberfest-Sicherheitskonzept.",
            "skills": ["Python", "python", "Verwaltungsrecht"],
            "languages": ["de", "EN", "de"],
            "deputy_ids": [deputy.pk],
            "mobile_visibility": "nobody",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Erika M."
    assert body["phone"] == "089 233-0"
    assert body["skills"] == ["Python", "Verwaltungsrecht"]
    assert body["languages"] == ["de", "en"]
    assert [d["id"] for d in body["deputies"]] == [deputy.pk]
    assert body["mobile_visibility"] == "nobody"
    employee.refresh_from_db()
    assert employee.display_name == "Erika M."
    assert sorted(employee.skills.names()) == ["Python", "Verwaltungsrecht"]


def test_patch_me_with_empty_lists_clears_them(employee, client_for):
    services.update_profile(employee=employee, skills=["SAP"], languages=["fr"])

    body = client_for(employee).patch_json("/me", {"skills": [], "languages": []}).json()

    assert (body["skills"], body["languages"]) == ([], [])


@pytest.mark.parametrize(
    "payload",
    [
        {"first_name": "Hacker"},
        {"department": 1},
        {"email": "x@example.com"},
        {"is_superuser": True},
        {"about": "ok", "username": "neu"},
    ],
)
def test_patch_me_rejects_fields_the_employee_does_not_own(employee, client_for, payload):
    response = client_for(employee).patch_json("/me", payload)

    assert error(response, 422)["fields"]
    employee.refresh_from_db()
    assert employee.first_name != "Hacker" and not employee.is_superuser
    assert employee.about == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"display_name": "x" * 151}, "display_name"),
        ({"about": "x" * 5001}, "about"),
        ({"about": None}, "about"),
        ({"room": 42}, "room"),
        ({"phone_visibility": "friends"}, "phone_visibility"),
        ({"skills": "Python"}, "skills"),
        ({"skills": ["x" * 51]}, "skills"),
        ({"skills": ["a,b"]}, "skills"),
        ({"skills": [f"S{i}" for i in range(31)]}, "skills"),
        ({"languages": ["klingonisch"]}, "languages"),
        ({"deputy_ids": ["abc"]}, "deputy_ids.0"),
        ({"deputy_ids": [10**30]}, "deputy_ids.0"),
        ({"deputy_ids": [987654]}, "deputy_ids"),
        ({"about": "\ud800"}, "about"),
    ],
)
def test_patch_me_invalid_values_are_422(employee, client_for, payload, field):
    assert field in error(client_for(employee).patch_json("/me", payload), 422)["fields"]


def test_patch_me_cannot_name_oneself_or_an_inactive_colleague_as_deputy(employee, client_for):
    leaving = EmployeeFactory(is_active=False)
    client = client_for(employee)

    assert (
        "deputy_ids"
        in error(client.patch_json("/me", {"deputy_ids": [employee.pk]}), 422)["fields"]
    )
    assert (
        "deputy_ids" in error(client.patch_json("/me", {"deputy_ids": [leaving.pk]}), 422)["fields"]
    )


@pytest.mark.parametrize(
    "body", [b"{", b"[]", b'"about"', b"null", b'{"about": "a"', b"{'about': 'a'}"]
)
def test_patch_me_with_malformed_json_is_a_client_error(employee, client_for, body):
    response = client_for(employee).patch("/api/v1/me", body, content_type="application/json")
    assert response.status_code in {400, 422}, response.content
    assert response.json()["error"]["code"]


def test_patch_me_keeps_odd_unicode_as_written(employee, client_for):
    text = "Grüß Gott 👋 \u202eRTL\u202c \u2013 ẞ"
    body = client_for(employee).patch_json("/me", {"about": text}).json()
    assert body["about"] == text


# --- Avatar -----------------------------------------------------------------------------------


def upload(client, content: bytes, name: str = "bild.png", content_type: str = "image/png"):
    return client.post(
        "/api/v1/me/avatar", {"avatar": SimpleUploadedFile(name, content, content_type)}
    )


def stored_avatar(employee: Employee) -> Image.Image:
    employee.refresh_from_db()
    with employee.avatar.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_avatar_upload_is_cropped_and_resized(employee, client_for, media, settings, fmt):
    response = upload(client_for(employee), image_bytes((600, 400), fmt=fmt))

    assert response.status_code == 200, response.content
    size = settings.WILMA["AVATAR_SIZE"]
    assert stored_avatar(employee).size == (size, size)
    assert response.json()["avatar_url"] == employee.avatar.url
    assert employee.avatar.url.startswith("/media/avatars/")


def test_avatar_replacement_deletes_the_old_file(employee, client_for, media):
    client = client_for(employee)
    upload(client, image_bytes())
    employee.refresh_from_db()
    first = employee.avatar.name

    upload(client, image_bytes((30, 30)))

    employee.refresh_from_db()
    assert employee.avatar.name != first
    assert not (media / first).exists()
    assert (media / employee.avatar.name).exists()


def test_avatar_is_shown_on_the_card(employee, other_employee, client_for, media):
    upload(client_for(employee), image_bytes())

    cards = client_for(other_employee).get_json("/people/", q=employee.last_name).json()["items"]

    assert cards[0]["avatar_url"].endswith(".webp")


def test_avatar_delete_removes_the_file(employee, client_for, media):
    client = client_for(employee)
    upload(client, image_bytes())
    employee.refresh_from_db()
    path = media / employee.avatar.name

    assert client.delete_json("/me/avatar").status_code == 204
    assert client.delete_json("/me/avatar").status_code == 204

    employee.refresh_from_db()
    assert not employee.avatar
    assert not path.exists()
    assert client.get_json("/me").json()["avatar_url"] is None


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"Das ist nur Text, kein Bild.\n" * 10, "bild.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "bild.png"),
        (b"%PDF-1.7\n" + b"0" * 200, "bild.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.png"),
        (image_bytes()[:60], "abgeschnitten.png"),
        (image_bytes(fmt="BMP"), "bild.bmp"),
        (b"", "leer.png"),
    ],
    ids=["text", "executable", "pdf", "svg", "truncated", "bmp", "empty"],
)
def test_avatar_that_is_not_an_allowed_image_is_422(employee, client_for, media, content, name):
    response = upload(client_for(employee), content, name=name)

    assert error(response, 422)["code"] in {"invalid_image", "invalid_input"}
    employee.refresh_from_db()
    assert not employee.avatar
    assert not any(media.rglob("*.webp"))


def test_avatar_decompression_bomb_is_422(employee, client_for, media):
    response = upload(client_for(employee), png_declaring(20000, 20000))

    assert error(response, 422)["code"] == "invalid_image"


def test_avatar_with_more_pixels_than_allowed_is_422(employee, client_for, media, settings):
    settings.WILMA = {**settings.WILMA, "AVATAR_MAX_PIXELS": 100}

    response = upload(client_for(employee), image_bytes((20, 20)))

    assert error(response, 422)["code"] == "invalid_image"


def test_avatar_too_large_is_413(employee, client_for, media, settings):
    settings.WILMA = {**settings.WILMA, "AVATAR_MAX_BYTES": 1000}
    content = image_bytes((200, 200), noise=True)
    assert len(content) > 1000

    response = upload(client_for(employee), content)

    assert error(response, 413)["code"] == "image_too_large"


def test_avatar_without_file_is_422(employee, client_for, media):
    client = client_for(employee)

    assert error(client.post("/api/v1/me/avatar", {}), 422)["fields"]
    assert error(client.post_json("/me/avatar", {"avatar": "data:image/png;base64,AAAA"}), 422)


def test_avatar_upload_requires_authentication(anon, media):
    assert error(upload(anon, image_bytes()), 401)
