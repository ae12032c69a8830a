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
