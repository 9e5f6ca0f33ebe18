"""Avatar images: checked by content (never by file name), bounded in bytes and pixels,
square-cropped and resized with Pillow."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wilma.errors import InvalidInput, PayloadTooLarge

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})


def process_avatar(upload: UploadedFile) -> ContentFile:
    conf = settings.WILMA
    if upload.size is not None and upload.size > int(conf["AVATAR_MAX_BYTES"]):
        raise PayloadTooLarge(
            _("Das Bild ist zu groß (höchstens %(mb).0f MB).")
            % {"mb": int(conf["AVATAR_MAX_BYTES"]) / 1024 / 1024},
            code="image_too_large",
        )
    max_pixels = int(conf["AVATAR_MAX_PIXELS"])
    try:
        with warnings.catch_warnings():
            # A decompression bomb must fail, not warn.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise _invalid(_("Nur JPEG-, PNG-, WebP- oder GIF-Bilder."))
                if width * height > max_pixels:
                    raise _invalid(_("Das Bild hat zu viele Pixel."))
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                oriented = ImageOps.exif_transpose(image)
                size = int(conf["AVATAR_SIZE"])
                square = ImageOps.fit(
                    oriented.convert("RGB"), (size, size), Image.Resampling.LANCZOS
                )
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(_("Die Datei ist kein gültiges Bild.")) from None
    except (OSError, SyntaxError, ValueError):
        raise _invalid(_("Die Datei ist kein gültiges Bild.")) from None
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue())


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(fields={"avatar": [message]}, code="invalid_image")
