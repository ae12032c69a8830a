"""Numbers and units as a reader expects them, for the summary: lib/formatting.py's.

A result line puts the value beside its reference range, so both go through
the same formatting: the language's decimal mark ("139,6" in Spanish), no
float noise, a unit a person reads ("mmHg", not the UCUM code "mm[Hg]"), and
the reader's units. Call these with the summary's language active; the
sections (summary/sections.py) gather the lines with the reader's units.
"""

from __future__ import annotations

from myhealthhub.lib import formatting
from myhealthhub.lib.formatting import Preferences
from myhealthhub.records import presenting
from myhealthhub.records.models import Observation


def number(value: float | int | None) -> str:
    """``value`` in the active language, with only the decimals it has: 70.0 → "70"."""
    return formatting.number(value)


def readable_unit(code: str) -> str:
    """A UCUM code as printed on a lab report: mm[Hg] → mmHg, 10*3/uL → 10³/µL, kg/m2 → kg/m²."""
    return formatting.unit(code)


def value_line(observation: Observation, units: Preferences | None = None) -> str:
    """The value of a result with its unit: "139,6 mg/dL", "< 5 %", "138/86 mmHg", or its text."""
    return presenting.result_value(observation, account=units or formatting.active()).text


def reference_range(observation: Observation, units: Preferences | None = None) -> str:
    """The reference range in the same form as the value: "70–100", "≤ 5,7" or ""."""
    return presenting.result_range(observation, account=units or formatting.active())
