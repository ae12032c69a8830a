"""The small code tables shipped in ``myhealthhub/data`` (see its LICENSES.md).

Suggestions while typing, and the code a typed name stands for: a vaccine
typed as "Tdap" gets CVX 115, "Hemoglobin A1c" gets LOINC 4548-4 and "%".
Medicine names come with their international equivalents, so "Paracetamol"
and "Acetaminophen" are known to be one substance.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    unit: str = ""


@dataclass(frozen=True)
class Medicine:
    name: str
    also_known_as: str = ""

    @property
    def suggestion(self) -> str:
        return f"{self.name} ({self.also_known_as})" if self.also_known_as else self.name


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("myhealthhub").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def vaccines() -> tuple[Code, ...]:
    return tuple(Code(row["code"], row["name"]) for row in _rows("cvx.csv"))


@cache
def lab_tests() -> tuple[Code, ...]:
    return tuple(Code(row["code"], row["name"], row["unit"]) for row in _rows("loinc.csv"))


@cache
def medicines() -> tuple[Medicine, ...]:
    return tuple(Medicine(row["name"], row["also_known_as"]) for row in _rows("medicines.csv"))


def find_by_name(table: tuple[Code, ...], name: str) -> Code | None:
    wanted = name.strip().casefold()
    return next((code for code in table if code.name.casefold() == wanted), None)


def same_medicine(first: str, second: str) -> bool:
    """True when two names are the same substance under its international names."""
    a, b = _medicine_key(first), _medicine_key(second)
    return a == b


def _medicine_key(name: str) -> str:
    cleaned = name.split("(")[0].strip().casefold()
    for medicine in medicines():
        if cleaned in {medicine.name.casefold(), medicine.also_known_as.casefold()} - {""}:
            return medicine.name.casefold()
    return cleaned
