"""A C-CDA section's narrative made readable: HTML that our code writes (``plain_text.py``: text).

The narrative block (``<text>``) of a CDA section is a small XHTML-like
language written by whoever made the file, so it is hostile input. Nothing of
it is copied through: each element we know becomes a tag of ours from a fixed
list, every piece of text is escaped, and no attribute survives except a
checked ``colspan``/``rowspan`` number. No class, style, ID or link from the
file ever reaches the page; a link is shown as its text and its address as
plain text. Depth and output size are bounded, so a deep or huge file costs
little.

Elements are matched by local name: some vendors write the CDA elements
without the HL7 namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from myhealthhub.imports.ccda.narrative_block import (
    CELLS,
    CONTROL,
    DROPPED,
    MAX_DEPTH,
    TABLE_PARTS,
    Budget,
    contents,
    link_address,
    unescaped_twice,
)
from myhealthhub.imports.ccda.xml import Element, clean, kid, kids, local, text_of

__all__ = [
    "RenderedSection",
    "document_title",
    "render",
    "sections",
    "text_of",
]

# Characters of HTML for one whole document; past it the rest is left out.
MAX_OUTPUT = 2_000_000
# Sections inside sections deeper than this are listed at this depth.
MAX_SECTION_DEPTH = 6
# Real documents have a few dozen sections; each one costs the page a heading.
MAX_SECTIONS = 500
# A title is a heading and a line in the contents, not a paragraph.
MAX_TITLE = 300
# A cell spans at most this many columns or rows; anything else is ignored.
MAX_SPAN = 100

# Only XML's own whitespace is collapsed in HTML: a non-breaking space is
# the author's choice there (an "empty" cell), and the browser keeps it.
_XML_SPACE = re.compile(r"[ \t\r\n]+")

# content/@styleCode → our tag. Other style codes (vendor ones among them) are ignored.
_STYLES = {"bold": "strong", "italics": "em", "underline": "u", "emphasis": "em"}
# In any namespace or none, as lxml matches them (in C, not in Python).
_BLOCKS = ("{*}paragraph", "{*}list", "{*}table")


@dataclass(frozen=True)
class RenderedSection:
    """One section of a document as the page shows it."""

    title: str
    html: SafeString
    subsections: list[RenderedSection]
    # section/code/@code (a LOINC code), to tell sections apart without their title.
    code: str


def _span(value: str | None) -> int | None:
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and 1 < int(value) <= MAX_SPAN:
        return int(value)
    return None


def _has_block(element: Element) -> bool:
    # A <p> cannot hold a list or a table: the browser would end it early.
    return next(element.iterdescendants(*_BLOCKS), None) is not None


class _Html:
    """HTML written piece by piece from a narrative block, within a budget."""

    def __init__(self, budget: Budget) -> None:
        self.parts: list[str] = []
        self.budget = budget

    def markup(self, markup: str) -> None:
        """One of our own tags: never anything taken from the file."""
        self.parts.append(markup)
        self.budget.left -= len(markup)

    def text(self, text: str, *, blank_too: bool = True) -> None:
        text = _XML_SPACE.sub(" ", CONTROL.sub("", unescaped_twice(text)))
        if self.budget.spent or not text or (not blank_too and not text.strip()):
            return
        escaped: str = escape(text)
        if len(escaped) > self.budget.left:
            # Cut within the budget, never inside an entity such as "&quot;".
            escaped = escaped[: self.budget.left]
            if escaped.rfind("&") > escaped.rfind(";"):
                escaped = escaped[: escaped.rfind("&")]
            self.budget.left = 0
        self.markup(escaped)

    def element(self, element: Element, depth: int, within: str = "") -> None:
        """``element`` as HTML; ``within`` is the list, table part or row it sits in."""
        if self.budget.spent:
            return
        name = local(element)
        if depth > MAX_DEPTH:
            self.text(text_of(element))
        elif name in DROPPED:
            return
        elif name == "paragraph":
            self.wrapped("div" if _has_block(element) else "p", element, depth)
        elif name == "list":
            self.list(element, depth)
        elif name == "table":
            self.table(element, depth)
        elif name in TABLE_PARTS and within == "table":
            self.wrapped(name, element, depth, holds="part")
        elif name == "tr" and within in ("table", "part"):
            self.wrapped("tr", element, depth, holds="row")
        elif name in CELLS and within == "row":
            self.cell(name, element, depth)
        elif name == "item" and within == "list":
            self.wrapped("li", element, depth)
        elif name == "content":
            self.content(element, depth)
        elif name in ("sub", "sup"):
            self.wrapped(name, element, depth)
        elif name == "br":
            self.markup("<br>")
        elif name == "caption":
            self.wrapped("strong", element, depth)
            self.markup(" ")
        elif name == "footnote":
            self.wrapped("small", element, depth)
        elif name == "linkHtml":
            self.children(element, depth)
            if address := link_address(element):
                self.text(f" ({address})")
        elif name == "renderMultiMedia":
            self.markup('<span class="narrative-placeholder">')
            self.text(_("[picture not shown]"))
            self.markup("</span>")
        else:  # unknown, or a table or list part out of place: its content
            self.children(element, depth, within)

    def children(self, element: Element, depth: int, holds: str = "") -> None:
        for child, text in contents(element):
            if self.budget.spent:
                return
            if child is not None:
                self.element(child, depth + 1, holds)
            # Between rows and cells only real text counts, not the indentation.
            self.text(text, blank_too=not holds)

    def wrapped(self, tag: str, element: Element, depth: int, holds: str = "") -> None:
        self.markup(f"<{tag}>")
        self.children(element, depth, holds)
        self.markup(f"</{tag}>")

    def list(self, element: Element, depth: int) -> None:
        ordered = (element.get("listType") or "").strip().lower() == "ordered"
        tag = "ol" if ordered else "ul"
        for caption in kids(element, "caption"):
            self.markup('<p class="narrative-caption">')
            self.children(caption, depth + 1)
            self.markup("</p>")
        self.markup(f"<{tag}>")
        for child, text in contents(element):
            if self.budget.spent:
                break
            name = local(child) if child is not None else ""
            if child is not None and name == "item":
                self.element(child, depth + 1, "list")
            elif child is not None and name != "caption":
                # Anything else directly in a list still gets an item of its own.
                self.markup("<li>")
                self.element(child, depth + 1)
                self.markup("</li>")
            if text.strip():
                self.markup("<li>")
                self.text(text)
                self.markup("</li>")
        self.markup(f"</{tag}>")

    def table(self, element: Element, depth: int) -> None:
        # Scrolls sideways by itself on a narrow screen (static app.css).
        self.markup('<div class="narrative-table"><table>')
        caption = kid(element, "caption")
        if caption is not None:
            self.wrapped("caption", caption, depth + 1)
        for child, text in contents(element):
            if self.budget.spent:
                break
            if child is not None and child is not caption:
                self.element(child, depth + 1, "table")
            self.text(text, blank_too=False)
        self.markup("</table></div>")

    def cell(self, tag: str, element: Element, depth: int) -> None:
        spans = "".join(
            f' {name}="{span}"'
            for name in ("colspan", "rowspan")
            if (span := _span(element.get(name))) is not None
        )
        self.markup(f"<{tag}{spans}>")
        self.children(element, depth)
        self.markup(f"</{tag}>")

    def content(self, element: Element, depth: int) -> None:
        codes = (element.get("styleCode") or "").lower().split()
        tags = list(dict.fromkeys(_STYLES[code] for code in codes if code in _STYLES))
        # A revision that deleted this text: shown struck through, as it was marked.
        if (element.get("revised") or "").strip().lower() == "delete":
            tags.insert(0, "del")
        for tag in tags:
            self.markup(f"<{tag}>")
        self.children(element, depth)
        for tag in reversed(tags):
            self.markup(f"</{tag}>")


def _render(text_element: Element | None, budget: Budget) -> SafeString:
    if text_element is None:
        return SafeString("")
    html = _Html(budget)
    html.children(text_element, 0)
    # Every piece is escaped text or one of our own fixed tags.
    return mark_safe("".join(html.parts).strip())  # noqa: S308


def _left_out() -> SafeString:
    return format_html(
        '<p class="notice">{}</p>',
        _("The rest of this document is too long to show here; download it to read it."),
    )


def render(text_element: Element | None) -> SafeString:
    """The section narrative ``text_element`` as HTML built only from our own tags."""
    budget = Budget(MAX_OUTPUT)
    html = _render(text_element, budget)
    return html + _left_out() if budget.spent else html


def document_title(root: Element) -> str:
    """ClinicalDocument/title, or "" when the document has none."""
    return text_of(kid(root, "title"))[:MAX_TITLE]


def sections(root: Element) -> list[RenderedSection]:
    """Every section of a structured body in document order, subsections inside theirs.

    A document whose body is a file (``nonXMLBody``: a PDF, an RTF) has none.
    """
    body = kid(kid(root, "component"), "structuredBody")
    budget = Budget(MAX_OUTPUT, MAX_SECTIONS)
    found = _sections_in(body, budget, 1)
    if budget.spent:
        # Last, and in the contents too, so whoever reads on knows to download it.
        found.append(RenderedSection(_("Left out"), _left_out(), [], ""))
    return found


def _sections_in(element: Element | None, budget: Budget, depth: int) -> list[RenderedSection]:
    found = []
    for each in _child_sections(element, deep=depth >= MAX_SECTION_DEPTH):
        budget.sections_left -= 1
        if budget.sections_left < 0:
            budget.left = 0
        if budget.spent:
            break
        title = text_of(kid(each, "title"))[:MAX_TITLE] or _("Untitled section")
        html = _render(kid(each, "text"), budget)
        below = [] if depth >= MAX_SECTION_DEPTH else _sections_in(each, budget, depth + 1)
        code = kid(each, "code")
        found.append(
            RenderedSection(
                title, html, below, clean(code.get("code") or "") if code is not None else ""
            )
        )
    return found


def _child_sections(element: Element | None, *, deep: bool) -> Iterator[Element]:
    """The sections in ``element``'s components; with ``deep``, every one beneath it."""
    if element is None:
        return
    if deep:
        yield from element.iterdescendants("{*}section")
        return
    for component in kids(element, "component"):
        yield from kids(component, "section")
