"""Reading CDA elements as vendors write them: namespaced or not, with nullFlavor anywhere.

Plain lookups that never fail: a missing element reads as ``None`` or "",
an element with a ``nullFlavor`` and nothing else reads as absent. Nothing
here warns; ``context.py`` does, with the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from lxml import etree

from myhealthhub.lib.dates import PartialDate

V3 = "urn:hl7-org:v3"
# HL7's Structured Documents Technical Committee extensions (sdtc:deceasedInd...).
SDTC = "urn:hl7-org:sdtc"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# An element of a parsed document (lxml's type, aliased for the annotations).
Element = etree._Element

# Code systems by their OIDs, as FHIR names them (codings keep one naming).
SYSTEMS = {
    "2.16.840.1.113883.6.1": "http://loinc.org",
    "2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "2.16.840.1.113883.12.292": "http://hl7.org/fhir/sid/cvx",
    # CCD 1.0 files (HITSP C32) name CVX by this older OID.
    "2.16.840.1.113883.6.59": "http://hl7.org/fhir/sid/cvx",
    "2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
    "2.16.840.1.113883.6.103": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.104": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
    "2.16.840.1.113883.6.285": "urn:oid:2.16.840.1.113883.6.285",  # HCPCS
    "2.16.840.1.113883.6.69": "http://hl7.org/fhir/sid/ndc",
    "2.16.840.1.113883.3.26.1.1": "http://ncimeta.nci.nih.gov",
    "2.16.840.1.113883.4.9": "http://fdasis.nlm.nih.gov",  # UNII
    "2.16.840.1.113883.6.8": "http://unitsofmeasure.org",
}

_TS = re.compile(
    r"(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d+)?)?\s*([+-]\d{2,4}|Z)?"
)
_ISO = re.compile(
    r"(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?"
)
_SPACES = re.compile(r"\s+")
# Words written where a value is not known: HL7's null flavors, as codes or
# spelt out ("Not available", "UNK", "N/A"), and "none".
_NOTHING = re.compile(
    r"(?:unknown|unk|not known|not available|unavailable|temporarily unavailable|nav|"
    r"not applicable|n/?a|no information|ni|not asked|nask|asked but unknown|asku|"
    r"masked|msk|none|null|nullflavor)[.]?",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def local(element: Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


@cache
def _names(name: str) -> tuple[str, ...]:
    if name.startswith("sdtc:"):
        name = name.removeprefix("sdtc:")
        # Some vendors write SDTC's extensions in the CDA namespace, or in none.
        return f"{{{SDTC}}}{name}", f"{{{V3}}}{name}", name
    return f"{{{V3}}}{name}", name


def descendants(element: Element | None, name: str) -> list[Element]:
    """Every element named ``name`` below ``element``, at any depth, in document order."""
    return [] if element is None else list(element.iter(*_names(name)))


def kids(element: Element | None, name: str) -> list[Element]:
    """The children named ``name`` (in the CDA namespace, or in none).

    ``sdtc:name`` is an SDTC extension, found in the SDTC namespace too.
    """
    if element is None:
        return []
    # lxml matches the tags in C, a good part faster than comparing in Python.
    return list(element.iterchildren(*_names(name)))


def kid(element: Element | None, name: str) -> Element | None:
    """The first child named ``name``, as ``kids`` finds them."""
    if element is None:
        return None
    return next(element.iterchildren(*_names(name)), None)


def path(element: Element | None, *names: str) -> Element | None:
    """The first match of each name in turn: ``path(act, "code", "originalText")``."""
    for name in names:
        element = kid(element, name)
    return element


def statements(element: Element | None) -> Iterator[Element]:
    """The clinical statements (elements) directly in ``element``."""
    if element is None:
        return iter(())
    return (child for child in element if isinstance(child.tag, str))


def attr(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    return clean(element.get(name) or "")


def display_name(code: Element | None) -> str:
    """A code's ``displayName``; Meditech writes "null" for none."""
    display = attr(code, "displayName")
    return "" if display.casefold() == "null" else display


