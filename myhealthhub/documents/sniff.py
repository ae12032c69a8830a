"""What a file is, decided from its bytes alone (DESIGN.md principle 8).

The name a file came with and the type a browser claims are both chosen by
whoever sent it. Only an allow-list of types we can show and read is kept:
PDF, JPEG, PNG, HEIC and plain text, and GPX routes (a workout's, as a watch
records it), which are only ever downloaded. Everything else — HTML, SVG,
other XML, scripts, executables, archives — is refused, whatever it is called.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from myhealthhub.errors import ActionRefused, Refused
from myhealthhub.lib.safe_xml import safe_parse

register_heif_opener()

# What is read to decide: a PDF header may sit anywhere in its first 1 KiB.
HEAD_BYTES = 64 * 1024

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}
# ISO base media brands of HEIC/HEIF stills (not of videos such as mp4).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"hevx"}

# Anything shaped like a tag, a comment or a declaration, namespaced or not:
# a browser might render it as markup whatever the declared type, so "plain
# text" holding one is refused. "HbA1c <7 %" or "BP < 140/90" are not tags.
MARKUP = re.compile(rb"<\s*/?\s*[A-Za-z!?]")
# A PDF's header may follow a little junk, but never markup.
PDF_HEADER_WITHIN = 1024
CHUNK = 1024 * 1024
# A GPX route starts as one, and is then read whole to be sure: a day's ride is a
# few megabytes; past this it is no route a watch wrote.
GPX_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?<gpx[\s>]")
GPX_NAMESPACES = frozenset(
    {"http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0"}
)
MAX_GPX_BYTES = 32 * 1024 * 1024


class RefusedFile(ActionRefused):
    pass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # for the download name only, never a path on disk


PDF = FileType("application/pdf", "pdf")
TEXT = FileType("text/plain", "txt")
# Kept and downloaded, never shown inline: it is XML (Document.shows_inline).
GPX = FileType("application/gpx+xml", "gpx")
# Data files that an importer has read and checked itself, kept as the
# originals of imports; never sniffed as uploads, never shown inline.
FHIR_JSON = FileType("application/fhir+json", "json")
FHIR_NDJSON = FileType("application/fhir+ndjson", "ndjson")
FHIR_XML = FileType("application/fhir+xml", "xml")
ZIP = FileType("application/zip", "zip")
CSV = FileType("text/csv", "csv")
# A C-CDA document (HL7 CDA R2 XML), shown on its page by our own renderer.
CCDA = FileType("application/hl7-cda+xml", "xml")
# Other XML data, such as an Apple Health export.
XML = FileType("application/xml", "xml")
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    **{
        kind.content_type: kind.extension
        for kind in (GPX, FHIR_JSON, FHIR_NDJSON, FHIR_XML, ZIP, CSV, CCDA, XML)
    },
}


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
    header = head.find(b"%PDF-", 0, PDF_HEADER_WITHIN)
    if header >= 0 and b"<" not in head[:header]:
        return PDF
    if _looks_like_image(head):
        return _image_type(upload)
    if GPX_START.match(head) and _is_gpx(upload):
        return GPX
    if _is_plain_text(upload):
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
    except Image.DecompressionBombError:
        # Pillow refuses, from the header alone, a canvas past twice its pixel
        # limit: a few hundred bytes may claim 30000×30000, gigabytes to decode
        # here and in the browser of whoever opens it.
        raise RefusedFile(
            _(
                "This picture is too large to open safely (over %(megapixels)d megapixels), "
                "so it was not kept."
            )
            % {"megapixels": 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        image_format = ""
    content_type = IMAGE_TYPES.get(image_format)
    if content_type is None:
        raise RefusedFile(_("This picture is damaged or of a kind that cannot be shown."))
    return FileType(content_type, EXTENSIONS[content_type])


def _is_gpx(upload: IO[bytes]) -> bool:
    """Well-formed XML with nothing declared, whose root is a GPX 1.0 or 1.1 ``gpx``."""
    upload.seek(0)
    content = upload.read(MAX_GPX_BYTES + 1)
    upload.seek(0)
    if len(content) > MAX_GPX_BYTES:
        return False
    try:
        root = safe_parse(content)
    except Refused:
        return False
    return any(root.tag == f"{{{namespace}}}gpx" for namespace in GPX_NAMESPACES)


def _is_plain_text(upload: IO[bytes]) -> bool:
    """UTF-8 all through, no NUL, no script line, no markup anywhere in the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = b""  # a tag split across two chunks is still seen
    first = True
    while chunk := upload.read(CHUNK):
        if first and chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#!"):
            return False
        first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if b"\x00" in chunk or MARKUP.search(tail + chunk):
            return False
        tail = chunk[-16:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
