"""Helpers for the people tests: images made with Pillow and a throwaway media directory."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "PNG", noise: bool = False) -> bytes:
    if noise:
        # Random pixels do not compress: the file is about as large as the pixel data.
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 60))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb)."""
    data = bytearray(image_bytes((8, 8)))
    # Signature (8) + chunk length (4) + b"IHDR" (4), then width and height, then the CRC.
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
