"""A link's text as a QR code, drawn as inline SVG markup.

The SMART Health Links guide asks for error correction level M. Inline SVG
needs no ``data:`` image and no ``style`` attribute, so the page keeps its
strict Content-Security-Policy; its colours are SVG presentation attributes,
which the policy does not govern. The light modules are painted white, so
the code scans on any background and on paper.
"""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe

# Modules of white around the code, as the QR standard asks for a reader to find it.
QUIET_ZONE = 4


def qr_code(text: str) -> segno.QRCode:
    # make_qr, never a Micro QR, which phone cameras do not read; exactly M, never boosted.
    return segno.make_qr(text, error="m", boost_error=False)


def qr_svg(text: str, *, title: str) -> SafeString:
    """``<svg viewBox=…>`` sized by CSS; ``title`` is its accessible name (segno escapes it)."""
    svg = qr_code(text).svg_inline(
        scale=1,
        border=QUIET_ZONE,
        omitsize=True,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    # segno's markup is its own numbers and the escaped title: nothing else of ours is in it.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308
