"""FHIR XML to the JSON FHIR writes for the same content, for the JSON reader to read.

Some national IPS examples, and some servers, publish FHIR as XML:
``<Bundle xmlns="http://hl7.org/fhir">``. FHIR defines the two forms as one,
so the XML is turned into the JSON the reader already takes, and everything
after it (mapping, warnings and where they point) is the same.

How FHIR XML writes what JSON writes (https://hl7.org/fhir/R4/xml.html):
a primitive's value is its ``value`` attribute, its ``id`` and extensions go
to ``_name``; an extension's ``url`` is an attribute; a narrative's ``div`` is
XHTML, kept as its markup; a resource sits inside the element that holds it
(``<resource><Patient>``) and its element name is its ``resourceType``. What
XML leaves unsaid, which elements are lists, numbers or true/false, comes from
``xml_shapes.py``; an element that repeats is a list whatever the tables say.

The XML is parsed by ``lib/safe_xml.py`` alone: no entity, no DTD, no network.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from myhealthhub.errors import Refused
from myhealthhub.imports.fhir.xml_shapes import BOOLEANS, LISTS, NUMBERS, PRIMITIVES
from myhealthhub.lib import safe_xml

Json = dict[str, Any]

FHIR = "http://hl7.org/fhir"
XHTML = "http://www.w3.org/1999/xhtml"
# An XML tree takes several times the file's size in memory; the JSON reader's
# 128 MiB would be too much here, and no FHIR XML export is near this.
MAX_XML = 64 * 1024**2

_BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_START_TAG = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?[A-Za-z_][\w.-]*(?=[\s/>])[^>]*")
_FHIR_NAMESPACE = re.compile(
    r"""\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*["']http://hl7\.org/fhir["']"""
)
# What JSON reads as a number; anything else a numeric element holds stays text.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_EXTENSIONS = ("extension", "modifierExtension")


def is_fhir_xml(head: bytes) -> bool:
    """Whether the root element of the XML that ``head`` starts is in FHIR's namespace."""
    if head.startswith(_UTF16):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(_BOM).decode("latin-1")
    text = text.lstrip()
    if not text.startswith("<"):
        return False
    tag = _START_TAG.match(text, _root_start(text))
    if tag is None:
        return False
    prefix = tag.group(1)
    return any(found.group(1) == prefix for found in _FHIR_NAMESPACE.finditer(tag.group()))


def _root_start(text: str) -> int:
    """Where the root element starts: past the XML declaration, comments and any DTD."""
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0 or text[start + 1 : start + 2] not in ("?", "!"):
            return max(start, 0)
        end = text.find("-->" if text.startswith("<!--", start) else ">", start)
        if end < 0:
            return start
        position = end + 1


def to_json(data: bytes) -> Json:
    """The FHIR JSON of FHIR XML ``data``; Refused if it is not XML, or not FHIR."""
    root = safe_xml.safe_parse(data)
    name = etree.QName(root)
    if name.namespace != FHIR or not _is_resource_name(name.localname):
        raise Refused(
            _(
                "This XML file is not FHIR: it holds <%(element)s> where a FHIR resource "
                'such as <Bundle xmlns="http://hl7.org/fhir"> was expected.'
            )
            % {"element": name.localname[:60]}
        )
    return _resource(root)


def _resource(element: etree._Element) -> Json:
    kind = etree.QName(element).localname
    resource: Json = {"resourceType": kind}
    _fill(resource, element, parent=kind, grandparent="")
    return resource


def _fill(target: Json, element: etree._Element, parent: str, grandparent: str) -> None:
    """``target`` given the children of ``element``, in the order they first appear."""
    groups: dict[str, list[etree._Element]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child)
        if tag.namespace == XHTML and tag.localname == "div":
            target["div"] = etree.tostring(child, encoding="unicode", with_tail=False)
        elif tag.namespace == FHIR:
            groups.setdefault(tag.localname, []).append(child)
        # Elements of other vocabularies are no part of FHIR: FHIR JSON has no place for them.
    for name, elements in groups.items():
        values: list[Any] = []
        extras: list[Json | None] = []
        for child in elements:
            value, extra = _value(child, name, parent, grandparent)
            values.append(value)
            extras.append(extra)
        if len(elements) > 1 or LISTS.holds(parent, name, grandparent):
            target[name] = values
            if any(extra is not None for extra in extras):
                target[f"_{name}"] = extras
        else:
            if values[0] is not None:
                target[name] = values[0]
            if extras[0] is not None:
                target[f"_{name}"] = extras[0]


def _value(
    element: etree._Element, name: str, parent: str, grandparent: str
) -> tuple[Any, Json | None]:
    """(the JSON value of ``element``, its ``_name`` object when it is a primitive that has one)."""
    text = element.get("value")
    if text is not None:
        extra: Json = {}
        if (ident := element.get("id")) is not None:
            extra["id"] = ident
        _fill(extra, element, parent=name, grandparent=parent)
        return _primitive(text, name, parent, grandparent), extra or None
    held = next(
        (
            child
            for child in element
            if isinstance(child.tag, str)
            and etree.QName(child).namespace == FHIR
            and _is_resource_name(etree.QName(child).localname)
        ),
        None,
    )
    if held is not None:
        # <resource><Patient>…</Patient></resource>, <contained><Medication>…
        return _resource(held), None
    value: Json = {}
    if (ident := element.get("id")) is not None:
        value["id"] = ident
    if name in _EXTENSIONS and (url := element.get("url")) is not None:
        value["url"] = url
    _fill(value, element, parent=name, grandparent=parent)
    if PRIMITIVES.holds(parent, name, grandparent) and value.keys() <= {"id", "extension"}:
        # A primitive with no value, only why (a data-absent-reason extension).
        return None, value or None
    return value, None


def _primitive(text: str, name: str, parent: str, grandparent: str) -> Any:
    if NUMBERS.holds(parent, name, grandparent):
        number = text.strip()
        found = _JSON_NUMBER.fullmatch(number)
        if found is None:
            return text
        try:
            return float(number) if found.group(1) or found.group(2) else int(number)
        except ValueError:
            # Past the 4,300 digits Python reads: left as text, which no mapping reads as a number.
            return number
    if BOOLEANS.holds(parent, name, grandparent) and text.strip() in ("true", "false"):
        return text.strip() == "true"
    return text


def _is_resource_name(name: str) -> bool:
    # FHIR's element names start in lower case; only resources start in upper case.
    return name[:1].isupper()
