"""A kept document's contents drawn on its page, by the app that knows its format.

Documents sit below the importers in the apps' order (DESIGN.md, Layout). An
app that can draw a format as sections of our own HTML adds a drawer for its
content type from its ``ready()`` (imports: C-CDA); the document page asks
here, and the drawer gets the file's bytes, read whole only up to a bound.
Whatever goes wrong, the page gets a message instead of sections: a hostile
file never breaks its page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from myhealthhub.documents import keys
from myhealthhub.documents.models import Document
from myhealthhub.errors import Refused
from myhealthhub.lib import crypto, keyring

log = logging.getLogger(__name__)

# A file larger than this is not drawn (parsed, it would take several times
# this in memory); it can still be downloaded.
SHOWN_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ShownSection:
    """A section on the page, with an anchor of ours (never an ID from the file)."""

    anchor: str
    title: str
    html: SafeString
    level: int  # 1 for a section of the body, 2 for one inside it...
    # Every section beneath this one, in document order, at its own level.
    subsections: list[ShownSection]


@dataclass(frozen=True)
class Drawn:
    title: str = ""
    sections: list[ShownSection] = field(default_factory=list)
    problem: str = ""  # why the sections are not shown, for the person


# Draws a file's bytes, or raises Refused when it cannot be read.
Drawer = Callable[[bytes], Drawn]
_drawers: dict[str, Drawer] = {}


def add_drawer(content_type: str, drawer: Drawer) -> None:
    _drawers[content_type] = drawer


def drawn(document: Document) -> Drawn | None:
    """The document's contents as sections for its page; None where no app draws its type."""
    drawer = _drawers.get(document.content_type)
    if drawer is None:
        return None
    too_large = Drawn(problem=_("This document is too large to show here; download it to read it."))
    unreadable = Drawn(problem=_("This document could not be shown; download it to read it."))
    if document.size > SHOWN_BYTES:
        return too_large
    data = bytearray()
    try:
        for chunk in keys.read(document.file):
            data += chunk
            if len(data) > SHOWN_BYTES:
                return too_large
    except (crypto.IntegrityError, keyring.MissingKey, OSError):
        log.error("sealed file %s could not be read for its page", document.file.name)
        return unreadable
    try:
        return drawer(bytes(data))
    except Refused:  # empty, not well-formed, or declaring a DTD: nothing to draw
        return unreadable
    except Exception:
        log.exception("document %s could not be drawn", document.uuid)
        return unreadable
