"""Units as people and vendors write them, to UCUM codes.

Device exports write "bpm" and "lbs", clinical documents "mg/dl" or
"10*3/uL"; a unit is kept as a UCUM code only when it is one, or when its
spelling says plainly which one it is. The original spelling is always kept
beside it by the caller.
"""

from __future__ import annotations

import unicodedata

from myhealthhub.lib import units

_UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "/min": (
        "bpm", "/min", "1/min", "min-1", "beats/min", "beat/min", "beatsperminute",
        "{beats}/min", "{beat}/min", "count/min", "ppm", "lpm",
    ),
    "mm[Hg]": ("mmhg", "mm[hg]"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "g": ("g", "gram", "grams", "gramos"),
    "[lb_av]": ("lb", "lbs", "pound", "pounds", "[lb_av]", "libras"),
    "mg/dL": ("mg/dl", "mg/100ml"),
    "g/dL": ("g/dl", "gm/dl", "gms/dl"),
    "mEq/L": ("meq/l",),
    "10*3/uL": ("10*3/ul", "10^3/ul", "x10e3/ul", "x10(3)/ul", "k/ul", "thou/ul", "10e3/ul"),
    "10*6/uL": ("10*6/ul", "10^6/ul", "x10e6/ul", "x10(6)/ul", "m/ul", "mil/ul", "10e6/ul"),
    "[IU]/L": ("iu/l",),
    "U/L": ("u/l", "units/l"),
    "fL": ("fl",),
    "pg": ("pg",),
    "[in_i]": ("in", "inch", "inches", "[in_us]", "[in_i]"),
    # In UCUM "ft" is a femtotonne and "mph" a milliphot: never what a vendor means.
    "[ft_i]": ("ft", "foot", "feet", "[ft_i]"),
    "[mi_i]": ("mi", "mile", "miles", "[mi_i]", "millas"),
    "km/h": ("km/h", "kph", "km/hr", "kmh"),
    "[mi_i]/h": ("mph", "mi/h", "mi/hr", "[mi_i]/h"),
    "cm": ("cm", "centimeters", "centimetres"),
    "Cel": ("cel", "°c", "degc", "deg c"),
    "[degF]": ("[degf]", "°f", "degf", "deg f"),
    "kg/m2": ("kg/m2", "kg/m^2", "kg/(m2)"),
    "mg": ("mg", "mgs", "milligram", "milligrams"),
    "ug": ("ug", "mcg", "µg", "microgram", "micrograms"),
    "mL": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "L": ("l", "liter", "liters", "litre", "litres"),
    "mg/mL": ("mg/ml",),
    "ng/mL": ("ng/ml",),
    "pg/mL": ("pg/ml",),
    "ng/dL": ("ng/dl",),
    "g/L": ("g/l",),
    "umol/L": ("umol/l", "µmol/l"),
    "nmol/L": ("nmol/l",),
    "/uL": ("/ul", "cells/ul", "/mm3", "cells/mm3"),
    "L/min": ("l/min",),
    "mmol/L": ("mmol/l",),
    "%": ("%", "percent", "pct", "porcentaje"),
    "{steps}": ("steps", "step", "{steps}", "count", "{count}", "pasos"),
    "min": ("min", "mins", "minute", "minutes", "minutos"),
    "h": ("h", "hr", "hrs", "hour", "hours", "horas"),
    "s": ("s", "sec", "secs", "second", "seconds", "segundos"),
}  # fmt: skip

# unit_key(spelling) -> UCUM code
UNIT_NAMES: dict[str, str] = {
    spelling: ucum for ucum, spellings in _UNIT_SPELLINGS.items() for spelling in spellings
}


def unit_key(text: str) -> str:
    """A unit as compared: "mg/dL", "mg/dl" and "MG / DL" are one."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def ucum_code(unit: str) -> str | None:
    """The UCUM code of a unit as people write it ("bpm", "lbs", "mg/dl"), or None."""
    known = UNIT_NAMES.get(unit_key(unit))
    if known is not None:
        return known
    letters = [char for char in unit if char.isalpha()]
    if letters and all(char.isupper() for char in letters) and unit not in ("L", "U"):
        # Case matters in UCUM: "MG" parses as megagauss, "N/A" as newton per
        # ampere, "F" as farad. A vendor's capitals are never meant so.
        return None
    try:
        units.registry().from_ucum(unit)
    except Exception:  # ucumvert raises lark and pint errors alike
        return None
    return unit
