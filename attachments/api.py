"""Router for attachments: upload, metadata, permission-checked download, deleting an unused
upload.

Files are never served from a public media URL: every download is authorised like reading the
post it belongs to, and hidden files answer 404 exactly like missing ones. Downloads carry
`X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`, so even a file that
fooled the type detection cannot run as a page of this site.
"""

from __future__ import annotations

from django.http import FileResponse
from ninja import File, Path, Router, Status, UploadedFile

from attachments import selectors, services
from attachments.models import Attachment
from attachments.permissions import access_attachment
from attachments.schemas import AttachmentOut
from people.auth import AuthedRequest
from wilma.schemas import Id

router = Router(tags=["attachments"])

NO_CONTENT = {204: None}


def _file_response(stored: selectors.StoredFile) -> FileResponse:
    response = FileResponse(
        stored.stream,
        as_attachment=not stored.inline,
        filename=stored.filename,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    # Permission-checked content: browsers may keep it, shared caches must not.
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.post("/", response={201: AttachmentOut}, summary="Upload a file")
def upload(request: AuthedRequest, file: File[UploadedFile]) -> Status[Attachment]:
    """Multipart field `file`. The type is detected from the content: images (JPEG, PNG, WebP,
    GIF), PDF, Office and OpenDocument files, plain text and CSV by default. Executables,
    scripts, HTML and SVG answer 422 `file_type_not_allowed`, too large a file 413. The upload
    stays private until its id is sent with a new post or comment (`attachment_ids`)."""
    return Status(201, services.upload(uploader=request.auth, file=file))


@router.get("/", response=list[AttachmentOut], summary="My uploads not attached yet")
def list_pending(request: AuthedRequest) -> list[Attachment]:
    return list(selectors.pending_uploads(request.auth))


@router.get("/{attachment_id}", response=AttachmentOut, summary="An attachment's metadata")
def get_attachment(request: AuthedRequest, attachment_id: Path[Id]) -> Attachment:
    return access_attachment(request.auth, attachment_id)


@router.get("/{attachment_id}/download", summary="Download an attachment")
def download(request: AuthedRequest, attachment_id: Path[Id]) -> FileResponse:
    """The file itself: images inline, everything else as a download. 404 for files on posts
    the caller may not read."""
    attachment = access_attachment(request.auth, attachment_id)
    return _file_response(selectors.open_download(attachment))


@router.get("/{attachment_id}/thumbnail", summary="An image attachment's thumbnail")
def thumbnail(request: AuthedRequest, attachment_id: Path[Id]) -> FileResponse:
    """A WebP preview of at most `WILMA_ATTACHMENT_THUMBNAIL_SIZE` pixels; 404 for non-images."""
    attachment = access_attachment(request.auth, attachment_id)
    return _file_response(selectors.open_thumbnail(attachment))


@router.delete("/{attachment_id}", response=NO_CONTENT, summary="Delete an unused upload")
def delete(request: AuthedRequest, attachment_id: Path[Id]) -> Status[None]:
    """Only the uploader, and only while the file is not attached (409 `attachment_in_use`)."""
    attachment = access_attachment(request.auth, attachment_id)
    services.delete_upload(actor=request.auth, attachment=attachment)
    return Status(204, None)
