"""The one place that turns a value into text for a person: numbers, units, quantities.

Every page, the summary (web and PDF) and the spreadsheet export call these,
so a result reads the same everywhere: in the active language's decimal mark
("5,5" in Spanish), in the units the reader chose, and without float noise.

How many decimals, when nothing but a float is stored (sources give a number;
none keeps the text it was written as, and nothing new is stored for this):

- a value shown as recorded keeps its own decimals when it has at most
  ``KEPT_DECIMALS`` of them: 139.6 stays "139.6", 0.012 stays "0.012". More is
  float noise from a calculation upstream (183.2291845703258 mmHg) and is
  rounded to the usual decimals of its unit (none for mmHg: "183"), or else
  to ``SIGNIFICANT`` significant figures;
- a converted value takes the usual decimals of its new unit for that analyte
  (glucose: 1 in mmol/L, 0 in mg/dL; weight: 1 in lb), as a lab prints it: a
  conversion invents digits that the source never measured.

The original value and unit stay one click away (:func:`original`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Protocol

from django.utils import formats

from myhealthhub.lib.units import Analyte, analyte_for_loinc, linear

# The values of accounts.User's unit_system and body_units choices (lib imports no app).
CONVENTIONAL, SI = "conventional", "si"
METRIC, US = "metric", "us"

KEPT_DECIMALS = 3
SIGNIFICANT = 4

# Usual decimals of a laboratory analyte in each of its units, as labs print them.
ANALYTE_DECIMALS: dict[tuple[str, str], int] = {
    ("glucose", "mg/dL"): 0,
    ("glucose", "mmol/L"): 1,
    ("cholesterol", "mg/dL"): 0,
    ("cholesterol", "mmol/L"): 2,
    ("triglycerides", "mg/dL"): 0,
    ("triglycerides", "mmol/L"): 2,
    ("creatinine", "mg/dL"): 2,
    ("creatinine", "umol/L"): 0,
    ("urea", "mg/dL"): 0,
    ("urea", "mmol/L"): 1,
    ("urea_nitrogen", "mg/dL"): 0,
    ("urea_nitrogen", "mmol/L"): 1,
    ("uric_acid", "mg/dL"): 1,
    ("uric_acid", "umol/L"): 0,
    ("hba1c", "%"): 1,
    ("hba1c", "mmol/mol"): 0,
}
# Usual decimals of a unit whatever was measured in it.
UNIT_DECIMALS: dict[str, int] = {
    "mm[Hg]": 0,
    "/min": 0,
    "{beats}/min": 0,
    "{breaths}/min": 0,
    "kg": 1,
    "[lb_av]": 1,
    "cm": 1,
    "[in_i]": 1,
    "Cel": 1,
    "[degF]": 1,
    "km": 2,
    "[mi_i]": 2,
    "km/h": 1,
    "[mi_i]/h": 1,
    "kcal": 0,
    "ms": 0,
    "mL/(kg.min)": 1,
}
# Weight, height and temperature, and a wearable's distance and speed: converted
# only between the two systems, so a baby weighed in grams stays in grams for a
# metric reader. A walk is in kilometres or miles, a height in centimetres or inches.
BODY_UNITS: dict[str, tuple[str, str]] = {
    "kg": ("mass", METRIC),
    "g": ("mass", METRIC),
    "[lb_av]": ("mass", US),
    "[oz_av]": ("mass", US),
    "cm": ("length", METRIC),
    "m": ("length", METRIC),
    "[in_i]": ("length", US),
    "[ft_i]": ("length", US),
    "Cel": ("temperature", METRIC),
    "[degF]": ("temperature", US),
    "km": ("distance", METRIC),
    "[mi_i]": ("distance", US),
    "km/h": ("speed", METRIC),
    "[mi_i]/h": ("speed", US),
}
BODY_TARGETS: dict[tuple[str, str], str] = {
    ("mass", METRIC): "kg",
    ("mass", US): "[lb_av]",
    ("length", METRIC): "cm",
    ("length", US): "[in_i]",
    ("temperature", METRIC): "Cel",
    ("temperature", US): "[degF]",
    ("distance", METRIC): "km",
    ("distance", US): "[mi_i]",
    ("speed", METRIC): "km/h",
    ("speed", US): "[mi_i]/h",
}
# What people and sources type for a unit that has a UCUM code (the table adds its own).
TYPED_UNITS = {"lbs": "[lb_av]", "lb": "[lb_av]", "°C": "Cel", "°F": "[degF]", "in": "[in_i]"}

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class HasUnits(Protocol):
    """An account, or anything else that carries the two unit choices."""

    unit_system: str
    body_units: str


@dataclass(frozen=True)
class Preferences:
    """The units a reader chose: laboratory (conventional or SI) and body (metric or US)."""

    laboratory: str = CONVENTIONAL
    body: str = METRIC

    @classmethod
    def of(cls, account: HasUnits | Preferences | None) -> Preferences:
        """An account's choices; the defaults for nobody (an anonymous visitor, a job)."""
        if isinstance(account, Preferences):
            return account
        return cls(
            laboratory=getattr(account, "unit_system", "") or CONVENTIONAL,
            body=getattr(account, "body_units", "") or METRIC,
        )


