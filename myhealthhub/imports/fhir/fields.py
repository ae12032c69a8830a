"""Plain-JSON access to FHIR fields: a field of the wrong shape reads as absent.

Nothing here warns or remembers: the readers that report what they tolerated
are in ``tolerant.py``.
"""

from __future__ import annotations

import math
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


def concept_text(value: object, code_too: bool = False) -> str:
    concept = obj(value)
    text = string(concept.get("text"))
    if text:
        return text
    codings = objs(concept.get("coding"))
    for coding in codings:
        display = string(coding.get("display"))
        if display:
            return display
    if code_too:
        return next((string(c.get("code")) for c in codings if string(c.get("code"))), "")
    return ""


def codings_of(value: object) -> list[dict[str, str]]:
    codings = []
    for coding in objs(obj(value).get("coding")):
        code, display = string(coding.get("code")), string(coding.get("display"))
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
