"""The summary as a PDF: the web page's template, laid out by WeasyPrint, fetching nothing.

WeasyPrint would follow any URL it meets (images, stylesheets, fonts). Ours
reaches none: the stylesheet is read from our own package, fonts are the
system's DejaVu named by family, and the only images are the trend charts
this module's sibling drew, embedded as data: URIs. The fetcher below turns
away everything else, so no value typed or imported into a record can make
the server open a file or a connection.
"""

from __future__ import annotations

import base64
import binascii
import logging
from functools import cache
from pathlib import Path

from myhealthhub.profiles.models import Profile
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.render import standalone_html
from myhealthhub.summary.sparkline import PREFIX

# WeasyPrint logs each of its steps at INFO, even on import: lines that would drown the
# server's log. Set before the import below.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "myhealthhub" / "summary.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# A data: URI far beyond any chart we draw is not one of ours.
MAX_IMAGE_URI = 400_000


class RefusingFetcher(URLFetcher):
    """Answers only the charts' data: URIs; every other URL fails without leaving the process."""

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith(PREFIX) and len(url) <= MAX_IMAGE_URI:
            try:
                svg = base64.b64decode(url.removeprefix(PREFIX), validate=True)
            except binascii.Error:
                svg = b""
            if svg.startswith(b"<svg"):
                return URLFetcherResponse(url, body=svg, headers={"Content-Type": "image/svg+xml"})
        raise ValueError("the summary PDF fetches nothing")


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def summary_pdf(profile: Profile, options: ExportOptions) -> bytes:
    """The PDF summary of ``profile`` with the person's choices (``options``)."""
    return printed(standalone_html(profile, options), options.paper)


def printed(html: str, paper: str) -> bytes:
    """A whole HTML document of ours in the summary's style, as a PDF on ``paper``."""
    size = PAGE_SIZES.get(paper, "A4")
    stylesheets = [
        CSS(string=_stylesheet(), url_fetcher=RefusingFetcher()),
        CSS(string=f"@page {{ size: {size}; }}", url_fetcher=RefusingFetcher()),
    ]
    document = HTML(string=html, base_url=None, url_fetcher=RefusingFetcher())
    pdf = document.write_pdf(stylesheets=stylesheets, pdf_tags=True)
    assert isinstance(pdf, bytes)
    return pdf