# Values as they were recorded: no conversion at all (the model's own display, the IPS).
AS_RECORDED = Preferences(laboratory="", body="")

_active: ContextVar[Preferences | None] = ContextVar("formatting_preferences", default=None)


@contextmanager
def using(account: HasUnits | Preferences | None) -> Iterator[Preferences]:
    """Show quantities in ``account``'s units inside the block (code that has no request)."""
    preferences = Preferences.of(account)
    token = _active.set(preferences)
    try:
        yield preferences
    finally:
        _active.reset(token)


def active() -> Preferences | None:
    """The preferences set by :func:`using`, if any."""
    return _active.get()


# Numbers.


def number(value: float | int | None, *, digits: int | None = None) -> str:
    """``value`` in the active language: exactly ``digits`` decimals, or only those it has.

    Without ``digits``, float noise is rounded away (see the module's docstring):
    number(70.0) is "70", number(5.55) is "5,55" in Spanish.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if digits is None:
        digits = own_decimals(float(value))
        text = _fixed(float(value), digits)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = _fixed(float(value), digits)
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # never "-0"
    return formats.number_format(Decimal(text), use_l10n=True)


def own_decimals(value: float, unit: str = "", analyte: Analyte | None = None) -> int:
    """The decimals a recorded value is shown with: its own, unless they are noise."""
    decimals = _exact_decimals(value)
    if decimals <= KEPT_DECIMALS:
        return decimals
    return _digits(unit, analyte, value)


def significant_decimals(value: float, figures: int = SIGNIFICANT) -> int:
    """The decimals that leave ``figures`` significant figures, never cutting whole digits."""
    if value == 0:
        return 0
    whole = math.floor(math.log10(abs(value))) + 1
    return max(figures - whole, 0)


def _fixed(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


# Time zones.


def utc_offset(moment: dt.datetime) -> str:
    """The moment's distance from UTC as clocks print it: "−04:00", "+01:00", "+00:00"."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = "−" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


# Units.


@cache
def _table() -> Mapping[str, str]:
    """data/units.csv: each UCUM code and how people write it."""
    text = resources.files("myhealthhub").joinpath("data", "units.csv").read_text(encoding="utf-8")
    return {row["ucum"]: row["shown"] for row in csv.DictReader(text.splitlines())}


@cache
def _codes() -> Mapping[str, str]:
    """How people write a unit → its UCUM code: the table read backwards, then typed forms."""
    known: dict[str, str] = {}
    for code, shown in _table().items():
        known.setdefault(shown, code)
    return {**known, **TYPED_UNITS}


def ucum_code(text: str) -> str:
    """The UCUM code of a unit written for people ("lb", "°C", "mmHg"), else ``text``."""
    text = text.strip()
    return text if text in _table() else _codes().get(text, text)


