"""C-CDA documents the import tests read or write, and counts taken straight from the XML.

The counts use XPath of their own, not the importer's readers: per section,
each entry's clinical statement is one, an organizer counts its components,
and a wrapping act (a problem's concern, a discharge medication) counts the
statements it wraps.
"""

from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path

from lxml import etree

from myhealthhub.imports.ccda.sections import kind_of
from myhealthhub.tests.real_files import ours_in

CCDA = ours_in("ccda")
BAD_CCDA = ours_in("ccda/bad")
LARGEST_CCDA = max(CCDA, key=lambda path: path.stat().st_size)

# The statement each kind of section is about, inside its wrappers.
WRAPPED = {
    "problems": "observation",
    "allergies": "observation",
    "results": "observation",
    "vital-signs": "observation",
    "social-history": "observation",
    "family-history": "observation",
    "care-team": "act",
    "medications": "substanceAdministration",
    "immunizations": "substanceAdministration",
    "procedures": "procedure",
    "encounters": "encounter",
}
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), _SAFE).getroot()


def xpath(element: etree._Element, expression: str) -> list[etree._Element]:
    found = element.xpath(expression)
    assert isinstance(found, list)
    return [each for each in found if isinstance(each, etree._Element)]


def statement_counts(path: Path) -> Counter[str]:
    """Clinical statements per section kind label (as the preview's origins name them)."""
    counts: Counter[str] = Counter()
    for section in xpath(parse(path), "//*[local-name()='section']"):
        kind = kind_of(section)
        for statement in xpath(section, "./*[local-name()='entry']/*"):
            name = etree.QName(statement).localname
            inner = WRAPPED.get(kind.name)
            if inner and name == "organizer":
                counts[str(kind.label)] += _organized(statement)
            elif inner and name == "act" and inner != "act":
                wrapped = xpath(
                    statement, f"./*[local-name()='entryRelationship']/*[local-name()='{inner}']"
                )
                counts[str(kind.label)] += len(wrapped) or 1
            else:
                counts[str(kind.label)] += 1
    return counts


def _organized(organizer: etree._Element) -> int:
    """The statements of an organizer's components, those of organizers within counted in."""
    return sum(
        _organized(each) if etree.QName(each).localname == "organizer" else 1
        for each in xpath(organizer, "./*[local-name()='component']/*")
    )


def embedded_file(path: Path) -> bytes | None:
    """The base64 file of an unstructured document's body, decoded here."""
    found = xpath(
        parse(path), "//*[local-name()='nonXMLBody']/*[local-name()='text'][@representation='B64']"
    )
    return base64.b64decode("".join((found[0].text or "").split())) if found else None


def document(body: str, *, header: str = "", prolog: str = "") -> bytes:
    """A small C-CDA written by a test: a patient, and ``body``'s sections."""
    return (
        f'{prolog}<ClinicalDocument xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc">'
        '<templateId root="2.16.840.1.113883.10.20.22.1.2"/>'
        '<id root="2.16.840.1.113883.19.5.99999.1" extension="test-doc"/>'
        '<code code="34133-9" codeSystem="2.16.840.1.113883.6.1"/>'
        "<title>Test summary</title>"
        '<effectiveTime value="20240301120000-0500"/>'
        "<recordTarget><patientRole>"
        '<id root="2.16.840.1.113883.19.5.99999.2" extension="p-1"/>'
        "<patient><name><given>Ana</given><family>Test</family></name>"
        '<administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>'
        '<birthTime value="19800102"/></patient>'
        f"</patientRole></recordTarget>{header}"
        f"<component><structuredBody>{body}</structuredBody></component>"
        "</ClinicalDocument>"
    ).encode()


def section(code: str, template: str, title: str, text: str, entries: str = "") -> str:
    return (
        f'<component><section><templateId root="{template}"/>'
        f'<code code="{code}" codeSystem="2.16.840.1.113883.6.1"/>'
        f"<title>{title}</title><text>{text}</text>{entries}</section></component>"
    )
