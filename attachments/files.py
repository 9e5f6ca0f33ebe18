"""What an uploaded file really is, decided from its content (never from its name), and the
image work: verification, the decompression-bomb guard and thumbnails.

Order of the checks: executables and script vectors are refused first by their signatures
(so an .exe renamed to .pdf is still an .exe); zip containers are classified by their members
(OOXML and OpenDocument, macros refused); other binary types by `filetype`; what remains may
be plain text (UTF-8 or Windows-1252) unless it looks like HTML, SVG or XML markup.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wilma.errors import InvalidInput

HEAD_BYTES = 8192

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# Every type this module can recognise, with the file-name extensions that fit it (the first
# is used when the uploaded name does not fit the content).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/webp": ("webp",),
    "image/gif": ("gif",),
    "application/pdf": ("pdf",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    ODT: ("odt",),
    ODS: ("ods",),
    "text/plain": ("txt", "text", "log", "md"),
    "text/csv": ("csv",),
}
# Pillow's names for each image type (cameras write multi-picture JPEGs, which Pillow calls MPO).
IMAGE_FORMATS = {
    "image/jpeg": ("JPEG", "MPO"),
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/gif": ("GIF",),
}

# Signatures of executables and scripts, refused whatever the allow-list says.
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux and most Unixes
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (also Java class files)
    b"#!",  # shell and other interpreter scripts
    b"\x00asm",  # WebAssembly
)
# Markup a browser could run as a document (HTML, SVG, XML with stylesheets) if it were ever
# served as such: refused even as "plain text".
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|style|a\s|img\s)",
    re.IGNORECASE,
)
_OOXML_MAIN_PARTS = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
_MAX_ZIP_MEMBERS = 10_000
# Text may contain tabs, line breaks and form feeds, but no other control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Detected:
    content_type: str
    charset: str | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_FORMATS

    @property
    def header_value(self) -> str:
        """The Content-Type as stored and served."""
        if self.charset:
            return f"{self.content_type}; charset={self.charset}"
        return self.content_type


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    thumbnail: ContentFile


def not_allowed(message: str | None = None) -> InvalidInput:
    return InvalidInput(
        fields={"file": [message or _("Dieser Dateityp ist nicht erlaubt.")]},
        code="file_type_not_allowed",
    )


def allowed_types() -> frozenset[str]:
    return frozenset(str(t).strip().lower() for t in settings.WILMA["ATTACHMENT_TYPES"])


def detect(upload: UploadedFile, name: str) -> Detected:
    """The type of the upload from its content; 422 `file_type_not_allowed` for executables,
    markup, unknown binaries and types outside `WILMA["ATTACHMENT_TYPES"]`."""
    head = _read_head(upload)
    if head.startswith(_EXECUTABLE_MAGIC):
        raise not_allowed(_("Programme und Skripte können nicht hochgeladen werden."))
    detected = _detect_binary(upload, head)
    if detected is None:
        detected = _detect_text(upload, name)
    if detected.content_type not in allowed_types():
        raise not_allowed()
    return detected


def _read_head(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _detect_binary(upload: UploadedFile, head: bytes) -> Detected | None:
    if head.startswith(b"PK\x03\x04"):
        return Detected(_classify_zip(upload))
    kind = filetype.guess(head)
    if kind is None:
        return None
    mime = str(kind.mime)
    if mime in IMAGE_FORMATS or mime == "application/pdf":
        return Detected(mime)
    # Any other recognised binary: archives, executables filetype knows, media, fonts ...
    raise not_allowed()


def _classify_zip(upload: UploadedFile) -> str:
    """OOXML and OpenDocument files are zip archives: tell them apart by their members.
    Plain archives and macro-enabled documents are refused."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_MEMBERS:
                raise not_allowed()
            names = {info.filename for info in infos}
            if any(PurePosixPath(n).name.lower() == "vbaproject.bin" for n in names):
                raise not_allowed(_("Dokumente mit Makros können nicht hochgeladen werden."))
            if infos and infos[0].filename == "mimetype":
                with archive.open(infos[0]) as member:
                    mimetype = member.read(100).decode("ascii", "replace").strip()
                if mimetype in (ODT, ODS):
                    return mimetype
                raise not_allowed()
            if "[Content_Types].xml" in names:
                for part, mime in _OOXML_MAIN_PARTS.items():
                    if part in names:
                        return mime
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_allowed(_("Die Datei ist beschädigt.")) from None
    finally:
        upload.seek(0)
    raise not_allowed(_("Archive (ZIP) können nicht hochgeladen werden."))


