"""Real files, made by real libraries, for the document tests: nothing hand-faked."""

from __future__ import annotations

import io

import pillow_heif
from PIL import Image

from myhealthhub.documents.demo import pdf_with_text

pillow_heif.register_heif_opener()

__all__ = ["pdf_with_text", "picture", "scanned_pdf"]


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
