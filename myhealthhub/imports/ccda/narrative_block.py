"""A section's narrative block (``<text>``) as both its writers read it: HTML and plain text.

``narrative.py`` writes it as HTML of our own tags, ``plain_text.py`` as the
text of a note. Both walk it the same way: elements matched by local name
(some vendors write them without the HL7 namespace), comments and processing
instructions passed over, nesting and output bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from myhealthhub.imports.ccda.xml import Element, clean, text_of

# Deeper than this, an element is shown as its text alone: Python's stack is
# never at the mercy of the file (libxml2 alone allows 256 levels).
MAX_DEPTH = 50
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Elements whose content is code or presentation, never narrative.
DROPPED = frozenset({"script", "style", "col", "colgroup"})
TABLE_PARTS = frozenset({"thead", "tbody", "tfoot"})
CELLS = frozenset({"th", "td"})
# NextGen escapes some characters twice ("Children&amp;#39;s"): a character
# reference left in the text is read once more (and escaped again on output).
_LEFT_REFERENCE = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")


class Budget:
    """Characters of output, and sections, still allowed for one document."""

    def __init__(self, limit: int, sections: int = 0) -> None:
        self.left = limit
        self.sections_left = sections

    @property
    def spent(self) -> bool:
        return self.left <= 0


def contents(element: Element) -> Iterator[tuple[Element | None, str]]:
    """``element``'s text, then each child element with the text that follows it.

    Comments, processing instructions and unexpanded entities come out as
    ``None``: their content is never shown, the text after them is.
    """
    yield None, element.text or ""
    for child in element:
        yield (child if isinstance(child.tag, str) else None), child.tail or ""


def unescaped_twice(text: str) -> str:
    def character(match: re.Match[str]) -> str:
        decimal, hexadecimal = match.groups()
        number = int(decimal) if decimal else int(hexadecimal, 16)
        # No control character, and no lone surrogate: it could not be sent as UTF-8.
        usable = 0x20 <= number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF
        return chr(number) if usable else ""

    return _LEFT_REFERENCE.sub(character, text) if "&#" in text else text


def link_address(element: Element) -> str:
    """A ``linkHtml``'s address, to show as text; "" for an anchor or one that is its text."""
    href = clean(element.get("href") or "")
    # An anchor inside the same document says nothing to a reader.
    return "" if href.startswith("#") or href == text_of(element) else href[:500]