def _detect_text(upload: UploadedFile, name: str) -> Detected:
    if _MARKUP.search(_read_head(upload)):
        raise not_allowed(_("HTML-, SVG- und XML-Dateien können nicht hochgeladen werden."))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    for charset in ("utf-8", "windows-1252"):
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            break
        # Text or CSV look the same; the name only chooses between two equally harmless types.
        mime = "text/csv" if name.lower().endswith(".csv") else "text/plain"
        return Detected(mime, charset)
    raise not_allowed(_("Unbekannter Dateityp."))


# --- Names --------------------------------------------------------------------------------

_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/<>:|?*]')
MAX_NAME_LENGTH = 200


def clean_name(raw: str | None, detected: Detected) -> str:
    """A display and download name from the uploaded one: no path, no control characters, at
    most MAX_NAME_LENGTH characters, and an extension that fits the detected type (a PDF
    uploaded as `bericht.exe` is offered as `bericht.exe.pdf`)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .") or _("Datei")
    extensions = EXTENSIONS.get(detected.content_type, ())
    stem, dot, ext = name.rpartition(".")
    if extensions and not (dot and stem and ext.lower() in extensions):
        name = f"{name}.{extensions[0]}"
        stem, _dot, ext = name.rpartition(".")
    if len(name) > MAX_NAME_LENGTH:
        name = f"{stem[: MAX_NAME_LENGTH - len(ext) - 1]}.{ext}"
    return name


def storage_extension(detected: Detected) -> str:
    return EXTENSIONS.get(detected.content_type, ("bin",))[0]


# --- Images -------------------------------------------------------------------------------


def process_image(upload: UploadedFile, detected: Detected) -> ImageInfo:
    """Verify the image with Pillow, refuse decompression bombs (more pixels than
    `WILMA["ATTACHMENT_MAX_PIXELS"]`) and render a WebP thumbnail."""
    conf = settings.WILMA
    max_pixels = int(conf["ATTACHMENT_MAX_PIXELS"])
    edge = int(conf["ATTACHMENT_THUMBNAIL_SIZE"])
    broken = _("Die Datei ist kein gültiges Bild.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit: a bomb must fail, not warn.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in IMAGE_FORMATS[detected.content_type]:
                    raise not_allowed(broken)
                width, height = probe.size
                if width * height > max_pixels or width <= 0 or height <= 0:
                    raise _bomb()
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.seek(0)
                image.load()
                oriented = ImageOps.exif_transpose(image)
                width, height = oriented.size
                has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (
                    oriented.mode == "P" and "transparency" in oriented.info
                )
                thumb = oriented.convert("RGBA" if has_alpha else "RGB")
                thumb.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb() from None
    except _PILLOW_ERRORS:
        raise not_allowed(broken) from None
    finally:
        upload.seek(0)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=80)
    return ImageInfo(width=width, height=height, thumbnail=ContentFile(out.getvalue()))


# What Pillow raises on malformed input (besides the bomb errors).
_PILLOW_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    TypeError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    struct.error,
)


def _bomb() -> InvalidInput:
    return InvalidInput(
        fields={"file": [_("Das Bild hat zu viele Pixel.")]}, code="image_too_many_pixels"
    )
