"""Numbers and units as a reader expects them: in the summary's language, without noise.

A result line puts the value beside its reference range, so both go through
the same formatting: the language's decimal mark ("139,6" in Spanish), no
trailing ".0", and a unit a person reads ("mmHg"), not the UCUM code
("mm[Hg]") machines exchange. Call these with the summary's language active.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import formats

from myhealthhub.records.models import Observation

# Results carry a few significant decimals at most; more is float noise (0.1 + 0.2).
DECIMALS = 4
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# UCUM codes that read differently from their code, beyond the rules below.
_NAMED = {"1": "", "[iU]": "IU", "[IU]": "IU", "Cel": "°C", "[degF]": "°F", "[lb_av]": "lb"}


def number(value: float | int | None) -> str:
    """``value`` in the active language, with only the decimals it has: 70.0 → "70"."""
    if value is None:
        return ""
    text = f"{float(value):.{DECIMALS}f}".rstrip("0").rstrip(".")
    if text in {"-0", ""}:
        text = "0"
    return formats.number_format(Decimal(text), use_l10n=True)


def readable_unit(code: str) -> str:
    """A UCUM code as printed on a lab report: mm[Hg] → mmHg, 10*3/uL → 10³/µL, kg/m2 → kg/m²."""
    code = code.strip()
    if code in _NAMED:
        return _NAMED[code]
    # Annotations in braces say what was counted, not the unit: "%{HbA1c}" is "%";
    # one standing for a whole term is kept as words: "mL/min/{1.73_m2}".
    text = re.sub(r"\{[^}]*\}", "", code)
    if not text:
        return ""  # "{ratio}", "{score}": a count with no unit
    if text.endswith("/"):
        text = re.sub(r"\{([^}]*)\}", lambda m: m.group(1).replace("_", " "), code)
    # Square brackets only mark special units in UCUM: "mm[Hg]" is "mmHg".
    text = text.replace("[", "").replace("]", "")
    text = re.sub(r"10\*(-?\d+)", lambda m: "10" + m.group(1).translate(_SUPERSCRIPTS), text)
    # "u" is UCUM's ASCII micro; only before a unit letter, so "umol" but not "U/L".
    text = re.sub(r"(?<![A-Za-z])u(?=[glLmsM])", "µ", text)
    # A power after a unit letter: m2 → m², but not the "3" of "10³".
    text = re.sub(r"(?<=[a-zA-Z])([23])\b", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    return text or code


def unit_of(unit_text: str, unit: str) -> str:
    """The unit as the source printed it when it did, else the UCUM code made readable."""
    return unit_text.strip() or readable_unit(unit)


def value_line(observation: Observation) -> str:
    """The value of a result with its unit: "139,6 mg/dL", "< 5 %", "138/86 mmHg", or its text."""
    if observation.value_number is not None:
        shown = observation.get_comparator_display() if observation.comparator else ""
        parts = (
            shown,
            number(observation.value_number),
            unit_of(observation.unit_text, observation.unit),
        )
        return " ".join(part for part in parts if part)
    if observation.components:
        return _components(observation.components)
    return observation.value_text


def _components(components: list[Any]) -> str:
    """A panel's parts on one line: blood pressure reads "138/86 mmHg", the usual way."""
    values = []
    for part in components:
        value = part.get("value") if isinstance(part, dict) else None
        values.append(number(value) if isinstance(value, int | float) else str(value or "–"))
    first = components[0] if isinstance(components[0], dict) else {}
    unit = unit_of(str(first.get("unit_text") or ""), str(first.get("unit") or ""))
    return "/".join(values) + (f" {unit}" if unit else "")


def reference_range(observation: Observation) -> str:
    """The reference range in the same form as the value: "70–100", "≤ 5,7" or ""."""
    low, high = observation.reference_low, observation.reference_high
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}"
    if high is not None:
        return f"≤ {number(high)}"
    if low is not None:
        return f"≥ {number(low)}"
    return ""
