"""Real files, made by real libraries, for the document tests: nothing hand-faked.

Except picture bombs: no library writes a header that lies about the size of
what follows, so those few bytes are laid out by hand from the formats' specs.
"""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
from PIL import Image

from myhealthhub.documents.demo import pdf_with_text

pillow_heif.register_heif_opener()

__all__ = ["jpeg_bomb", "pdf_with_text", "picture", "png_bomb", "scanned_pdf"]


def scanned_pdf() -> bytes:
    """A PDF that is only a picture of a page, as a scanner makes."""
    page = Image.new("RGB", (600, 800), "white")
    for y in range(100, 700, 40):
        page.paste((40, 40, 40), (80, y, 520, y + 8))
    out = io.BytesIO()
    page.save(out, format="PDF")
    return out.getvalue()


def picture(image_format: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=image_format)
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A well-formed PNG whose header claims a huge 1-bit canvas, with a tiny compressed body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    rows = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 65_000, height: int = 65_000) -> bytes:
    """A JPEG whose frame header (SOF0) claims a huge one-component picture."""
    jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + jfif + frame + b"\xff\xd9"
