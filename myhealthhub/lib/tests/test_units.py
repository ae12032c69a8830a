from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from myhealthhub.lib.units import ANALYTES, UnitError, analyte_for_loinc, convert
from myhealthhub.tests.real_files import shared, shared_data

# UCUM's functional tests are not copied into tests/data: their licence is unclear.
UCUM_CASES = shared("ucum/UcumFunctionalTests.xml")


@pytest.mark.parametrize(
    ("value", "source", "target", "analyte", "expected"),
    [
        (100, "mg/dL", "mmol/L", "glucose", 5.551),
        (5.5, "mmol/L", "mg/dL", "glucose", 99.09),
        (200, "mg/dL", "mmol/L", "cholesterol", 5.173),
        (3.0, "mmol/L", "mg/dL", "cholesterol", 116.0),
        (150, "mg/dL", "mmol/L", "triglycerides", 1.694),
        (1.0, "mg/dL", "umol/L", "creatinine", 88.40),
        (14, "mg/dL", "mmol/L", "urea_nitrogen", 4.998),
        (6.0, "mg/dL", "umol/L", "uric_acid", 356.9),
        (7.0, "%", "mmol/mol", "hba1c", 53.0),
        (53, "mmol/mol", "%", "hba1c", 7.0),
    ],
)
def test_laboratory_conversions(value, source, target, analyte, expected):
    result = convert(value, source, target, ANALYTES[analyte])
    assert math.isclose(result, expected, rel_tol=2e-3), result


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (98.6, "[degF]", "Cel", 37.0),
        (37.0, "Cel", "[degF]", 98.6),
        (-40, "Cel", "[degF]", -40),
        (154, "[lb_av]", "kg", 69.853),
        (70, "kg", "[lb_av]", 154.32),
        (120, "mm[Hg]", "kPa", 15.999),
        (72, "[in_i]", "cm", 182.88),
    ],
)
def test_everyday_conversions(value, source, target, expected):
    assert math.isclose(convert(value, source, target), expected, rel_tol=1e-4, abs_tol=1e-9)


def test_mass_to_molar_needs_the_analyte():
    with pytest.raises(UnitError):
        convert(100, "mg/dL", "mmol/L")
    with pytest.raises(UnitError, match="not a UCUM unit"):
        convert(1, "furlongs per fortnight", "m/s")


def test_hba1c_percent_is_not_a_proportion():
    hba1c = analyte_for_loinc("4548-4")
    assert hba1c is not None
    assert convert(6.5, "%", "mmol/mol", hba1c) == pytest.approx(47.5, abs=0.1)


def test_loinc_lookup():
    glucose = analyte_for_loinc("2345-7")
    assert glucose is not None and glucose.key == "glucose"
    assert analyte_for_loinc("0000-0") is None


def rounds_to(result: float, outcome: str) -> bool:
    """True if ``result`` agrees with ``outcome`` to the digits the outcome gives."""
    expected = Decimal(outcome)
    exponent = expected.as_tuple().exponent
    assert isinstance(exponent, int)
    tolerance = max(Decimal(5) * Decimal(10) ** (exponent - 1), abs(expected) * Decimal("1e-9"))
    return abs(Decimal(result) - expected) <= tolerance


@shared_data
def test_ucum_functional_conversion_cases():
    """The conversion cases of UCUM's own functional tests that the converter supports."""
    root = ET.parse(UCUM_CASES).getroot()  # noqa: S314
    cases = root.find("conversion")
    assert cases is not None
    supported: list[str | None] = []
    unsupported: list[str | None] = []
    wrong: list[str | None] = []
    for case in cases.iter("case"):
        try:
            result = convert(
                float(case.get("value", "")), case.get("srcUnit", ""), case.get("dstUnit", "")
            )
        except UnitError:
            unsupported.append(case.get("id"))
            continue
        (supported if rounds_to(result, case.get("outcome", "")) else wrong).append(case.get("id"))
    assert wrong == DIFFERENT_DEFINITION
    # Recorded so a regression (or an improvement) in ucumvert shows up here.
    assert len(supported) == 29 and len(supported) + len(unsupported) + len(wrong) == 30
    assert unsupported == UNSUPPORTED, f"supported {len(supported)}, unsupported {unsupported}"


UNSUPPORTED: list[str | None] = []
# pint's millimetre of mercury is the conventional 133.322387415 Pa; UCUM
# defines m[Hg] as exactly 133.3220 kPa. The two agree to 3 parts per million,
# which is far below any blood pressure reading's precision.
DIFFERENT_DEFINITION: list[str | None] = ["3-125"]
