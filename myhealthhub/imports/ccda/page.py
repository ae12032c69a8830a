"""A kept C-CDA drawn on its document page: its title and sections, from our own tags only.

Read as the importer reads it (``lib/safe_xml.py``: nothing but the file,
never a DTD); drawn by ``narrative.py``. Added to the document page by
``imports/apps.py``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

from myhealthhub.documents.showing import Drawn, ShownSection
from myhealthhub.imports.ccda import narrative
from myhealthhub.lib import safe_xml


def draw(data: bytes) -> Drawn:
    root = safe_xml.safe_parse(data)
    return Drawn(narrative.document_title(root), _shown(narrative.sections(root)))


def _shown(sections: list[narrative.RenderedSection]) -> list[ShownSection]:
    numbers = itertools.count(1)

    def flat(section: narrative.RenderedSection, level: int) -> Iterator[ShownSection]:
        anchor = f"section-{next(numbers)}"
        yield ShownSection(anchor, section.title, section.html, level, [])
        for inside in section.subsections:
            yield from flat(inside, level + 1)

    shown = []
    for section in sections:
        top, *below = flat(section, 1)
        shown.append(dataclasses.replace(top, subsections=below))
    return shown
