"""What a file is, decided from its bytes alone (DESIGN.md principle 8).

The name a file came with and the type a browser claims are both chosen by
whoever sent it. Only an allow-list of types we can show and read is kept:
PDF, JPEG, PNG, HEIC and plain text. Everything else — HTML, SVG, scripts,
executables, archives — is refused, whatever it is called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from myhealthhub.errors import ActionRefused

register_heif_opener()

# What is read to decide: a PDF header may sit anywhere in its first 1 KiB.
HEAD_BYTES = 64 * 1024

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}
# ISO base media brands of HEIC/HEIF stills (not of videos such as mp4).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"hevx"}

# Markup a browser might render, whatever the declared type: refuse it even
# as "text", since a text file is shown as text only if it truly is one.
MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|style|\?xml|a\s)",
    re.IGNORECASE,
)


class RefusedFile(ActionRefused):
    pass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # for the download name only, never a path on disk


PDF = FileType("application/pdf", "pdf")
TEXT = FileType("text/plain", "txt")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}


def sniff(upload: IO[bytes]) -> FileType:
    """The type of a seekable file from its bytes, or RefusedFile; leaves it rewound."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    try:
        return _sniff(head, upload)
    finally:
        upload.seek(0)


def _sniff(head: bytes, upload: IO[bytes]) -> FileType:
    if not head:
        raise RefusedFile(_("The file is empty."))
    if b"%PDF-" in head[:1024] and not MARKUP.search(head[:1024]):
        return PDF
    if _looks_like_image(head):
        return _image_type(upload)
    if _is_plain_text(head):
        return TEXT
    raise RefusedFile(
        _("This file is not a PDF, a JPEG, PNG or HEIC picture, or plain text, so it was not kept.")
    )


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS)
    )


def _image_type(upload: IO[bytes]) -> FileType:
    # The magic number only says what the file claims to be; Pillow reading
    # its header says whether it is one.
    try:
        with Image.open(upload) as image:
            image_format = image.format or ""
    except (UnidentifiedImageError, OSError, ValueError):
        image_format = ""
    content_type = IMAGE_TYPES.get(image_format)
    if content_type is None:
        raise RefusedFile(_("This picture is damaged or of a kind that cannot be shown."))
    return FileType(content_type, EXTENSIONS[content_type])


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # The head may end inside a multi-byte character.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return not (stripped.startswith(b"#!") or MARKUP.search(head))
