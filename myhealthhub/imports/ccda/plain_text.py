"""A section's narrative block as readable plain text: the body of a note made from a section.

Paragraphs and list items on lines of their own, table rows as cells joined
by " | ", ``<reference value="#id">`` read as the narrative it names. Output
is bounded however often one long paragraph is referenced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
from myhealthhub.imports.ccda.xml import Element, clean, local, text_of

# Characters of text for one note; past it the rest is left out.
MAX_OUTPUT = 2_000_000
_BLANK_LINES = re.compile(r"\n{3,}")


class _Lines:
    """Plain text written line by line: a list item's bullet, an indent for nested lists."""

    def __init__(self, references: dict[str, Element], budget: Budget) -> None:
        self.references = references
        # Shared with the cells' own writers: a thousand references to one long
        # paragraph must not make a thousand copies of it.
        self.budget = budget
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.indent = ""
        self.bullet: str | None = None

    def add(self, text: str) -> None:
        if text and not self.budget.spent:
            self.parts.append(text[: self.budget.left])
            self.budget.left -= len(text)

    def end_line(self) -> None:
        line = clean(unescaped_twice("".join(self.parts)))
        self.parts = []
        if line:
            lead = self.bullet if self.bullet is not None else self.indent
            self.bullet = None
            self.lines.append(lead + line)

    def blank(self) -> None:
        self.end_line()
        self.lines.append("")

    def element(self, element: Element, depth: int) -> None:
        name = local(element)
        if depth > MAX_DEPTH:
            self.add(text_of(element))
        elif name in DROPPED:
            return
        elif name in ("paragraph", "list"):
            self.block(element, depth)
        elif name in ("caption", "footnote"):
            self.end_line()  # a line of its own, right above what it names
            self.children(element, depth)
            self.end_line()
        elif name == "item":
            self.item(element, depth)
        elif name == "table":
            self.table(element, depth)
        elif name == "br":
            self.end_line()
        elif name == "linkHtml":
            self.children(element, depth)
            if address := link_address(element):
                self.add(f" ({address})")
        elif name == "renderMultiMedia":
            self.add(_("[picture not shown]"))
        elif name == "reference":
            self.reference(element)
        else:
            self.children(element, depth)

    def children(self, element: Element, depth: int) -> None:
        for child, text in contents(element):
            if self.budget.spent:
                return
            if child is not None:
                self.element(child, depth + 1)
            self.add(text)

    def block(self, element: Element, depth: int) -> None:
        # Blocks at the top are set apart by a blank line; inside a list item
        # or a cell, a line break is enough.
        top = self.bullet is None and not self.indent
        self.blank() if top else self.end_line()
        self.children(element, depth)
        self.blank() if top else self.end_line()

    def item(self, element: Element, depth: int) -> None:
        self.end_line()
        outer = self.indent
        self.bullet, self.indent = outer + "- ", outer + "  "
        self.children(element, depth)
        self.end_line()
        self.bullet, self.indent = None, outer

    def table(self, element: Element, depth: int) -> None:
        top = self.bullet is None and not self.indent
        self.blank() if top else self.end_line()
        for row in self.rows(element, depth):
            self.lines.append(self.indent + row)
        if top:
            self.blank()

    def rows(self, element: Element, depth: int) -> Iterator[str]:
        """Each row's cells joined by " | ", header row included, in document order."""
        if depth > MAX_DEPTH:
            return
        for child in element:
            if self.budget.spent:
                return
            name = local(child)
            if name == "caption":
                yield text_of(child)
            elif name in TABLE_PARTS:
                yield from self.rows(child, depth + 1)
            elif name == "tr":
                cells = [self.cell(cell, depth + 2) for cell in child if local(cell) in CELLS]
                if any(cells):
                    yield " | ".join(cells)

    def cell(self, element: Element, depth: int) -> str:
        inside = _Lines(self.references, self.budget)
        inside.children(element, depth)
        inside.end_line()
        return " ".join(line.strip() for line in inside.lines if line.strip())

    def reference(self, element: Element) -> None:
        # An entry's <text><reference value="#id"/></text> reads as the narrative it names.
        target = self.references.get((element.get("value") or "").strip().removeprefix("#"))
        if target is not None:
            self.add(" " + text_of(target) + " ")

    def text(self) -> str:
        self.end_line()
        text = "\n".join(line.rstrip() for line in self.lines)
        return _BLANK_LINES.sub("\n\n", text).strip("\n")


def plain_text(text_element: Element | None, references: dict[str, Element] | None = None) -> str:
    """A narrative block as readable plain text, for a note made from a section.

    Paragraphs and list items ("- ") on lines of their own, table rows as
    cells joined by " | ", spaces collapsed, at most one blank line in a row.
    ``references`` (elements by their ID) resolves ``<reference value="#id">``.
    """
    if text_element is None:
        return ""
    lines = _Lines(references or {}, Budget(MAX_OUTPUT))
    lines.children(text_element, 0)
    return CONTROL.sub("", lines.text())
