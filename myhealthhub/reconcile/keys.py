"""What an entry states, as keys two entries must share to be one thing.

Codes first, then names, never a guess (issue 17):

- a medicine or an allergy is its set of active ingredients, from its
  RxNorm code or else its name (lib/medicine_names.py): "Tylenol 500 mg",
  RxNorm 209459 and "paracetamol" typed by hand are all {acetaminophen};
  a combination is its own set, never one of its parts;
- a problem is its SNOMED CT concept, else its ICD-10 code, else its name;
- a vaccine dose is its CVX code (the dose is told apart by its day, see
  grouping.py), else its name;
- a result is its LOINC code at its moment, else its name at its moment.

An entry's ``key`` says what it is when a code or a known medicine name
tells; every entry also has a ``name_key``. grouping.py matches keys first;
an entry with no key joins a group by its name, and one with a key joins a
group of unkeyed entries by its name only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from myhealthhub.reconcile import medicines
from myhealthhub.records.kinds import CVX, LOINC
from myhealthhub.records.models import Entry, Observation
from myhealthhub.search.text import fold

SNOMED = "http://snomed.info/sct"
ICD10 = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")

# The kinds whose entries are grouped, in the order pages list them.
RECONCILED = ("medications", "allergies", "conditions", "immunizations", "results")

# SNOMED's semantic tag, which some systems keep in the name: "(disorder)".
_SEMANTIC_TAG = re.compile(r"\s*\((disorder|finding|situation|morphologic abnormality)\)\s*$")
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Identity:
    key: str
    name_key: str
    # The day a vaccine dose was given: two doses of one vaccine are two things.
    day: dt.date | None
    # What matched, for the reason shown: "RxNorm 209459", "SNOMED CT 59621000".
    detail: str
    # The key came from a code (How.CODE), not from a name (How.NAME).
    coded: bool = True


def identity(slug: str, entry: Entry) -> Identity:
    codings = [c for c in entry.codings or [] if isinstance(c, dict)]
    if slug in {"medications", "allergies"}:
        return _substance(codings, entry.display)
    if slug == "conditions":
        return _problem(codings, entry.display)
    if slug == "immunizations":
        code = _code_in(codings, (CVX,))
        day = entry.date if entry.date_precision == "day" else None
        return Identity(f"cvx:{code}" if code else "", _name_key(entry.display), day, _cvx(code))
    if slug == "results":
        assert isinstance(entry, Observation)
        return _result(codings, entry)
    raise ValueError(f"{slug} entries are not grouped")


def _substance(codings: list[dict[str, Any]], display: str) -> Identity:
    found = medicines.ingredients(codings, display)
    name = _name_key(display)
    if found is None:
        return Identity("", name, None, "")
    key = "ingredients:" + "+".join(sorted(found.names))
    if found.code:
        return Identity(key, name, None, f"RxNorm {found.code}")
    # Known by its name: the same key as a coded entry of those ingredients.
    return Identity(key, name, None, " + ".join(sorted(found.names)), coded=False)


def _problem(codings: list[dict[str, Any]], display: str) -> Identity:
    name = _name_key(_SEMANTIC_TAG.sub("", display))
    if code := _code_in(codings, (SNOMED,)):
        return Identity(f"snomed:{code}", name, None, f"SNOMED CT {code}")
    if code := _code_in(codings, ICD10):
        return Identity(f"icd10:{code.upper()}", name, None, f"ICD-10 {code.upper()}")
    return Identity("", name, None, "")


def _result(codings: list[dict[str, Any]], result: Observation) -> Identity:
    moment = _moment(result)
    name = f"{_name_key(result.display)}@{moment}"
    if code := _code_in(codings, (LOINC,)) or (result.code if result.code_system == LOINC else ""):
        return Identity(f"loinc:{code}@{moment}", name, None, f"LOINC {code}")
    return Identity("", name, None, "")


def _moment(result: Observation) -> str:
    """When it was taken, as one text: its instant when known, else as written."""
    if (instant := result.taken_at) is not None:
        return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    if result.date is None:
        return "undated"
    day = result.date.isoformat()[: {"year": 4, "month": 7}.get(result.date_precision, 10)]
    time = result.effective_time.strftime("T%H:%M") if result.effective_time else ""
    return day + time


def _code_in(codings: list[dict[str, Any]], systems: tuple[str, ...]) -> str:
    return next(
        (
            str(c.get("code", "")).strip()
            for c in codings
            if c.get("system") in systems and c.get("code")
        ),
        "",
    )


def _cvx(code: str) -> str:
    return f"CVX {code}" if code else ""


def _name_key(text: str) -> str:
    """The name as compared: case, accents and punctuation set aside."""
    return "name:" + " ".join(_NOT_WORD.sub(" ", fold(text)).split())
