"""Attachments: type detection from content, refusals (executables, markup, bombs, size),
attaching with limits, and permission-checked downloads that never leak a storage URL."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from attachments import services
from attachments.models import Attachment
from communities.models import Visibility
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from tests.polls.helpers import make_comment, make_post
from wilma.errors import Conflict, InvalidInput, PayloadTooLarge

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Files ------------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, format=fmt)
    return out.getvalue()


def upload_file(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes(extra: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
            *extra,
        ]
    )


def odt_bytes() -> bytes:
    return zip_bytes([("mimetype", ODT.encode()), ("content.xml", b"<office:document/>")])


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions (a decompression bomb's header) without the pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


# --- Upload: accepted types -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("foto.png", image_bytes("PNG"), "image/png"),
        ("foto.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("animation.gif", image_bytes("GIF", mode="P"), "image/gif"),
        ("bild.webp", image_bytes("WEBP"), "image/webp"),
        ("bericht.pdf", PDF, "application/pdf"),
        ("vorlage.docx", docx_bytes(), DOCX),
        ("protokoll.odt", odt_bytes(), ODT),
        ("liste.csv", "Name;Straße\nMüller;Marienplatz 8\n".encode(), "text/csv; charset=utf-8"),
        (
            "notiz.txt",
            "Grüße aus dem Büro".encode("windows-1252"),
            "text/plain; charset=windows-1252",
        ),
    ],
)
def test_allowed_types_are_detected_from_content(employee, name, content, content_type):
    attachment = services.upload(uploader=employee, file=upload_file(name, content))
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.name == name
    assert attachment.post_id is None and attachment.comment_id is None
    # Stored under a random name, never the uploaded one.
    assert name.rsplit(".", 1)[0] not in attachment.file.name
    assert default_storage.exists(attachment.file.name)


def test_type_comes_from_content_not_name(employee):
    attachment = services.upload(uploader=employee, file=upload_file("foto.pdf", image_bytes()))
    assert attachment.content_type == "image/png"
    assert attachment.name == "foto.pdf.png"


def test_image_gets_dimensions_and_a_webp_thumbnail(employee):
    attachment = services.upload(
        uploader=employee, file=upload_file("foto.png", image_bytes(size=(1600, 800)))
    )
    assert (attachment.width, attachment.height) == (1600, 800)
    with default_storage.open(attachment.thumbnail.name) as stored, Image.open(stored) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (400, 200)


def test_file_name_is_sanitized(employee):
    attachment = services.upload(
        uploader=employee, file=upload_file('..\\..\\etc/pass"wd\x07.pdf', PDF)
    )
    assert attachment.name == "pass_wd_.pdf"


# --- Upload: refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rechnung.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"PE\x00\x00"),
        ("tool", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),
        ("programm.dmg", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 200),
        ("install.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("seite.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("seite.html", b"\n  <html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("archiv.zip", zip_bytes([("a.txt", b"hallo")])),
        ("makro.docx", docx_bytes((("word/vbaProject.bin", b"\x00"),))),
        ("musik.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 200),
        ("daten.bin", bytes(range(256)) * 4),
    ],
)
def test_dangerous_or_unknown_files_are_refused(employee, name, content):
    with pytest.raises(InvalidInput) as exc:
        services.upload(uploader=employee, file=upload_file(name, content, "application/pdf"))
    assert exc.value.code == "file_type_not_allowed"
    assert exc.value.fields["file"]
    assert not Attachment.objects.exists()


def test_types_outside_the_allow_list_setting_are_refused(employee, settings):
    settings.WILMA = {**settings.WILMA, "ATTACHMENT_TYPES": ["application/pdf"]}
    with pytest.raises(InvalidInput) as exc:
        services.upload(uploader=employee, file=upload_file("foto.png", image_bytes()))
    assert exc.value.code == "file_type_not_allowed"
    assert services.upload(uploader=employee, file=upload_file("a.pdf", PDF)).pk


def test_decompression_bomb_is_refused(employee):
    with pytest.raises(InvalidInput) as exc:
        services.upload(
            uploader=employee, file=upload_file("bombe.png", png_header_only(40_000, 40_000))
        )
    assert exc.value.code == "image_too_many_pixels"
    assert not Attachment.objects.exists()


def test_pixel_limit_is_a_setting(employee, settings):
    settings.WILMA = {**settings.WILMA, "ATTACHMENT_MAX_PIXELS": 100 * 100}
    with pytest.raises(InvalidInput) as exc:
        services.upload(uploader=employee, file=upload_file("x.png", image_bytes(size=(101, 100))))
    assert exc.value.code == "image_too_many_pixels"


def test_broken_image_is_refused(employee):
    content = image_bytes("PNG")[:100]
    with pytest.raises(InvalidInput) as exc:
        services.upload(uploader=employee, file=upload_file("kaputt.png", content))
    assert exc.value.code == "file_type_not_allowed"


def test_oversize_file_is_413(employee, settings):
    settings.WILMA = {**settings.WILMA, "ATTACHMENT_MAX_BYTES": 100}
    with pytest.raises(PayloadTooLarge):
        services.upload(uploader=employee, file=upload_file("a.txt", b"x" * 101))


def test_empty_file_is_refused(employee):
    with pytest.raises(InvalidInput):
        services.upload(uploader=employee, file=upload_file("leer.txt", b""))


def test_pending_uploads_are_limited(employee, settings):
    settings.WILMA = {**settings.WILMA, "ATTACHMENT_MAX_PENDING": 2}
    for _ in range(2):
        services.upload(uploader=employee, file=upload_file("a.pdf", PDF))
    with pytest.raises(Conflict):
        services.upload(uploader=employee, file=upload_file("a.pdf", PDF))


# --- Attaching --------------------------------------------------------------------------------


def pdf(uploader) -> Attachment:
    return services.upload(uploader=uploader, file=upload_file("a.pdf", PDF))


def test_attach_to_post_and_comment(employee):
    post = make_post(employee)
    first, second = pdf(employee), pdf(employee)
    attached = services.attach(uploader=employee, attachment_ids=[first.pk], post=post)
    assert [a.pk for a in attached] == [first.pk]
    comment = make_comment(post, employee)
    services.attach(uploader=employee, attachment_ids=[second.pk], comment=comment)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.post_id == post.pk and second.comment_id == comment.pk


def test_attach_refuses_others_and_used_uploads(employee, other_employee):
    post = make_post(employee)
    theirs = pdf(other_employee)
    with pytest.raises(InvalidInput):
        services.attach(uploader=employee, attachment_ids=[theirs.pk], post=post)
    mine = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[mine.pk], post=post)
    with pytest.raises(InvalidInput):
        services.attach(uploader=employee, attachment_ids=[mine.pk], post=make_post(employee))
    with pytest.raises(InvalidInput):
        services.attach(uploader=employee, attachment_ids=[987654], post=post)
    theirs.refresh_from_db()
    assert theirs.post_id is None


def test_attachment_count_limit_is_a_setting(employee, settings):
    settings.WILMA = {**settings.WILMA, "ATTACHMENTS_PER_ITEM": 2}
    post = make_post(employee)
    services.attach(uploader=employee, attachment_ids=[pdf(employee).pk], post=post)
    with pytest.raises(InvalidInput) as exc:
        services.attach(
            uploader=employee, attachment_ids=[pdf(employee).pk, pdf(employee).pk], post=post
        )
    assert exc.value.code == "too_many_attachments"
    assert post.attachments.count() == 1


# --- API: upload, download, permissions -------------------------------------------------------


def api_upload(client, name: str, content: bytes):
    return client.post("/api/v1/attachments/", {"file": upload_file(name, content)})


def test_api_upload_answers_201_without_storage_urls(employee, client_for, media_root):
    response = api_upload(client_for(employee), "foto.png", image_bytes())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"] == f"/api/v1/attachments/{body['id']}/download"
    assert body["thumbnail_url"] == f"/api/v1/attachments/{body['id']}/thumbnail"
    assert body["content_type"] == "image/png" and body["attached"] is False
    text = response.content.decode()
    stored = Attachment.objects.get().file.name
    assert "/media/" not in text and stored not in text and str(media_root) not in text


def test_api_upload_refusals(employee, client_for, settings):
    client = client_for(employee)
    exe = api_upload(client, "bericht.pdf", b"MZ" + b"\x00" * 300)
    assert exe.status_code == 422
    assert exe.json()["error"]["code"] == "file_type_not_allowed"
    settings.WILMA = {**settings.WILMA, "ATTACHMENT_MAX_BYTES": 10}
    assert api_upload(client, "a.pdf", PDF).status_code == 413
    assert client.post("/api/v1/attachments/", {}).status_code == 422


def test_api_download_headers(employee, client_for):
    client = client_for(employee)
    post = make_post(employee)
    image = services.upload(uploader=employee, file=upload_file("foto.png", image_bytes()))
    document = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[image.pk, document.pk], post=post)

    response = client.get(f"/api/v1/attachments/{document.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="a.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]

    inline = client.get(f"/api/v1/attachments/{image.pk}/download")
    assert inline["Content-Disposition"].startswith("inline")
    thumb = client.get(f"/api/v1/attachments/{image.pk}/thumbnail")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    assert client.get(f"/api/v1/attachments/{document.pk}/thumbnail").status_code == 404


def test_attachment_in_secret_community_is_404_for_outsiders(employee, other_employee, client_for):
    secret = CommunityFactory(visibility=Visibility.SECRET)
    add_member(secret, employee)
    post = make_post(employee, secret)
    on_post = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[on_post.pk], post=post)
    on_comment = pdf(employee)
    services.attach(
        uploader=employee, attachment_ids=[on_comment.pk], comment=make_comment(post, employee)
    )
    outsider = client_for(other_employee)
    missing = outsider.get("/api/v1/attachments/999999/download").json()
    for attachment in (on_post, on_comment):
        for suffix in ("", "/download", "/thumbnail"):
            response = outsider.get(f"/api/v1/attachments/{attachment.pk}{suffix}")
            assert response.status_code == 404
            assert response.json() == missing
        assert outsider.delete(f"/api/v1/attachments/{attachment.pk}").status_code == 404
    member = client_for(employee)
    assert member.get(f"/api/v1/attachments/{on_post.pk}/download").status_code == 200
    assert member.get(f"/api/v1/attachments/{on_comment.pk}/download").status_code == 200


def test_attachment_of_deleted_comment_is_hidden(employee, client_for):
    from django.utils import timezone

    post = make_post(employee)
    comment = make_comment(post, employee)
    attachment = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[attachment.pk], comment=comment)
    type(comment).objects.filter(pk=comment.pk).update(deleted_at=timezone.now())
    response = client_for(employee).get(f"/api/v1/attachments/{attachment.pk}/download")
    assert response.status_code == 404


def test_unattached_upload_is_visible_to_its_uploader_only(employee, other_employee, client_for):
    attachment = pdf(employee)
    assert client_for(other_employee).get(f"/api/v1/attachments/{attachment.pk}").status_code == 404
    assert (
        client_for(other_employee).get(f"/api/v1/attachments/{attachment.pk}/download").status_code
        == 404
    )
    mine = client_for(employee)
    assert mine.get(f"/api/v1/attachments/{attachment.pk}/download").status_code == 200
    assert [a["id"] for a in mine.get("/api/v1/attachments/").json()] == [attachment.pk]
    assert client_for(other_employee).get("/api/v1/attachments/").json() == []


def test_delete_unattached_upload_removes_the_file(
    employee, client_for, django_capture_on_commit_callbacks
):
    attachment = services.upload(uploader=employee, file=upload_file("foto.png", image_bytes()))
    names = [attachment.file.name, attachment.thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(employee).delete(f"/api/v1/attachments/{attachment.pk}")
    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_attached_upload_cannot_be_deleted(employee, client_for):
    attachment = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[attachment.pk], post=make_post(employee))
    response = client_for(employee).delete(f"/api/v1/attachments/{attachment.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "attachment_in_use"


def test_readers_other_than_the_uploader_cannot_delete(employee, client_for):
    reader = EmployeeFactory()
    attachment = pdf(employee)
    services.attach(uploader=employee, attachment_ids=[attachment.pk], post=make_post(employee))
    assert client_for(reader).get(f"/api/v1/attachments/{attachment.pk}").status_code == 200
    assert client_for(reader).delete(f"/api/v1/attachments/{attachment.pk}").status_code == 403


def test_missing_stored_file_is_404_not_500(employee, client_for):
    attachment = pdf(employee)
    default_storage.delete(attachment.file.name)
    response = client_for(employee).get(f"/api/v1/attachments/{attachment.pk}/download")
    assert response.status_code == 404


def test_api_needs_authentication(employee, anon):
    attachment = pdf(employee)
    assert anon.get(f"/api/v1/attachments/{attachment.pk}/download").status_code == 401
    assert api_upload(anon, "a.pdf", PDF).status_code == 401
