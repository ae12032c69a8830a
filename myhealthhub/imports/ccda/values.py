"""A result's value as C-CDA writes it, in every value type: number, unit, text, range, flags.

``value_of`` reads a ``value`` into a result's number, comparator, unit and
text; ``reference_range`` the range it is judged against; ``interpretation``
the flags ("High") beside it. The social history reader shares them with
results.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    display_name,
    is_null,
    kid,
    kids,
    says_nothing,
    xsi_type,
)
from myhealthhub.imports.units import ucum_code, unit_key

# Units that say "no unit" (UCUM's unity).
NO_UNIT = frozenset({"", "1"})
# HL7 ObservationInterpretation codes, as a person reads them beside a value.
INTERPRETATIONS: dict[str, Promise] = {
    "N": pgettext_lazy("result", "Normal"),
    "A": pgettext_lazy("result", "Abnormal"),
    "AA": pgettext_lazy("result", "Critically abnormal"),
    "H": pgettext_lazy("result", "High"),
    "HH": pgettext_lazy("result", "Critically high"),
    "HU": pgettext_lazy("result", "Very high"),
    "HX": pgettext_lazy("result", "Above the high threshold"),
    "L": pgettext_lazy("result", "Low"),
    "LL": pgettext_lazy("result", "Critically low"),
    "LU": pgettext_lazy("result", "Very low"),
    "LX": pgettext_lazy("result", "Below the low threshold"),
    "POS": pgettext_lazy("result", "Positive"),
    "NEG": pgettext_lazy("result", "Negative"),
    "DET": pgettext_lazy("result", "Detected"),
    "ND": pgettext_lazy("result", "Not detected"),
    "IND": pgettext_lazy("result", "Indeterminate"),
    "S": pgettext_lazy("result", "Susceptible"),
    "R": pgettext_lazy("result", "Resistant"),
    "I": pgettext_lazy("result", "Intermediate"),
}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
# A number and its unit written as a string ("155 MG/DL").
_MEASURED = re.compile(rf"({_NUMBER})\s*([A-Za-z%/\[µμ][^\s]*)?")
_COMPARED = re.compile(rf"(<=|>=|<|>|≤|≥)\s*({_NUMBER})")
_COMPARATORS = {"≤": "<=", "≥": ">="}
# A range as vendors write it in text: "4-10 K/uL", "(4.3-10.8 10+3/ul)", "60^100".
_RANGE = re.compile(rf"\(?\s*({_NUMBER})\s*(?:-|–|—|\^|to)\s*({_NUMBER})\s*([^\s();]*)\s*\)?", re.I)
_ONE_SIDED = re.compile(rf"\(?\s*(<=|>=|<|>|≤|≥)\s*({_NUMBER})\s*([^\s();]*)\s*\)?")


def result_fields(ctx: Context, observation: Element, values: dict[str, Any]) -> dict[str, Any]:
    """A result entry's value fields: ``values`` (as ``value_of`` reads them), range and flags."""
    return {
        **values,
        **reference_range(ctx, observation, values["unit_text"]),
        "interpretation": interpretation(ctx, observation),
    }


def empty_value() -> dict[str, Any]:
    return {"value_number": None, "comparator": "", "unit": "", "unit_text": "", "value_text": ""}


def value_of(ctx: Context, observation: Element) -> dict[str, Any]:
    """The first known ``value`` of ``observation`` as a result's value fields."""
    for value in kids(observation, "value"):
        if is_null(value):
            continue
        read = _value(ctx, value)
        if read["value_number"] is not None or read["value_text"]:
            read["value_text"] = read["value_text"][:500]
            return read
    return empty_value()


