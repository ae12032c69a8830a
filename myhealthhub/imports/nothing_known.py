"""Statements that only say nothing is known: "Not on file", "NKDA", "Ninguno", a null flavor.

Vendors write them where a list is empty, as if they were entries: an Epic
C-CDA lists "Not on file" as an active problem, others a medicine called
"None" or an allergy coded "no known allergy". None of them is a record; the
pipeline applies ``screen`` to every entry of every format (``fitting.fit``).
A statement that no allergies are known becomes the records kind that says
so ("no-known-allergies"); every other one is skipped with its reason.

The phrases are in ``myhealthhub/data/nothing_known.csv`` (phrase, language,
the records kind it speaks for or "any"), matched as whole texts after
folding case, accents and punctuation: "NOT ON FILE." is "Not on file".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Skipped
from myhealthhub.imports.fhir.allergies import NO_KNOWN_ALLERGY_CODES, no_known_allergies
from myhealthhub.search.text import words

ANY = "any"
# The codes that say nothing is known, and the kind of record they speak for.
# SNOMED CT: 716186003/160244002 no known allergy (160244002 is the retired one
# older C-CDA still write), 409137002 no known drug allergy and its kin;
# 160245001 no current problems or disability, 1234391000000108 no known
# problems (UK edition). The IPS absent/unknown codes too, when they arrive
# on some other way than the FHIR reader's.
CODES: dict[str, str] = {
    **{code: "allergies" for code in NO_KNOWN_ALLERGY_CODES},
    "160244002": "allergies",
    "160245001": "conditions",
    "1234391000000108": "conditions",
    "no-known-problems": "conditions",
    "no-known-medications": "medications",
    "no-known-procedures": "procedures",
    "no-known-immunizations": "immunizations",
    "no-problem-info": "conditions",
    "no-medication-info": "medications",
    "no-allergy-info": "allergies",
    "no-procedure-info": "procedures",
    "no-immunization-info": "immunizations",
}
# Kinds whose entries are never screened: the statement itself, and notes,
# whose title is the section's (their text is screened instead).
NOT_SCREENED = frozenset({"no-known-allergies"})


@dataclass(frozen=True)
class Phrase:
    text: str
    language: str
    kind: str  # a records kind slug, or "any"

    @property
    def abbreviation(self) -> bool:
        """Written in capitals in the table: "NKDA", "UNK", "NA"."""
        return self.text.isupper()


def folded(text: str) -> str:
    """``text`` as phrases are compared: words only, folded ("N/A." is "n a")."""
    return " ".join(words(text))


@cache
def phrases() -> dict[str, Phrase]:
    """The table, by folded phrase."""
    text = (
        resources.files("myhealthhub")
        .joinpath("data", "nothing_known.csv")
        .read_text(encoding="utf-8")
    )
    return {
        folded(row["phrase"]): Phrase(row["phrase"], row["language"], row["kind"])
        for row in csv.DictReader(text.splitlines())
    }


def phrase_of(text: str, *, abbreviations: bool = True) -> Phrase | None:
    """The phrase ``text`` says and nothing else, if it is one.

    Short texts only: a paragraph that begins "None" says something else.
    """
    if not text or len(text) > 100:
        return None
    found = phrases().get(folded(text))
    if found is None or (found.abbreviation and not abbreviations):
        return None
    return found


@dataclass(frozen=True)
class Verdict:
    """What an entry that says nothing is known says, and of which kind of record."""

    shown: str
    kind: str  # what it speaks for: a records kind slug, or "any"


def says_nothing_known(item: MappedEntry) -> Verdict | None:
    values = item.values
    if item.kind in NOT_SCREENED:
        return None
    for coding in values.get("codings") or ():
        kind = CODES.get(str(coding.get("code", "")))
        if kind is not None:
            shown = str(values.get("display") or coding.get("display") or coding.get("code"))
            return Verdict(shown, kind)
    if item.kind == "notes":
        text = str(values.get("body") or "")
    else:
        text = str(values.get("display") or "")
    # A result's name may be an element's symbol ("Na", sodium; "Ni", nickel),
    # which "NA" and "NI" would take for null flavors.
    phrase = phrase_of(text, abbreviations=item.kind != "results")
    if phrase is None:
        return None
    return Verdict(text.strip(), phrase.kind)


def screen(item: MappedEntry, skipped: list[Skipped]) -> bool:
    """False (and skipped) if ``item`` only says nothing is known; a statement of no
    known allergies is turned into one, in place."""
    verdict = says_nothing_known(item)
    if verdict is None:
        return True
    if verdict.kind == "allergies" and _states_no_allergies(item):
        _into_no_known_allergies(item, verdict)
        return True
    reason = _reason(verdict.kind if verdict.kind != ANY else item.kind)
    skipped.append(
        Skipped(
            item.origin,
            reason % {"text": verdict.shown[:100]},
            item.where,
            verdict.shown[:100],
            item.patients,
        )
    )
    return False


def _states_no_allergies(item: MappedEntry) -> bool:
    """Whether it says there are none, rather than that nobody recorded them."""
    codes = {str(coding.get("code", "")) for coding in item.values.get("codings") or ()}
    return "no-allergy-info" not in codes


def _into_no_known_allergies(item: MappedEntry, verdict: Verdict) -> None:
    values = item.values
    codings = [
        coding
        for coding in values.get("codings") or ()
        if str(coding.get("code", "")) in NO_KNOWN_ALLERGY_CODES
    ]
    extent = next((NO_KNOWN_ALLERGY_CODES[str(c["code"])] for c in codings), "")
    new: dict[str, Any] = {
        "display": no_known_allergies(extent or _extent_in_words(verdict.shown)),
        "codings": codings,
    }
    # An allergy's own date is when it began: the statement's is when it was said.
    for column in ("recorded_date", "date"):
        if values.get(column):
            new["date"] = values[column]
            new["date_precision"] = values.get(f"{column}_precision", "day")
            break
    notes = values.get("notes") or ""
    if item.kind == "notes":
        notes = values.get("body") or ""
    new["notes"] = notes
    item.kind = "no-known-allergies"
    item.values = new


def _extent_in_words(text: str) -> str:
    said = set(words(text))
    if said & {"drug", "drugs", "medication", "nkda", "nkma", "medicamentosas"}:
        return "drug"
    if said & {"food", "alimentarias"}:
        return "food"
    if said & {"environmental"}:
        return "environmental"
    return "all"


def _reason(kind: str) -> str:
    if kind == "conditions":
        return _("a statement that no problems are known (“%(text)s”), not a record")
    if kind == "allergies":
        return _("a statement that no allergies are known (“%(text)s”), not a record")
    if kind == "medications":
        return _("a statement that no medicines are known (“%(text)s”), not a record")
    if kind == "immunizations":
        return _("a statement that no immunizations are known (“%(text)s”), not a record")
    if kind == "procedures":
        return _("a statement that no procedures are known (“%(text)s”), not a record")
    return _("a statement that nothing is known (“%(text)s”), not a record")
