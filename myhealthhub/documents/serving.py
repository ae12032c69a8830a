"""How a file from the record leaves the server, whichever page sends it.

Kept documents, finished exports and the summary PDF all go out with the same
headers: named as the person expects, never sniffed into something else, never
cached, and under a policy that lets nothing in the file run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from myhealthhub.documents.models import Document
from myhealthhub.documents.sniff import EXTENSIONS

# A file is opened in the browser only under this policy: no scripts, no
# requests, no forms, framed by our own pages only.
SANDBOX_POLICY = (
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)

Response = TypeVar("Response", HttpResponse, StreamingHttpResponse)


def as_file(response: Response, filename: str, *, inline: bool = False) -> Response:
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cache-Control"] = "no-store, private"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks again, with the one already read (to check it) in front."""
    if first:
        yield first
    yield from rest


def download_name(document: Document) -> str:
    """The name a document's file downloads under: its title, with its true type's extension."""
    extension = EXTENSIONS.get(document.content_type) or ("pdf" if document.is_pdf else "txt")
    stem = document.title.rsplit(".", 1)[0] if "." in document.title else document.title
    return f"{stem}.{extension}"