def clean(text: str) -> str:
    """Text as it is shown: no control characters, spaces (also non-breaking) collapsed."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # most values: nothing to clean (a non-breaking space is not printable)
    return _SPACES.sub(" ", _CONTROL.sub("", text.replace("\xa0", " "))).strip()


def raw_text(element: Element) -> str:
    """Every piece of text in ``element``, as written."""
    return "".join(piece for piece in element.itertext() if isinstance(piece, str))


def text_of(element: Element | None) -> str:
    if element is None:
        return ""
    return clean(raw_text(element))


def says_nothing(text: str) -> bool:
    """Whether ``text`` only says that a value is not known: "Not available", "UNK", "N/A"."""
    return bool(_NOTHING.fullmatch(text.strip()))


def is_null(element: Element | None) -> bool:
    """Absent, or a bare ``nullFlavor`` with nothing known inside."""
    if element is None:
        return True
    if element.get("nullFlavor") is None:
        return False
    known = ("value", "code", "extension", "root")
    if any(element.get(name) for name in known) or display_name(element):
        return False
    return len(element) == 0


def template_ids(element: Element | None) -> set[str]:
    return {attr(t, "root") for t in kids(element, "templateId")}


def xsi_type(element: Element | None) -> str:
    raw = attr(element, XSI_TYPE)
    return raw.rsplit(":", 1)[-1].upper()


def system_of(code: Element | None) -> str:
    oid = attr(code, "codeSystem")
    return SYSTEMS.get(oid, f"urn:oid:{oid}" if oid else "")


def codings(code: Element | None) -> list[dict[str, str]]:
    """The code and its translations, each ``{"system", "code", "display"}``, each once.

    A code with a nullFlavor is a code of nothing, even with a code written
    (VA: ``code="UNK" nullFlavor="UNK"``): only its translations count.
    """
    if code is None:
        return []
    translations = kids(code, "translation")
    found: dict[tuple[str, str], dict[str, str]] = {}
    for each in translations if code.get("nullFlavor") is not None else [code, *translations]:
        if is_null(each):
            continue
        system, value, display = system_of(each), attr(each, "code"), display_name(each)
        # A translation into the same code (ONC's samples) says it once more.
        if value or display:
            found.setdefault((system, value), {"system": system, "code": value, "display": display})
    return list(found.values())


@dataclass(frozen=True)
class Moment:
    date: PartialDate
    time: dt.time | None = None
    # Minutes east of UTC, when the TS gave its zone ("-0500").
    offset: int | None = None


def moment(value: str) -> Moment | None:
    """A TS value (``20110203``, ``201102031530-0500``) as written; None if unreadable.

    The time zone is not applied: a visit at 9:00 in the clinic's zone is
    9:00, as the document says; its offset is kept beside it, so a result's
    moment is known (records/taken.py).
    """
    written = value.strip()
    iso = _ISO.fullmatch(written)
    if iso is not None:
        # "2011-02-03T10:00:00-05:00": some vendors write FHIR's shape.
        written = "".join(part or "" for part in iso.groups()[:6]) + (iso.group(7) or "").replace(
            ":", ""
        )
    match = _TS.fullmatch(written)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()[:7]
    # "20150000" is how some vendors write "2015": a zero month or day is unknown.
    if month == "00":
        month = day = hour = None
    if day == "00":
        day = hour = None
    try:
        date = PartialDate(int(year), int(month) if month else None, int(day) if day else None)
        time = None
        if hour is not None and day is not None:
            time = dt.time(int(hour), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    return Moment(date, time, _offset(zone) if time is not None else None)


def _offset(zone: str | None) -> int | None:
    """``-0500``, ``+01`` or ``Z`` in minutes east of UTC; None if absent or impossible."""
    if not zone:
        return None
    if zone == "Z":
        return 0
    digits = zone[1:]
    if len(digits) == 3:
        return None
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return (-1 if zone[0] == "-" else 1) * (hours * 60 + minutes)


def members(statement: Element, name: str) -> list[Element]:
    """The statements a wrapper holds, or the statement itself if it is no wrapper.

    An organizer (a results panel, a family member) holds its statements in
    ``component``; a concern act holds its problem or allergy observations
    (``name``) in ``entryRelationship``.
    """
    if local(statement) == "organizer":
        # A panel within a panel: its results are the outer panel's too.
        return [
            each
            for component in kids(statement, "component")
            for inner in statements(component)
            for each in (members(inner, name) if local(inner) == "organizer" else [inner])
        ]
    if local(statement) == "act" and name != "act":
        inner = [e for r in kids(statement, "entryRelationship") if (e := kid(r, name)) is not None]
        if inner:
            return inner
    return [statement]


def material(activity: Element) -> Element | None:
    """The manufactured material (or labeled drug) a substance administration or supply gives."""
    product = path(activity, "consumable", "manufacturedProduct")
    if product is None:
        # A supply names it in its product.
        product = path(activity, "product", "manufacturedProduct")
    material = kid(product, "manufacturedMaterial")
    return material if material is not None else kid(product, "manufacturedLabeledDrug")


def product_code(activity: Element) -> Element | None:
    """The code of what a substance administration (or supply) gives."""
    return kid(material(activity), "code")


def related(statement: Element | None, name: str = "observation") -> list[Element]:
    """The ``name`` statements ``statement`` relates to: its status, severity, reactions."""
    return [e for r in kids(statement, "entryRelationship") if (e := kid(r, name)) is not None]
