"""Allergies, medicines or problems that a document lists only as text.

A C-CDA section or a FHIR Composition section of one of these kinds with
narrative and no entries is kept as a note (its text is all there is), but
the person should know that the list was not read: nothing of it reaches
the allergy list, the interaction checks or the emergency summary. The note
is marked by the section's LOINC code as its first coding, so it can be
found again and flagged:

    Note.objects.filter(code_system=LOINC, code__in=CODES.values())

(``LOINC`` and ``CODES`` from this module.) No other note carries these codes:
a note typed in by a person has no coding, and a C-CDA section of another
kind keeps its own code. The preview warns about each such section.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.records.text_only import LOINC, SECTION_CODES

# The kind of section → the LOINC code that marks its note (records/text_only.py,
# which the pages and the checklist read).
CODES = {
    "allergies": SECTION_CODES["allergies"],
    "medications": SECTION_CODES["medications"],
    "problems": SECTION_CODES["conditions"],
}
KIND_OF_CODE = {code: kind for kind, code in CODES.items()}
DISPLAYS = {
    "allergies": "Allergies and adverse reactions Document",
    "medications": "History of Medication use Narrative",
    "problems": "Problem list - Reported",
}


def codings(kind: str, others: list[dict[str, str]]) -> list[dict[str, str]]:
    """The note's codings: the marker first, then the section's own if it is another."""
    marker = {"system": LOINC, "code": CODES[kind], "display": DISPLAYS[kind]}
    same = (LOINC, marker["code"])
    return [marker, *(c for c in others if (c.get("system"), c.get("code")) != same)]


def warning(kind: str, title: str) -> str:
    """What the preview says about a section of ``kind`` kept only as text."""
    if kind == "allergies":
        message = _(
            "The section “%(title)s” lists allergies only as text: it was kept as a note. "
            "Review it, and add the allergies it names."
        )
    elif kind == "medications":
        message = _(
            "The section “%(title)s” lists medicines only as text: it was kept as a note. "
            "Review it, and add the medicines it names."
        )
    else:
        message = _(
            "The section “%(title)s” lists problems only as text: it was kept as a note. "
            "Review it, and add the problems it names."
        )
    return message % {"title": title}