def _value(ctx: Context, value: Element) -> dict[str, Any]:
    values = empty_value()
    kind = xsi_type(value)
    if not kind:
        # Vendors leave xsi:type out: the value's shape says what it is.
        if attr(value, "code") or display_name(value):
            kind = "CD"
        elif attr(value, "value"):
            kind = "PQ"
        elif kid(value, "low") is not None or kid(value, "high") is not None:
            kind = "IVL_PQ"
        else:
            kind = "ST"
    if kind in ("PQ", "INT", "REAL", "MO"):
        values.update(_quantity(ctx, value, kind == "PQ"))
    elif kind in ("IVL_PQ", "IVL_INT", "IVL_REAL"):
        values.update(_interval(ctx, value))
    elif kind in ("CD", "CE", "CO", "CV", "CS"):
        values["value_text"] = ctx.concept(value) or attr(value, "code")
    elif kind == "BL":
        flag = attr(value, "value").lower()
        values["value_text"] = _("Yes") if flag == "true" else _("No") if flag == "false" else ""
    elif kind == "TS":
        when = ctx.when(value)
        values["value_text"] = when.date.localized() if when else ""
    elif kind.startswith("RTO"):
        numerator = _amount_text(kid(value, "numerator"))
        denominator = _amount_text(kid(value, "denominator"))
        values["value_text"] = f"{numerator}/{denominator}" if numerator and denominator else ""
    elif kind in ("ST", "ED", "SC", "TEL"):
        values.update(_measured(_written(ctx, value)))
    else:
        values["value_text"] = _written(ctx, value) or attr(value, "value")
    return values


def _written(ctx: Context, value: Element) -> str:
    if attr(value, "representation").upper() == "B64":
        return ""  # base64 bytes (an image, a PDF), not text to show
    if text := ctx.narrative(value):
        return text
    return attr(value, "value") if xsi_type(value) == "TEL" else ""


def _measured(text: str) -> dict[str, Any]:
    """A number and a known unit written as text, else the text as it is.

    The VA sends every result as a string ("155 MG/DL"): one with a unit
    UCUM knows is a number, to chart; "<5" or "1 pack per day" stays text.
    """
    found = _MEASURED.fullmatch(text)
    if found is not None:
        number, unit = number_of(found.group(1)), found.group(2) or ""
        ucum = ucum_code(unit) if unit else ""
        if number is not None and ucum is not None:
            return {"value_number": number, "unit": ucum, "unit_text": unit}
    return {"value_text": text}


def _quantity(ctx: Context, value: Element, has_unit: bool) -> dict[str, Any]:
    written = attr(value, "value")
    unit = unit_of(ctx, value) if has_unit else ""
    values = _unit(unit)
    if not written:
        return {}
    number = number_of(written)
    if number is not None:
        values["value_number"] = number
        return values
    compared = _COMPARED.fullmatch(written)
    if compared is not None and (number := number_of(compared.group(2))) is not None:
        comparator = compared.group(1)
        values["comparator"] = _COMPARATORS.get(comparator, comparator)
        values["value_number"] = number
        return values
    # "positive", "5.0-7.0": shown as written, with its unit.
    ctx.warn(
        "number",
        _("The value “%(value)s” could not be read as a number; it was kept as text.")
        % {"value": written[:40]},
        ctx.where(value),
    )
    return {"value_text": " ".join(part for part in (written, values["unit_text"]) if part)}


def _interval(ctx: Context, value: Element) -> dict[str, Any]:
    low, high = kid(value, "low"), kid(value, "high")
    low_number = number_of(attr(low, "value")) if not is_null(low) else None
    high_number = number_of(attr(high, "value")) if not is_null(high) else None
    if low_number is not None and high_number is not None:
        if attr(low, "unit") == attr(high, "unit"):  # "5–7 mg", not "5 mg–7 mg"
            shown = f"{attr(low, 'value')}–{_amount_text(high)}"
        else:
            shown = f"{_amount_text(low)}–{_amount_text(high)}"
        return {"value_text": shown}
    side, number = (low, low_number) if low_number is not None else (high, high_number)
    if number is None:
        center = kid(value, "center")
        return {} if center is None or is_null(center) else _quantity(ctx, center, True)
    # An interval includes its ends unless it says otherwise.
    inclusive = attr(side, "inclusive").lower() != "false"
    closed, open_ = (">=", ">") if side is low else ("<=", "<")
    return {
        "value_number": number,
        "comparator": closed if inclusive else open_,
        **_unit(attr(side, "unit")),
    }