def unit(code: str) -> str:
    """A unit as people write it: mm[Hg] → mmHg, 10*3/uL → 10³/µL, kg/m2 → kg/m².

    The shipped table answers first; other codes follow UCUM's rules made
    readable, and a unit that is already text ("beats/min") comes back as it is.
    """
    code = code.strip()
    table = _table()
    if code in table:
        return table[code]
    if code == "1":
        return ""  # UCUM's unity: a ratio or a count with no unit
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
    text = re.sub(r"(?<![A-Za-z])u(?=[glLmsMU])", "µ", text)
    # A power after a unit letter: m2 → m², but not the "3" of "10³".
    text = re.sub(r"(?<=[a-zA-Z])([23])\b", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    return text or code


# Quantities.


@dataclass(frozen=True)
class Quantity:
    """A value in the unit it is shown in, and how many decimals it is shown with."""

    value: float
    unit: str  # a UCUM code, or the source's text when it gave no code
    digits: int
    converted: bool = False
    # The unit as the source printed it, shown rather than ``unit`` when not converted.
    written: str = ""

    @property
    def number(self) -> str:
        return number(self.value, digits=self.digits)

    @property
    def unit_shown(self) -> str:
        return unit(self.written or self.unit)

    @property
    def rounded(self) -> bool:
        """Whether fewer decimals are shown than the stored value has."""
        return self.number != number(self.value, digits=_exact_decimals(self.value))

    def __str__(self) -> str:
        return joined(self.number, self.unit_shown)


def _exact_decimals(value: float) -> int:
    """The decimals of the shortest text that reads back as ``value``: 99.0 has none."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a finite float has one
    return max(-exponent, 0)


def joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def shown_quantity(
    value: float,
    unit_code: str,
    *,
    account: HasUnits | Preferences | None,
    code: str = "",
    written: str = "",
) -> Quantity:
    """``value`` in ``unit_code`` as ``account`` reads it, converted when they chose so.

    Laboratory analytes (by LOINC ``code``) follow the account's conventional
    or SI choice, weight, height and temperature its metric or US one. Anything
    else, or a unit that cannot be converted, is shown as recorded.
    """
    source, analyte, conversion = _conversion(unit_code, account, code)
    if conversion is not None:
        target, (slope, intercept) = conversion
        converted = slope * value + intercept
        return Quantity(converted, target, _digits(target, analyte, converted), True)
    return Quantity(value, unit_code, own_decimals(value, source, analyte), written=written)


def shown_unit(
    unit_code: str, *, account: HasUnits | Preferences | None, code: str = ""
) -> tuple[str, tuple[float, float]]:
    """The unit ``account`` reads values of ``unit_code`` in, and the line that converts them.

    For a series of values (a chart) converted at once; :func:`shown_quantity` shows one.
    The line is (slope, intercept); (1, 0) when they are shown as recorded.
    """
    _source, _analyte, conversion = _conversion(unit_code, account, code)
    return conversion or (unit_code, (1.0, 0.0))


def _conversion(
    unit_code: str, account: HasUnits | Preferences | None, code: str
) -> tuple[str, Analyte | None, tuple[str, tuple[float, float]] | None]:
    """The UCUM unit, the analyte of ``code``, and the unit ``account`` reads them in with
    the line that converts to it; None when they are shown as recorded."""
    source = ucum_code(unit_code)
    analyte = analyte_for_loinc(code) if code else None
    target = _target(source, analyte, Preferences.of(account))
    line = linear(source, target, analyte.key if analyte else "") if target else None
    if target is None or target == source or line is None:
        return source, analyte, None
    return source, analyte, (target, line)


def _target(source: str, analyte: Analyte | None, preferences: Preferences) -> str | None:
    if analyte is not None and source and preferences.laboratory in {SI, CONVENTIONAL}:
        return analyte.si if preferences.laboratory == SI else analyte.conventional
    if source in BODY_UNITS and preferences.body in {METRIC, US}:
        dimension, system = BODY_UNITS[source]
        if system != preferences.body:
            return BODY_TARGETS[(dimension, preferences.body)]
    return None


def usual_decimals(unit: str, analyte: Analyte | None = None) -> int | None:
    """How many decimals a lab prints in ``unit`` (for ``analyte``), when known."""
    if analyte is not None and (analyte.key, unit) in ANALYTE_DECIMALS:
        return ANALYTE_DECIMALS[(analyte.key, unit)]
    return UNIT_DECIMALS.get(unit)


def _digits(target: str, analyte: Analyte | None, value: float) -> int:
    usual = usual_decimals(target, analyte)
    return significant_decimals(value) if usual is None else usual


def quantity(
    value: float | None,
    unit_code: str,
    *,
    account: HasUnits | Preferences | None,
    code: str = "",
    comparator: str = "",
    written: str = "",
) -> str:
    """ "5,5 mmol/L", "154.3 lb", "< 5 %": a value with its unit, in ``account``'s units."""
    if value is None:
        return ""
    shown = shown_quantity(value, unit_code, account=account, code=code, written=written)
    return joined(comparator, str(shown))


def original(value: float | None, unit_code: str, *, comparator: str = "") -> str:
    """The value exactly as stored, with the unit the source wrote: what a conversion came from."""
    if value is None:
        return ""
    return joined(comparator, _exact(value), unit_code.strip())


def original_parts(parts: list[Any]) -> str:
    """A panel's parts exactly as stored: "183.2291845703258/110.49766709212196 mm[Hg]"."""
    values = [part.get("value") for part in parts if isinstance(part, dict)]
    units = {str(part.get("unit") or "") for part in parts if isinstance(part, dict)}
    texts = [
        _exact(value) if isinstance(value, int | float) and not isinstance(value, bool) else "–"
        for value in values
    ]
    return joined("/".join(texts), units.pop() if len(units) == 1 else "")


def _exact(value: float) -> str:
    return number(value, digits=_exact_decimals(float(value)))


def parts_line(
    parts: list[Any], *, account: HasUnits | Preferences | None, comparators: bool = False
) -> str:
    """A panel's parts on one line: blood pressure reads "120/80 mmHg", the usual way.

    Parts sharing one unit read as one fraction; parts in different units
    each say their name: "Systolic 120 mmHg, Pulse 71 /min".
    """
    shown: list[tuple[str, str, str]] = []  # (name, number, unit)
    for part in parts:
        if not isinstance(part, dict):
            continue
        name = str(part.get("display") or part.get("code") or "")
        value = part.get("value")
        unit_code = str(part.get("unit") or part.get("unit_text") or "")
        if isinstance(value, int | float) and not isinstance(value, bool):
            measured = shown_quantity(
                float(value), unit_code, account=account, code=str(part.get("code") or "")
            )
            shown.append((name, measured.number, measured.written or measured.unit))
        else:
            shown.append((name, str(value or "–"), ""))
    if not shown:
        return ""
    units = {unit_code for _name, _number, unit_code in shown}
    if len(units) == 1:
        return joined("/".join(text for _name, text, _unit in shown), unit(units.pop()))
    return ", ".join(joined(name, text, unit(code)) for name, text, code in shown)


# Workouts: how far, how long, how much energy.

KILOMETRE, MILE = "km", "[mi_i]"
METRES_IN = {"m": 1.0, KILOMETRE: 1000.0, MILE: 1609.344}
# Shorter than this, a metric reader's distance reads in metres (a pool's 800 m).
METRES_SHOWN_BELOW = 1000.0


def distance_unit(account: HasUnits | Preferences | None) -> str:
    """The unit a reader counts a workout's distance in: miles in US units, else kilometres."""
    return MILE if Preferences.of(account).body == US else KILOMETRE


def distance(metres: float | None, *, account: HasUnits | Preferences | None) -> str:
    """ "5.02 km", "850 m" or "3.12 mi": a distance kept in metres, in the reader's units."""
    if metres is None or not math.isfinite(metres):
        return ""
    target = distance_unit(account)
    if target == KILOMETRE and metres < METRES_SHOWN_BELOW:
        return joined(number(metres, digits=0), "m")
    return joined(number(metres / METRES_IN[target], digits=2), unit(target))


def energy(kcal: float | None) -> str:
    """ "312 kcal": energy burned, as every fitness app and food label counts it."""
    if kcal is None or not math.isfinite(kcal):
        return ""
    return joined(number(kcal, digits=0), unit("kcal"))


def duration(seconds: float | None) -> str:
    """ "1 h 05 min", "32 min 10 s", "45 s": a length of time, to the second under an hour."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        # An hour and more reads to the minute, as a watch's summary says it.
        minutes = round(rest / 60)
        if minutes == 60:
            hours, minutes = hours + 1, 0
        return f"{number(hours)} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def against_goal(value: float | None, goal: float | None, unit_code: str) -> str:
    """ "350 / 630 kcal", "39 / 30 min": a day's amount beside its goal, in whole numbers."""
    if value is None or not math.isfinite(value):
        return ""
    shown = number(value, digits=0)
    if goal is not None and math.isfinite(goal) and goal > 0:
        shown = f"{shown} / {number(goal, digits=0)}"
    return joined(shown, unit(unit_code))
