"""The sections MyHealthHub reads entries from, told apart by templateId, then LOINC code.

Each kind of section names its readers' module; every other section (plan of
care, assessment, hospital course, functional status...) becomes a note with
the section's title and text. Vendors get templateIds and codes wrong in
different ways, so either one is enough: a templateId first (versions of a
template share its root), then the section's LOINC code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    descendants,
    display_name,
    kid,
    kids,
    statements,
    template_ids,
    text_of,
)

C_CDA = "2.16.840.1.113883.10.20.22.2."  # C-CDA R1.1 and later section templates
CCD_1 = "2.16.840.1.113883.10.20.1."  # HL7 CCD 1.0, in HITSP C32 documents
C32 = "2.16.840.1.113883.3.88.11.83."  # HITSP C83 sections
IHE = "1.3.6.1.4.1.19376.1.5.3.1.3."  # IHE PCC sections


@dataclass(frozen=True)
class SectionKind:
    name: str
    # What in the file the entries came from, in the preview's counts.
    label: str | Promise
    templates: frozenset[str]
    codes: frozenset[str]


def _kind(name: str, label: str | Promise, templates: str, codes: str) -> SectionKind:
    return SectionKind(name, label, frozenset(templates.split()), frozenset(codes.split()))


KINDS: tuple[SectionKind, ...] = (
    _kind(
        "problems",
        _("Problems"),
        f"{C_CDA}5 {C_CDA}5.1 {C_CDA}20 {C_CDA}43 {C_CDA}24 {CCD_1}11 {C32}103 {IHE}6 {IHE}8",
        "11450-4 11348-0 46241-6 42347-5 11535-2 78375-3",
    ),
    _kind(
        "allergies",
        _("Allergies"),
        f"{C_CDA}6 {C_CDA}6.1 {CCD_1}2 {C32}102 {IHE}13",
        "48765-2",
    ),
    _kind(
        "medications",
        _("Medications"),
        f"{C_CDA}1 {C_CDA}1.1 {C_CDA}11 {C_CDA}11.1 {C_CDA}44 {C_CDA}38 {CCD_1}8 {C32}112 {IHE}19",
        "10160-0 10183-2 75311-1 42346-7 29549-3",
    ),
    _kind(
        "immunizations",
        _("Immunizations"),
        f"{C_CDA}2 {C_CDA}2.1 {CCD_1}6 {C32}117 {IHE}23",
        "11369-6",
    ),
    _kind(
        "results",
        _("Results"),
        f"{C_CDA}3 {C_CDA}3.1 {CCD_1}14 {C32}122 {IHE}28",
        "30954-2",
    ),
    _kind(
        "vital-signs",
        _("Vital signs"),
        f"{C_CDA}4 {C_CDA}4.1 {CCD_1}16 {C32}119 {IHE}25",
        "8716-3",
    ),
    _kind(
        "procedures",
        _("Procedures"),
        f"{C_CDA}7 {C_CDA}7.1 {CCD_1}12 {C32}108 {C32}145",
        "47519-4",
    ),
    _kind(
        "encounters",
        _("Encounters"),
        f"{C_CDA}22 {C_CDA}22.1 {CCD_1}3 {C32}127",
        "46240-8",
    ),
    _kind(
        "social-history",
        _("Social history"),
        f"{C_CDA}17 {CCD_1}15 {C32}126 {IHE}16",
        "29762-2",
    ),
    _kind(
        "family-history",
        _("Family history"),
        f"{C_CDA}15 {CCD_1}4 {C32}125 {IHE}14",
        "10157-6",
    ),
    _kind("payers", _("Insurance"), f"{C_CDA}18 {CCD_1}9 {C32}101", "48768-6"),
    _kind("care-team", _("Care team"), f"{C_CDA}500", "85847-2"),
)
# Every other section: its text becomes a note, its entries are in that text.
OTHER = SectionKind("other", _("Other sections"), frozenset(), frozenset())
# The notes made from sections' text.
TEXT = _("Section text")

_BY_TEMPLATE = {template: kind for kind in KINDS for template in kind.templates}
_BY_CODE = {code: kind for kind in KINDS for code in kind.codes}


@dataclass(frozen=True)
class Section:
    element: Element
    kind: SectionKind
    title: str
    code: str

    @cached_property
    def origin(self) -> str:
        # Translated once: every statement of the section is counted under it.
        return str(self.kind.label)

    @property
    def text(self) -> Element | None:
        return kid(self.element, "text")

    def statements(self) -> Iterator[Element]:
        """Each entry's clinical statement, in document order."""
        for entry in kids(self.element, "entry"):
            yield from statements(entry)

    def named_in_table(self, code: str) -> str:
        """The first cell of the one narrative row that gives ``code`` in a cell of its own.

        For a coded value with no name and no reference to the narrative
        (Intellichart's problems): the row is the only place the document
        names it. Two rows giving the code, or none, name nothing.
        """
        if not code:
            return ""
        found = [
            cells
            for row in self._rows
            if len(cells := kids(row, "td")) > 1 and any(text_of(cell) == code for cell in cells)
        ]
        return text_of(found[0][0]) if len(found) == 1 else ""

    @cached_property
    def _rows(self) -> list[Element]:
        return descendants(self.text, "tr")


def kind_of(section: Element) -> SectionKind:
    for template in template_ids(section):
        if template in _BY_TEMPLATE:
            return _BY_TEMPLATE[template]
    return _BY_CODE.get(attr(kid(section, "code"), "code"), OTHER)


def sections(body: Element | None) -> Iterator[Section]:
    """Every section of a structured body, nested ones after the one they are in."""
    for component in kids(body, "component"):
        yield from _walk(kid(component, "section"))


def _walk(element: Element | None) -> Iterator[Section]:
    if element is None:
        return
    code = kid(element, "code")
    yield Section(
        element,
        kind_of(element),
        text_of(kid(element, "title")) or display_name(code),
        attr(code, "code"),
    )
    for component in kids(element, "component"):
        yield from _walk(kid(component, "section"))