def unit_of(ctx: Context, quantity: Element | None) -> str:
    """A quantity's unit as the source wrote it: its ``unit``, else its translation's words.

    Vendors write UCUM's unity ("1") or no unit, and the unit a person reads
    in a translation's originalText ("units") or displayName ("tablet"). A
    translation of another amount is another quantity, not this one's unit.
    """
    unit = attr(quantity, "unit")
    if unit not in NO_UNIT:
        return unit
    amount = number_of(attr(quantity, "value"))
    for translation in kids(quantity, "translation"):
        own = number_of(attr(translation, "value"))
        if own is not None and amount is not None and own != amount:
            continue
        words = ctx.narrative(kid(translation, "originalText")) or display_name(translation)
        if words and not says_nothing(words):
            return words[:50]
    return unit


def _unit(written: str) -> dict[str, Any]:
    """A unit as written and as UCUM; "1" (UCUM's unity) is no unit."""
    if written in NO_UNIT:
        return {"unit": "", "unit_text": ""}
    return {"unit": ucum_code(written) or "", "unit_text": written}


def _amount_text(quantity: Element | None) -> str:
    if quantity is None or is_null(quantity):
        return ""
    unit = attr(quantity, "unit")
    unit = "" if unit in NO_UNIT else unit
    return " ".join(part for part in (attr(quantity, "value"), unit) if part)


def number_of(text: str) -> float | None:
    """``text`` as a finite number, or None (never a comma, a word or "NaN")."""
    text = text.strip()
    if not re.fullmatch(_NUMBER, text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def reference_range(ctx: Context, observation: Element, unit_text: str) -> dict[str, Any]:
    """The first reference range: low and high as numbers when it gives them, its text."""
    for reference in kids(observation, "referenceRange"):
        bounds = kid(reference, "observationRange")
        if bounds is None or is_null(bounds):
            continue
        value = kid(bounds, "value")
        text = ctx.narrative(kid(bounds, "text"))
        low = high = None
        if value is not None and not is_null(value):
            if kid(value, "low") is not None or kid(value, "high") is not None:
                low = number_of(attr(kid(value, "low"), "value"))
                high = number_of(attr(kid(value, "high"), "value"))
            elif not text and xsi_type(value) in ("ST", "ED", "TEL", ""):
                text = _written(ctx, value)
            elif not text:
                text = _value(ctx, value)["value_text"]
        if low is None and high is None and text:
            low, high = _range_numbers(text, unit_text)
        if low is None and high is None and not text:
            continue
        return {"reference_low": low, "reference_high": high, "reference_text": text[:200]}
    return {"reference_low": None, "reference_high": None, "reference_text": ""}


def _range_numbers(text: str, unit_text: str) -> tuple[float | None, float | None]:
    """Low and high from a range written as text, when its unit (if any) is the value's."""
    both = _RANGE.fullmatch(text.strip())
    one = _ONE_SIDED.fullmatch(text.strip()) if both is None else None
    found = both or one
    if found is None:
        return None, None
    unit = found.group(3)
    if unit and unit_text and unit_key(unit) != unit_key(unit_text):
        return None, None
    if both is not None:
        return number_of(both.group(1)), number_of(both.group(2))
    assert one is not None
    number = number_of(one.group(2))
    return (number, None) if one.group(1) in (">", ">=", "≥") else (None, number)


def interpretation(ctx: Context, observation: Element) -> str:
    """Each interpretation code as a word ("High"), else as the document names it."""
    words: list[str] = []
    for code in kids(observation, "interpretationCode"):
        key = attr(code, "code") or ctx.narrative(kid(code, "originalText"))
        word = INTERPRETATIONS.get(key.upper())
        shown = str(word) if word is not None else ctx.concept(code) or key
        if shown and shown not in words:
            words.append(shown)
    return ", ".join(words)[:50]
