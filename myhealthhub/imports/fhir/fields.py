"""Plain-JSON access to FHIR fields: a field of the wrong shape reads as absent.

A name that only says it is missing ("Null", "unknown") reads as absent too,
and a resource's narrative (``text.div``, XHTML) reads as plain text.
Nothing here warns or remembers: the readers that report what they tolerated
are in ``tolerant.py``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from typing import Any

from myhealthhub.imports.fhir.parse import Json


def obj(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def objs(value: object) -> list[Json]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, dict)]


def items(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def number(value: object) -> float | None:
    """A finite float, or None: NaN, infinity and integers past a float's range read as absent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        finite = float(value)
    except OverflowError:
        return None
    return finite if math.isfinite(finite) else None


def is_number(value: object) -> bool:
    """Whether JSON wrote a number here (which ``number`` may still not read)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(text for text in texts if text))


# Codeable concepts ------------------------------------------------------------

# Words a vendor writes where a name is missing: a database NULL printed as text
# ("Null"), HL7 null flavours spelt out. Never a name, whatever the kind.
PLACEHOLDERS = frozenset(
    {
        "null",
        "undefined",
        "unknown",
        "unk",
        "n/a",
        "not available",
        "not applicable",
        "not known",
        "no information",
        "asked but unknown",
        "temporarily unavailable",
        "not asked",
        "nullflavor",
    }
)
# Codings that say why a value is missing, not what it is.
ABSENCE_SYSTEMS = frozenset(
    {
        "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
        "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    }
)


def is_placeholder(text: str) -> bool:
    """Whether ``text`` only says that a value is missing ("Null", "(unknown)", "N/A")."""
    return text.strip().strip("()[]<>\"'. ").lower() in PLACEHOLDERS


def concept_text(value: object, code_too: bool = False, keep_unknown: bool = False) -> str:
    """The text of a concept, else its first coding's display, else (``code_too``) its code.

    A placeholder ("Null", "unknown") is not a name and is passed over, unless
    ``keep_unknown``: where the concept is an answer or a reason for absence,
    "Unknown" is what it says.
    """
    concept = obj(value)
    text = string(concept.get("text"))
    if text and (keep_unknown or not is_placeholder(text)):
        return text
    codings = [c for c in objs(concept.get("coding")) if keep_unknown or not _absence(c)]
    for coding in codings:
        display = string(coding.get("display"))
        if display and (keep_unknown or not is_placeholder(display)):
            return display
    if code_too:
        return next((string(c.get("code")) for c in codings if string(c.get("code"))), "")
    return ""


def placeholder_of(value: object) -> str:
    """The placeholder a concept has instead of a name, if that is all it has."""
    concept = obj(value)
    if concept_text(concept) or codings_of(concept):
        return ""
    texts = [string(concept.get("text"))]
    codings = objs(concept.get("coding"))
    texts += [string(c.get("display")) or string(c.get("code")) for c in codings]
    return next((text for text in texts if text), "")


def _absence(coding: Json) -> bool:
    return string(coding.get("system")) in ABSENCE_SYSTEMS


def codings_of(value: object) -> list[dict[str, str]]:
    codings = []
    for coding in objs(obj(value).get("coding")):
        code, display = string(coding.get("code")), string(coding.get("display"))
        if _absence(coding):
            continue  # a null flavour says nothing about what it is
        display = "" if is_placeholder(display) else display
        if code or display:
            codings.append(
                {"system": string(coding.get("system")), "code": code, "display": display}
            )
    return codings


def codes_of(value: object) -> set[str]:
    return {string(coding.get("code")) for coding in objs(obj(value).get("coding"))} - {""}


def all_codes(values: object) -> set[str]:
    return {code for value in objs(values) for code in codes_of(value)}


def texts_of(values: object) -> list[str]:
    if not values:
        return []
    return unique(concept_text(value) for value in objs(values))


# Other data types -------------------------------------------------------------


def notes_of(resource: Json) -> list[str]:
    if "note" not in resource:
        return []
    return unique(string(note.get("text")) for note in objs(resource.get("note")))


def narrative_text(resource: Json) -> str:
    """A resource's narrative (``text.div``) as plain text: one line per block, cells by " | ".

    The XHTML is written by whoever made the file: nothing of it is kept but
    its text (script and style left out, character references read, control
    characters dropped). It is read by one linear pass of a regular
    expression, not an HTML parser: Python's ``html.parser`` takes minutes
    over a megabyte of "<a<a<a...". An "empty" narrative is none.
    """
    narrative = obj(resource.get("text"))
    div = narrative.get("div")
    if not isinstance(div, str) or string(narrative.get("status")) == "empty":
        return ""
    div = div[:MAX_NARRATIVE]
    lines: list[str] = []
    parts: list[str] = []
    hidden = 0  # inside <script> or <style>
    written = False  # whether this line has text yet, for the cell separator
    position = 0
    for tag in _TAG.finditer(div):
        if not hidden:
            text = div[position : tag.start()]
            parts.append(text)
            written = written or bool(text.strip())
        position = tag.end()
        closing, name = tag["closing"], (tag["name"] or "").lower()
        if name in _HIDDEN and not tag[0].endswith("/>"):
            hidden = max(0, hidden - 1) if closing else hidden + 1
        elif name in _BLOCKS:
            lines.append("".join(parts))
            parts, written = [], False
        elif name in _CELLS and not closing and written:
            parts.append(" | ")
    if not hidden:
        parts.append(div[position:])
    lines.append("".join(parts))
    shown = (" ".join(_CONTROL.sub(" ", html.unescape(line)).split()) for line in lines)
    return "\n".join(line for line in shown if line)


# Characters of narrative read from one resource; a report's text is far shorter.
MAX_NARRATIVE = 1_000_000
# A comment (to its end, or the end of the text), or a tag: "<" and a name, "/",
# "!" or "?", up to ">" or to the next "<" when a vendor left it open (so it never
# scans past the next "<"). A "<" before a space or a digit ("< 5") is text.
_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(?P<closing>/?)(?P<name>[A-Za-z][A-Za-z0-9]*)[^<>]*>?"
    r"|<[/!?][^<>]*>?",
    re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "pre", "blockquote"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "caption"}
)
_CELLS = frozenset({"td", "th"})
_HIDDEN = frozenset({"script", "style"})


def quantity_text(value: object) -> str:
    quantity = obj(value)
    amount = number(quantity.get("value"))
    if amount is None:
        return ""
    unit = string(quantity.get("unit")) or string(quantity.get("code"))
    return f"{string(quantity.get('comparator'))}{amount:g} {unit}".strip()


def human_name(value: object) -> tuple[str, str, str]:
    """(given, family, as shown) of the official name, else the usual one, else the first."""
    names = objs(value)
    chosen = next(
        (n for use in ("official", "usual") for n in names if n.get("use") == use),
        next((n for n in names if n.get("use") not in ("old", "maiden")), None),
    )
    if chosen is None:
        return "", "", ""
    given = " ".join(string(part) for part in items(chosen.get("given")) if string(part))
    family = string(chosen.get("family"))
    prefix = " ".join(string(part) for part in items(chosen.get("prefix")) if string(part))
    shown = " ".join(part for part in (prefix, given, family) if part) or string(chosen.get("text"))
    return given, family, shown


def address_text(value: object) -> str:
    for address in objs(value):
        text = string(address.get("text"))
        if text:
            return text
        lines = [string(line) for line in items(address.get("line"))]
        parts = [*lines, string(address.get("postalCode")), string(address.get("city"))]
        parts += [string(address.get("state")), string(address.get("country"))]
        shown = ", ".join(part for part in parts if part)
        if shown:
            return shown
    return ""


def telecom(resource: Json, system: str) -> str:
    for point in objs(resource.get("telecom")):
        if point.get("system") == system and string(point.get("value")):
            return string(point.get("value")).removeprefix("tel:").removeprefix("mailto:")
    return ""
