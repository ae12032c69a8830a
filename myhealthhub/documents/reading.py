"""Text and a thumbnail from a document's plaintext: pure functions over a file.

Inputs are hostile: a PDF may be crafted to be slow or huge, a picture may be
a decompression bomb. Work is bounded by page count, text length and pixel
count, and any failure is reported as "could not be read" rather than raised.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from myhealthhub.documents.models import TextState

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

MAX_PAGES = 500
MAX_TEXT_CHARS = 2_000_000
THUMBNAIL_SIZE = (360, 360)
# A picture's size is read from its header before anything is decoded: a
# small PNG can claim a 100-megapixel canvas and take gigabytes to decode.
# JPEGs decode at an eighth of their size for thumbnails, so only what is
# left after that counts; 50 megapixels lets a 48-megapixel phone photo in.
MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class Reading:
    text: str
    state: TextState
    page_count: int | None
    thumbnail_png: bytes | None


def read(content_type: str, plaintext: BinaryIO) -> Reading:
    try:
        if content_type == "application/pdf":
            reading = _read_pdf(plaintext)
        elif content_type.startswith("image/"):
            reading = Reading("", TextState.NONE, None, _thumbnail_of_image(plaintext))
        elif content_type == "text/plain":
            reading = Reading(_read_text(plaintext), TextState.EXTRACTED, None, None)
        else:
            # Data files kept as the originals of imports (FHIR JSON, CSV, zip):
            # their entries are searchable, their raw syntax would be noise.
            reading = Reading("", TextState.NONE, None, None)
    except Exception:  # a hostile file must not stop the worker
        log.warning("could not read a %s document", content_type, exc_info=True)
        return Reading("", TextState.FAILED, None, None)
    # PostgreSQL refuses NUL in text, and no reader needs it.
    return dataclasses.replace(reading, text=reading.text.replace("\x00", ""))


def _read_text(plaintext: BinaryIO) -> str:
    return plaintext.read(MAX_TEXT_CHARS * 4).decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]


def _read_pdf(plaintext: BinaryIO) -> Reading:
    # pypdf, pypdfium2 and Pillow are imported where a file is read, not when
    # the command line starts (about 60 ms of every command otherwise).
    from pypdf import PdfReader

    reader = PdfReader(plaintext)
    page_count = len(reader.pages)
    parts: list[str] = []
    length = 0
    for page in reader.pages[:MAX_PAGES]:
        text = page.extract_text() or ""
        parts.append(text)
        # pypdf keeps every object it has read, images included, so a 200 MB
        # scan would end up whole in memory; pages are read one at a time.
        reader.resolved_objects.clear()
        length += len(text)
        if length >= MAX_TEXT_CHARS:
            break
    text = "\n\n".join(parts)[:MAX_TEXT_CHARS].strip()
    plaintext.seek(0)
    thumbnail = _thumbnail_of_pdf(plaintext)
    # A scan is pictures of pages: no text layer to extract.
    state = TextState.EXTRACTED if text else TextState.SCANNED
    return Reading(text, state, page_count, thumbnail)


def _thumbnail_of_pdf(plaintext: BinaryIO) -> bytes | None:
    import pypdfium2

    document = pypdfium2.PdfDocument(plaintext)
    try:
        page = document[0]
        width, height = page.get_size()
        # Scaled to the thumbnail's size, so an absurd page size costs nothing.
        scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height)
        image = page.render(scale=scale).to_pil()
        return _png(image)
    finally:
        document.close()


def _thumbnail_of_image(plaintext: BinaryIO) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(plaintext) as image:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG decodes at a smaller size directly
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValueError(f"a {width}×{height} picture is too large to read")
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail(THUMBNAIL_SIZE)
        return _png(upright.convert("RGB"))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
