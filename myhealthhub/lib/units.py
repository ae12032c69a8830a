"""Unit conversion for results: UCUM codes through ucumvert and pint.

Two conversions are not pure unit algebra and are handled here:

- mass ↔ amount of substance (mg/dL ↔ mmol/L) needs the analyte's molar
  mass, from a small table of the common laboratory analytes;
- HbA1c % (NGSP/DCCT) ↔ mmol/mol (IFCC) is the master equation
  IFCC = 10.929 × (NGSP − 2.15), not a proportion: pint alone would turn
  1 % into 10 mmol/mol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ucumvert import PintUcumRegistry


class UnitError(ValueError):
    """The units are unknown or cannot be converted into each other."""


@dataclass(frozen=True)
class Analyte:
    key: str
    molar_mass: float | None  # g/mol; None when only a special rule applies
    conventional: str  # UCUM unit in US conventional practice
    si: str  # UCUM unit in SI practice


# Molar masses from the IUPAC atomic weights; the clinical convention for the
# lipids is cholesterol's (386.65 g/mol) for total, HDL and LDL, and triolein's
# (885.7 g/mol) for triglycerides. Urea nitrogen (BUN) counts the two nitrogen
# atoms of urea (2 × 14.007 g/mol).
ANALYTES: dict[str, Analyte] = {
    analyte.key: analyte
    for analyte in (
        Analyte("glucose", 180.156, "mg/dL", "mmol/L"),
        Analyte("cholesterol", 386.65, "mg/dL", "mmol/L"),
        Analyte("triglycerides", 885.7, "mg/dL", "mmol/L"),
        Analyte("creatinine", 113.12, "mg/dL", "umol/L"),
        Analyte("urea", 60.056, "mg/dL", "mmol/L"),
        Analyte("urea_nitrogen", 28.014, "mg/dL", "mmol/L"),
        Analyte("uric_acid", 168.11, "mg/dL", "umol/L"),
        Analyte("hba1c", None, "%", "mmol/mol"),
    )
}

# LOINC codes of the analytes above (serum/plasma/blood, mass and molar variants).
LOINC_ANALYTES: dict[str, str] = {
    **dict.fromkeys(
        ("2345-7", "2339-0", "41653-7", "14749-6", "15074-8", "2340-8", "1558-6"), "glucose"
    ),
    **dict.fromkeys(
        ("2093-3", "14647-2", "2085-9", "14646-4", "13457-7", "18262-6", "2089-1", "22748-8"),
        "cholesterol",
    ),
    **dict.fromkeys(("2571-8", "14927-8", "3043-7"), "triglycerides"),
    **dict.fromkeys(("2160-0", "14682-9", "38483-4"), "creatinine"),
    **dict.fromkeys(("3091-6", "22664-7"), "urea"),
    **dict.fromkeys(("3094-0", "14937-7", "6299-2"), "urea_nitrogen"),
    **dict.fromkeys(("3084-1", "14933-6"), "uric_acid"),
    **dict.fromkeys(("4548-4", "17856-6", "59261-8", "4549-2"), "hba1c"),
}

HBA1C_PERCENT = frozenset({"%", "%{HbA1c}", "%{Hb}"})
HBA1C_IFCC = frozenset({"mmol/mol", "mmol/mol{Hb}"})


@cache
def registry() -> PintUcumRegistry:
    # Building the UCUM grammar takes most of a second: once per process, and only in
    # one that converts. pint and ucumvert take 140 ms to import: not at every start.
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry()


def analyte_for_loinc(code: str) -> Analyte | None:
    key = LOINC_ANALYTES.get(code)
    return ANALYTES[key] if key else None


def convert(value: float, source: str, target: str, analyte: Analyte | None = None) -> float:
    """``value`` in UCUM unit ``source``, expressed in UCUM unit ``target``."""
    if source == target:
        return value
    if analyte is not None and analyte.key == "hba1c":
        return _convert_hba1c(value, source, target)
    from pint import DimensionalityError  # loaded with the registry

    src, dst = _parse(source), _parse(target)
    quantity = registry().Quantity(value * src.magnitude, src.units)
    try:
        return float(quantity.to(dst.units).magnitude / dst.magnitude)
    except DimensionalityError:
        if analyte is None or analyte.molar_mass is None:
            raise UnitError(f"cannot convert {source} to {target}") from None
    molar_mass = registry().Quantity(analyte.molar_mass, "g/mol")
    for bridged in (quantity / molar_mass, quantity * molar_mass):
        try:
            return float(bridged.to(dst.units).magnitude / dst.magnitude)
        except DimensionalityError:
            continue
    raise UnitError(f"cannot convert {source} to {target} for {analyte.key}")


@cache
def linear(source: str, target: str, analyte_key: str = "") -> tuple[float, float] | None:
    """(slope, intercept) turning ``source`` values into ``target`` ones, or None if impossible.

    Every conversion we make is affine (°F → °C and HbA1c % → mmol/mol
    included): two points fix it, so thousands of values convert at the cost
    of two calls into pint, which takes a tenth of a millisecond each.
    """
    analyte = ANALYTES.get(analyte_key)
    try:
        intercept = convert(0.0, source, target, analyte)
        slope = convert(1.0, source, target, analyte) - intercept
    except UnitError:
        return None
    return slope, intercept


def _convert_hba1c(value: float, source: str, target: str) -> float:
    # "%" and "%{HbA1c}" are one unit spelled two ways; so are the IFCC ones.
    if {source, target} <= HBA1C_PERCENT or {source, target} <= HBA1C_IFCC:
        return value
    if source in HBA1C_PERCENT and target in HBA1C_IFCC:
        return (value - 2.15) * 10.929
    if source in HBA1C_IFCC and target in HBA1C_PERCENT:
        return value / 10.929 + 2.15
    raise UnitError(f"cannot convert HbA1c from {source} to {target}")


def _parse(code: str) -> Any:
    try:
        return registry().from_ucum(code)
    except Exception as error:  # ucumvert raises lark and pint errors alike
        raise UnitError(f"not a UCUM unit: {code!r}") from error
