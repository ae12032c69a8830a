"""The small code tables shipped in ``myhealthhub/data`` (see its LICENSES.md).

Suggestions while typing, and the code a typed name stands for: a vaccine
typed as "Tdap" gets CVX 115, "Hemoglobin A1c" gets LOINC 4548-4 and "%".
Medicine names come with their international equivalents, so "Paracetamol"
and "Acetaminophen" are known to be one substance. Every row also has its
Spanish name, so search finds "Glucose" by "glucosa" and the other way round.
A lab test may also name the panel it is usually ordered in ("lipids" for
HDL cholesterol), so pages can show a blood count as one group of rows.
Medicines also know their ingredients as RxNorm names them, read with the
RxNorm codes and the brand names by lib/medicine_names.py.

The files are plain CSV, quoted where a name holds a comma;
tests/test_shipped_tables.py holds each to its declared columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Code:
    code: str
    # In English; the suggestions offer the reader's language, and a typed
    # name is matched against both.
    name: str
    unit: str = ""
    name_es: str = ""
    # The key of the panel a lab test is usually ordered in, "" for none: its
    # name is in records/panels.py (lib imports no app, so none is translated here).
    panel: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the code goes by, English first, without repeats."""
        return _distinct(self.name, self.name_es)

    def name_in(self, language: str) -> str:
        """Its name in ``language`` ("es" or "en"); English where the table has no other."""
        return self.name_es if language.startswith("es") and self.name_es else self.name


@dataclass(frozen=True)
class Medicine:
    # The International Nonproprietary Name, in English.
    name: str
    also_known_as: str = ""
    name_es: str = ""
    # Its active ingredients as RxNorm names them, in lower case: "acetaminophen"
    # for Paracetamol, two for a combination (lib/medicine_names.py).
    ingredients: frozenset[str] = frozenset()

    @property
    def suggestion(self) -> str:
        return f"{self.name} ({self.also_known_as})" if self.also_known_as else self.name

    def suggestion_in(self, language: str) -> str:
        """As offered while typing: in Spanish its Spanish name, else the INN and its other name."""
        return self.name_es if language.startswith("es") and self.name_es else self.suggestion

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the substance goes by, the INN first, without repeats."""
        return _distinct(self.name, self.also_known_as, self.name_es)


def parse_table(text: str, where: str) -> list[dict[str, str]]:
    """A shipped table's rows by column name; a malformed row is an error, not a guess.

    A row with more cells than the header is a name cut at an unquoted comma:
    DictReader would quietly keep the first piece, as it once did for six
    vaccine names. ``where`` names the table in the error.
    """
    # From a string, not text.splitlines(): a quoted cell may hold a line break,
    # and splitlines() also breaks at U+2028 and other characters csv keeps.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader, [])
    rows = []
    for cells in reader:
        if len(cells) != len(header):
            raise ValueError(
                f"{where}, line {reader.line_num}: {len(cells)} cells, the header has {len(header)}"
            )
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("myhealthhub").joinpath("data", filename).read_text(encoding="utf-8")
    return parse_table(text, f"data/{filename}")


@cache
def vaccines() -> tuple[Code, ...]:
    return tuple(Code(row["code"], row["en"], name_es=row["es"]) for row in _rows("cvx.csv"))


@cache
def lab_tests() -> tuple[Code, ...]:
    return tuple(
        Code(row["code"], row["en"], row["unit"], row["es"], row["panel"])
        for row in _rows("loinc.csv")
    )


@cache
def _panels() -> dict[str, str]:
    return {test.code: test.panel for test in lab_tests() if test.panel}


def panel_of(code: str) -> str:
    """The key of the panel LOINC ``code`` is usually ordered in ("blood-count"), else ""."""
    return _panels().get(code.strip(), "")


@cache
def medicines() -> tuple[Medicine, ...]:
    return tuple(
        Medicine(row["en"], row["also_known_as"], row["es"], ingredient_set(row["ingredients"]))
        for row in _rows("medicines.csv")
    )


@dataclass(frozen=True)
class RxNormConcept:
    """One RxNorm code of rxnorm.csv: a drug, a brand or an ingredient, and what it contains."""

    code: str
    name: str
    ingredients: frozenset[str]
    # As written in the table ("500 mg", "100 mg/mL", "500 mg / 25 mg"); "" when unknown.
    strength: str


@cache
def rxnorm_concepts() -> dict[str, RxNormConcept]:
    """The RxNorm codes the real files use, by code."""
    return {
        row["code"]: RxNormConcept(
            row["code"], row["name"], ingredient_set(row["ingredients"]), row["strength"]
        )
        for row in _rows("rxnorm.csv")
    }


@dataclass(frozen=True)
class MedicineName:
    """A brand ("Tylenol PM") or a form's own name ("mycophenolate sodium"), and its ingredients."""

    name: str
    ingredients: frozenset[str]
    # "brand", or "form": a salt or ester not named as its base plus a salt word.
    kind: str


@cache
def medicine_names() -> tuple[MedicineName, ...]:
    return tuple(
        MedicineName(row["name"], ingredient_set(row["ingredients"]), row["kind"])
        for row in _rows("medicine_names.csv")
    )


def ingredient_set(cell: str) -> frozenset[str]:
    """A table's "a;b" ingredients cell as a set."""
    return frozenset(name for name in cell.split(";") if name)


def find_by_name(table: tuple[Code, ...], name: str) -> Code | None:
    """The code with this name in any language, ignoring case and surrounding spaces."""
    wanted = name.strip().casefold()
    return next(
        (code for code in table if wanted in {known.casefold() for known in code.names}), None
    )


def find_by_code(table: tuple[Code, ...], code: str) -> Code | None:
    wanted = code.strip()
    return next((known for known in table if known.code == wanted), None)


def find_medicine(name: str) -> Medicine | None:
    """The substance called ``name`` under any of its names, in any case.

    A suggestion as offered ("Salbutamol (Albuterol)") is known by its first
    name; a name with a strength or a brand ("Metformin 850 mg") is not known.
    """
    wanted = name.split("(")[0].strip().casefold()
    if not wanted:
        return None
    return next(
        (
            medicine
            for medicine in medicines()
            if wanted in {known.casefold() for known in medicine.names}
        ),
        None,
    )


def same_medicine(first: str, second: str) -> bool:
    """True when two names are the same substance under its international names."""
    a, b = _medicine_key(first), _medicine_key(second)
    return a == b


def _medicine_key(name: str) -> str:
    medicine = find_medicine(name)
    return medicine.name.casefold() if medicine else name.split("(")[0].strip().casefold()


def _distinct(*names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))
