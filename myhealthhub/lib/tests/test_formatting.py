"""The one formatter: numbers in the language without noise, units as people write them."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from django.utils import translation

from myhealthhub.lib import formatting
from myhealthhub.lib.formatting import Preferences

SI_METRIC = Preferences(formatting.SI, formatting.METRIC)
CONVENTIONAL_US = Preferences(formatting.CONVENTIONAL, formatting.US)


@pytest.mark.parametrize(
    ("language", "value", "text"),
    [
        ("en", 139.6, "139.6"),
        ("es", 139.6, "139,6"),
        ("en", 70.0, "70"),
        ("en", 0.012, "0.012"),
        ("en", 183.2291845703258, "183.2"),
        ("es", 0.1 + 0.2, "0,3"),
        ("en", -0.0, "0"),
    ],
)
def test_a_number_reads_in_the_language_without_float_noise(language: str, value: float, text):
    with translation.override(language):
        assert formatting.number(value) == text


def test_fixed_decimals_when_asked():
    with translation.override("es"):
        assert formatting.number(5.0, digits=1) == "5,0"
        assert formatting.number(5.55, digits=0) == "6"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("mm[Hg]", "mmHg"),
        ("10*3/uL", "10³/µL"),
        ("10*9/L", "10⁹/L"),
        ("mL/min/{1.73_m2}", "mL/min/1.73 m²"),
        ("ug", "µg"),
        ("[lb_av]", "lb"),
        ("[in_i]", "in"),
        ("Cel", "°C"),
        ("[degF]", "°F"),
        ("/min", "/min"),
        ("%", "%"),
        ("{beats}/min", "beats/min"),
        ("kg/m2", "kg/m²"),
        ("%{HbA1c}", "%"),
        ("umol/L", "µmol/L"),
        ("{score}", ""),
        ("beats per minute", "beats per minute"),
    ],
)
def test_units_read_as_people_write_them(code: str, shown: str):
    assert formatting.unit(code) == shown


@pytest.mark.parametrize(
    ("value", "unit", "code", "preferences", "text"),
    [
        (99, "mg/dL", "2345-7", SI_METRIC, "5.5 mmol/L"),
        (5.5, "mmol/L", "2345-7", CONVENTIONAL_US, "99 mg/dL"),
        (200, "mg/dL", "2093-3", SI_METRIC, "5.17 mmol/L"),
        (6.5, "%", "4548-4", SI_METRIC, "48 mmol/mol"),
        (70, "kg", "29463-7", CONVENTIONAL_US, "154.3 lb"),
        (37, "Cel", "8310-5", CONVENTIONAL_US, "98.6 °F"),
        (170, "cm", "8302-2", CONVENTIONAL_US, "66.9 in"),
        (154.3, "[lb_av]", "29463-7", SI_METRIC, "70.0 kg"),
        # Within the reader's own system nothing moves: grams stay grams.
        (3400, "g", "8339-4", SI_METRIC, "3400 g"),
        (183.2291845703258, "mm[Hg]", "8480-6", SI_METRIC, "183 mmHg"),
        (250, "10*3/uL", "777-3", SI_METRIC, "250 10³/µL"),
    ],
)
def test_a_quantity_reads_in_the_reader_s_units(value, unit, code, preferences, text):
    with translation.override("en"):
        assert formatting.quantity(value, unit, account=preferences, code=code) == text


def test_spanish_si_glucose():
    with translation.override("es"):
        assert formatting.quantity(99, "mg/dL", account=SI_METRIC, code="2345-7") == "5,5 mmol/L"


def test_as_recorded_converts_nothing():
    assert formatting.quantity(5.5, "mmol/L", account=formatting.AS_RECORDED, code="2345-7") == (
        "5.5 mmol/L"
    )
    assert formatting.quantity(37, "Cel", account=formatting.AS_RECORDED) == "37 °C"


def test_a_blood_pressure_reads_as_one_fraction_without_noise():
    parts = [
        {"code": "8480-6", "value": 183.2291845703258, "unit": "mm[Hg]"},
        {"code": "8462-4", "value": 110.49766709212196, "unit": "mm[Hg]"},
    ]
    assert formatting.parts_line(parts, account=None) == "183/110 mmHg"
    assert formatting.original_parts(parts) == "183.2291845703258/110.49766709212196 mm[Hg]"


def test_the_units_table_is_a_strict_two_column_csv_with_unique_codes():
    text = resources.files("myhealthhub").joinpath("data", "units.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines(), strict=True))
    assert rows[0] == ["ucum", "shown"]
    assert all(len(row) == 2 and row[0] and row[1] for row in rows[1:])
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == len(set(codes))
